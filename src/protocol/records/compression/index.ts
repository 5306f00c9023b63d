/**
 * The compression codecs of record batches, indexed by Kafka's CompressionType id
 * (attributes bits 0-2): 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd.
 */
import { corrupt, type CompressionCodec } from './codec.js';
import { gzip } from './gzip.js';
import { lz4 } from './lz4.js';
import { snappy } from './snappy.js';
import { zstd } from './zstd.js';

export { DEFAULT_MAX_DECOMPRESSED_BYTES, type CompressionCodec } from './codec.js';

/** Uncompressed records: the section is used as it is (a view, nothing is allocated). */
export const none: CompressionCodec = {
  name: 'none',
  code: 0,
  compress: (d) => d,
  decompress: (d) => d,
};

/** Codecs by compression code; codes 5..7 are undefined (unknown to Kafka as well). */
export const codecs: readonly CompressionCodec[] = [none, gzip, snappy, lz4, zstd];

export const codecsByName = { none, gzip, snappy, lz4, zstd } as const;

/** The codec for a compression code; CORRUPT_MESSAGE for an unknown code. */
export function codecFor(code: number): CompressionCodec {
  const c = codecs[code];
  if (c === undefined) throw corrupt('compression', `unknown compression type id ${code}`);
  return c;
}

export { gzip, snappy, lz4, zstd };
