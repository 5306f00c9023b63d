/**
 * The RecordBatch v2 `attributes` int16:
 *   bits 0-2  compression (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)
 *   bit 3     timestamp type (0 CreateTime, 1 LogAppendTime)
 *   bit 4     transactional
 *   bit 5     control batch (transaction markers)
 *   bit 6     delete horizon set (KIP-534: baseTimestamp holds the delete horizon)
 */
import { KafkaError, ErrorCode } from '../errors.js';

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;
export const DELETE_HORIZON_FLAG_MASK = 0x40;

/** Compression codes as Kafka's CompressionType ids. */
export const CompressionCode = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type Compression = keyof typeof CompressionCode;
const COMPRESSION_BY_CODE: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export const TimestampType = { CreateTime: 'CreateTime', LogAppendTime: 'LogAppendTime' } as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** The compression code in bits 0-2 (may be an unknown code 5..7). */
export function compressionCodeOf(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}

/**
 * The codec named by `attributes`. Codes 5..7 are unknown to Kafka too; like Kafka's
 * CompressionType.forId we refuse them (as a corrupt batch: the bytes cannot be read).
 */
export function compressionOf(attributes: number): Compression {
  const code = attributes & COMPRESSION_CODEC_MASK;
  const name = COMPRESSION_BY_CODE[code];
  if (name === undefined) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `unknown compression type id ${code}`);
  return name;
}

export function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime';
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}

export function hasDeleteHorizon(attributes: number): boolean {
  return (attributes & DELETE_HORIZON_FLAG_MASK) !== 0;
}

/** Builds an attributes value (as Kafka's DefaultRecordBatch.computeAttributes). */
export function computeAttributes(options: {
  compression?: Compression;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  hasDeleteHorizon?: boolean;
}): number {
  let a = CompressionCode[options.compression ?? 'none'];
  if (options.timestampType === 'LogAppendTime') a |= TIMESTAMP_TYPE_MASK;
  if (options.isTransactional === true) a |= TRANSACTIONAL_FLAG_MASK;
  if (options.isControl === true) a |= CONTROL_FLAG_MASK;
  if (options.hasDeleteHorizon === true) a |= DELETE_HORIZON_FLAG_MASK;
  return a;
}
