/**
 * Kafka RecordBatch v2: header layout and attributes, validation (magic, sizes, CRC32C),
 * zero-copy splitting of `records` fields, the broker's in-place header rewrites, the full
 * record codec with compression, and transaction control records. See README.md.
 */
export * from './layout.js';
export * from './attributes.js';
export * from './header.js';
export * from './validate.js';
export * from './split.js';
export * from './rewrite.js';
export * from './record.js';
export * from './batch.js';
export {
  codecs,
  codecFor,
  codecsByName,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type CompressionCodec,
} from './compression/index.js';
export * from './control.js';
