/**
 * gzip (Kafka CompressionType 1): RFC 1952 members, as Java's GZIPOutputStream writes them.
 * Decompression accepts concatenated members and is bounded by zlib's maxOutputLength.
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { corrupt, tooLarge, type CompressionCodec } from './codec.js';

/** Kafka's default gzip level is zlib's default (6). */
export function compress(data: Buffer, level: number = constants.Z_DEFAULT_COMPRESSION): Buffer {
  return gzipSync(data, { level });
}

export function decompress(data: Buffer, maxBytes: number): Buffer {
  let out: Buffer;
  try {
    out = gunzipSync(data, { maxOutputLength: Math.max(1, maxBytes) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', `> ${maxBytes}`, maxBytes);
    throw corrupt('gzip', `cannot decompress: ${(e as Error).message}`, e);
  }
  // zlib needs a maxOutputLength of at least 1, so a limit of 0 is checked here.
  if (out.length > maxBytes) throw tooLarge('gzip', out.length, maxBytes);
  return out;
}

export const gzip: CompressionCodec = { name: 'gzip', code: 1, compress, decompress };
