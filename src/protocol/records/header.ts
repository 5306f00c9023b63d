/**
 * Reading a RecordBatch v2 header without touching the records (the broker's hot path:
 * validate, assign offsets, store bytes). Field positions are in layout.ts.
 */
import { DecodeError } from '../../util/errors.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
} from './layout.js';

/** Every field of a RecordBatch v2 header. int64 fields are bigint; `crc` is unsigned. */
export interface RecordBatchHeader {
  baseOffset: bigint;
  /** Bytes after the batchLength field; the whole batch is batchLength + 12 bytes. */
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

/** Reads the 61-byte header at `position`; throws DecodeError when fewer bytes remain. */
export function readBatchHeader(buf: Buffer, position = 0): RecordBatchHeader {
  if (position < 0 || buf.length - position < RECORD_BATCH_OVERHEAD) {
    throw new DecodeError(
      `record batch header needs ${RECORD_BATCH_OVERHEAD} bytes at position ${position}, only ${Math.max(0, buf.length - position)} remain`,
    );
  }
  const p = position;
  return {
    baseOffset: buf.readBigInt64BE(p + BASE_OFFSET_OFFSET),
    batchLength: buf.readInt32BE(p + BATCH_LENGTH_OFFSET),
    partitionLeaderEpoch: buf.readInt32BE(p + PARTITION_LEADER_EPOCH_OFFSET),
    magic: buf.readInt8(p + MAGIC_OFFSET),
    crc: buf.readUInt32BE(p + CRC_OFFSET),
    attributes: buf.readInt16BE(p + ATTRIBUTES_OFFSET),
    lastOffsetDelta: buf.readInt32BE(p + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: buf.readBigInt64BE(p + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: buf.readBigInt64BE(p + MAX_TIMESTAMP_OFFSET),
    producerId: buf.readBigInt64BE(p + PRODUCER_ID_OFFSET),
    producerEpoch: buf.readInt16BE(p + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(p + BASE_SEQUENCE_OFFSET),
    recordCount: buf.readInt32BE(p + RECORDS_COUNT_OFFSET),
  };
}

/** Total size in bytes of a batch with this header (batchLength + 12). */
export function batchSizeInBytes(header: Pick<RecordBatchHeader, 'batchLength'>): number {
  return header.batchLength + LOG_OVERHEAD;
}

/** The offset of the batch's last record: baseOffset + lastOffsetDelta (Kafka's lastOffset()). */
export function lastOffsetOf(header: Pick<RecordBatchHeader, 'baseOffset' | 'lastOffsetDelta'>): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}

/** The offset after the batch (Kafka's nextOffset()). */
export function nextOffsetOf(header: Pick<RecordBatchHeader, 'baseOffset' | 'lastOffsetDelta'>): bigint {
  return lastOffsetOf(header) + 1n;
}

/**
 * The sequence of the batch's last record, wrapping at Integer.MAX_VALUE as Kafka's
 * DefaultRecordBatch.incrementSequence does (NO_SEQUENCE stays NO_SEQUENCE).
 */
export function lastSequenceOf(header: Pick<RecordBatchHeader, 'baseSequence' | 'lastOffsetDelta'>): number {
  if (header.baseSequence === -1) return -1;
  const s = header.baseSequence + header.lastOffsetDelta;
  return s > 0x7fffffff ? s - 0x7fffffff - 1 : s;
}
