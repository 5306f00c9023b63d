/**
 * In-place header rewrites the broker makes when appending a batch (Kafka's
 * DefaultRecordBatch.setLastOffset / setPartitionLeaderEpoch / setMaxTimestamp). baseOffset and
 * partitionLeaderEpoch lie outside the CRC's coverage, so rewriting them keeps the batch valid
 * as it is; switching to LogAppendTime changes covered bytes and recomputes the CRC.
 */
import { assert } from '../../util/assert.js';
import { crc32c } from '../../util/crc32c.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  RECORD_BATCH_OVERHEAD,
} from './layout.js';
import { TIMESTAMP_TYPE_MASK } from './attributes.js';

function assertHeader(batch: Buffer): void {
  assert(batch.length >= RECORD_BATCH_OVERHEAD, `batch of ${batch.length} bytes has no complete header`);
}

/** Sets baseOffset (the offset of the first record); the CRC is unaffected. */
export function setBaseOffset(batch: Buffer, offset: bigint): void {
  assertHeader(batch);
  batch.writeBigInt64BE(offset, BASE_OFFSET_OFFSET);
}

/** Sets partitionLeaderEpoch (the leader epoch the batch was appended under); the CRC is unaffected. */
export function setPartitionLeaderEpoch(batch: Buffer, epoch: number): void {
  assertHeader(batch);
  batch.writeInt32BE(epoch, PARTITION_LEADER_EPOCH_OFFSET);
}

/** Writes the CRC32C of the batch's covered bytes into its crc field and returns it. */
export function updateBatchCrc(batch: Buffer): number {
  assertHeader(batch);
  const end = LOG_OVERHEAD + batch.readInt32BE(BATCH_LENGTH_OFFSET);
  assert(end <= batch.length, `batchLength says ${end} bytes but the batch has ${batch.length}`);
  const crc = crc32c(batch.subarray(ATTRIBUTES_OFFSET, end));
  batch.writeUInt32BE(crc, CRC_OFFSET);
  return crc;
}

/**
 * Marks the batch LogAppendTime with append time `timestampMs` (topic config
 * message.timestamp.type=LogAppendTime), exactly as Kafka's LogValidator does in place: the
 * timestamp-type bit is set, maxTimestamp becomes the append time and the CRC is recomputed.
 * baseTimestamp and the records' deltas are left as the producer wrote them (baseTimestamp may be
 * a KIP-534 delete horizon); readers take every record's timestamp from maxTimestamp for
 * LogAppendTime batches. Does nothing when the batch already says exactly that.
 */
export function setLogAppendTime(batch: Buffer, timestampMs: bigint): void {
  assertHeader(batch);
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  if ((attributes & TIMESTAMP_TYPE_MASK) !== 0 && batch.readBigInt64BE(MAX_TIMESTAMP_OFFSET) === timestampMs) return;
  batch.writeInt16BE(attributes | TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
  batch.writeBigInt64BE(timestampMs, MAX_TIMESTAMP_OFFSET);
  updateBatchCrc(batch);
}

/**
 * Sets maxTimestamp and the timestamp type (Kafka's setMaxTimestamp), recomputing the CRC. Used
 * when a broker overwrites a CreateTime batch's maxTimestamp after validating record timestamps.
 */
export function setMaxTimestamp(batch: Buffer, timestampType: 'CreateTime' | 'LogAppendTime', maxTimestamp: bigint): void {
  assertHeader(batch);
  const attributes = batch.readInt16BE(ATTRIBUTES_OFFSET);
  const next = timestampType === 'LogAppendTime' ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK;
  if (next === attributes && batch.readBigInt64BE(MAX_TIMESTAMP_OFFSET) === maxTimestamp) return;
  batch.writeInt16BE(next, ATTRIBUTES_OFFSET);
  batch.writeBigInt64BE(maxTimestamp, MAX_TIMESTAMP_OFFSET);
  updateBatchCrc(batch);
}
