/**
 * Structural validation of one RecordBatch v2, as Kafka's DefaultRecordBatch.ensureValid and
 * ProduceRequest.validateRecords do it: the magic byte, a sane batchLength that fits the
 * buffer, and the CRC32C over the bytes from `attributes` to the end. Errors carry Kafka's codes:
 * CORRUPT_MESSAGE (2) for size and checksum failures, INVALID_RECORD (87) for a magic other than 2
 * (Produce v3+ may only carry magic-2 batches; magic 0/1 are gone since Kafka 4.0, KIP-896).
 */
import { crc32c } from '../../util/crc32c.js';
import { ErrorCode, KafkaError } from '../errors.js';
import { readBatchHeader, type RecordBatchHeader } from './header.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_OVERHEAD,
} from './layout.js';

/** CRC32C of the checksummed part (attributes .. end) of the batch starting at `position`. */
export function computeBatchCrc(buf: Buffer, position = 0): number {
  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  const end = position + LOG_OVERHEAD + batchLength;
  return crc32c(buf.subarray(position + ATTRIBUTES_OFFSET, end));
}

/**
 * Validates the batch at `position` and returns its header. `buf` may hold more bytes after the
 * batch (the next batch); the batch itself is `batchLength + 12` bytes from `position`.
 */
export function validateBatch(buf: Buffer, position = 0): RecordBatchHeader {
  const available = buf.length - position;
  if (available < RECORD_BATCH_OVERHEAD) {
    throw new KafkaError(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch is ${available} bytes, smaller than the minimum overhead of ${RECORD_BATCH_OVERHEAD} bytes`,
    );
  }
  const magic = buf.readInt8(position + MAGIC_OFFSET);
  if (magic !== CURRENT_MAGIC) {
    throw new KafkaError(
      ErrorCode.INVALID_RECORD,
      `record batch has magic ${magic}; only magic ${CURRENT_MAGIC} (RecordBatch v2) is supported`,
    );
  }
  const batchLength = buf.readInt32BE(position + BATCH_LENGTH_OFFSET);
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new KafkaError(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch length ${batchLength} is smaller than the minimum of ${MIN_BATCH_LENGTH}`,
    );
  }
  if (batchLength + LOG_OVERHEAD > available) {
    throw new KafkaError(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch length ${batchLength} exceeds the ${available - LOG_OVERHEAD} bytes that follow it`,
    );
  }
  const stored = buf.readUInt32BE(position + CRC_OFFSET);
  const computed = computeBatchCrc(buf, position);
  if (stored !== computed) {
    throw new KafkaError(
      ErrorCode.CORRUPT_MESSAGE,
      `record batch is corrupt (stored crc = ${stored}, computed crc = ${computed})`,
    );
  }
  return readBatchHeader(buf, position);
}

/** True when the batch at `position` passes validateBatch. */
export function isValidBatch(buf: Buffer, position = 0): boolean {
  try {
    validateBatch(buf, position);
    return true;
  } catch (e) {
    if (e instanceof KafkaError) return false;
    throw e;
  }
}
