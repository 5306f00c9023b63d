/**
 * Encoding and decoding whole RecordBatch v2 batches with their records: what producers,
 * coordinators (their own topics), compaction and control-record handling need. The broker's
 * produce/fetch path does not come here; it validates and stores bytes (validate.ts, rewrite.ts).
 */
import { DecodeError, EncodeError } from '../../util/errors.js';
import { Reader, Writer } from '../../util/bytes.js';
import { crc32c } from '../../util/crc32c.js';
import { ErrorCode, KafkaError } from '../errors.js';
import { computeAttributes, compressionCodeOf, timestampTypeOf, type Compression, type TimestampType } from './attributes.js';
import { codecFor, DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression/index.js';
import { batchSizeInBytes, type RecordBatchHeader } from './header.js';
import {
  ATTRIBUTES_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
} from './layout.js';
import { MIN_RECORD_BYTES, readRecord, writeRecord, type DecodedRecord, type RecordHeader } from './record.js';
import { validateBatch } from './validate.js';

export type { DecodedRecord } from './record.js';

/** A record to encode. Timestamps are absolute; deltas are computed. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  /** Milliseconds since the epoch (CreateTime). Defaults to the batch's baseTimestamp or NO_TIMESTAMP (-1). */
  timestamp?: bigint;
  /** Defaults to the record's index. Must increase (compaction keeps original offsets, with gaps). */
  offsetDelta?: number;
  /** Record attributes (unused by Kafka; 0). */
  attributes?: number;
}

export interface EncodeRecordBatchOptions {
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  compression?: Compression;
  /** The codec's level (KIP-390's compression.gzip.level / compression.zstd.level); codec default when absent. */
  compressionLevel?: number;
  timestampType?: TimestampType;
  /**
   * The base for record timestamp deltas; defaults to the first record's timestamp (Kafka's
   * MemoryRecordsBuilder). For LogAppendTime it is the append time and is required: every record
   * then has that timestamp and maxTimestamp equals it.
   */
  baseTimestamp?: bigint;
  /** KIP-534: sets attribute bit 6 and stores the delete horizon as baseTimestamp. */
  deleteHorizonMs?: bigint;
  /** Defaults to the last record's offsetDelta (compaction keeps the original batch's). */
  lastOffsetDelta?: number;
  /** Initial size of the records buffer (a producer knows its batch's size; avoids regrowing). */
  initialBytes?: number;
  records: RecordInput[];
}

function resolveTimestamps(options: EncodeRecordBatchOptions): { base: bigint; max: bigint; timestamps: bigint[] } {
  const { records } = options;
  if (options.timestampType === 'LogAppendTime') {
    if (options.baseTimestamp === undefined) throw new EncodeError('LogAppendTime batches need baseTimestamp (the append time)');
    const t = options.baseTimestamp;
    return { base: options.deleteHorizonMs ?? t, max: t, timestamps: records.map(() => t) };
  }
  const fallback = options.baseTimestamp ?? NO_TIMESTAMP;
  const timestamps = records.map((r) => r.timestamp ?? fallback);
  let max = NO_TIMESTAMP;
  for (const t of timestamps) if (t > max) max = t;
  const base = options.deleteHorizonMs ?? options.baseTimestamp ?? timestamps[0] ?? NO_TIMESTAMP;
  return { base, max, timestamps };
}

/** Encodes one batch: record deltas, lastOffsetDelta, maxTimestamp, compression and the CRC. */
export function encodeRecordBatch(options: EncodeRecordBatchOptions): Buffer {
  const { records } = options;
  const { base, max, timestamps } = resolveTimestamps(options);
  const body = new Writer(options.initialBytes ?? 64 + records.length * 32);
  let previousDelta = -1;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const offsetDelta = r.offsetDelta ?? i;
    if (offsetDelta <= previousDelta) throw new EncodeError(`record offset deltas must increase (${previousDelta} then ${offsetDelta})`);
    previousDelta = offsetDelta;
    const timestampDelta = timestamps[i]! - base;
    if (timestampDelta > BigInt(Number.MAX_SAFE_INTEGER) || timestampDelta < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new EncodeError(`record timestamp ${timestamps[i]} is too far from the base timestamp ${base}`);
    }
    writeRecord(body, {
      attributes: r.attributes ?? 0,
      timestampDelta: Number(timestampDelta),
      offsetDelta,
      key: r.key,
      value: r.value,
      headers: r.headers ?? [],
    });
  }
  const lastOffsetDelta = options.lastOffsetDelta ?? (records.length === 0 ? -1 : previousDelta);
  if (lastOffsetDelta < previousDelta) throw new EncodeError(`lastOffsetDelta ${lastOffsetDelta} is before the last record's ${previousDelta}`);
  const compression = options.compression ?? 'none';
  const recordsBytes = compression === 'none' ? body.finish() : codecFor(computeAttributes({ compression })).compress(body.finish(), options.compressionLevel);

  const attributes = computeAttributes({
    compression,
    timestampType: options.timestampType,
    isTransactional: options.isTransactional,
    isControl: options.isControl,
    hasDeleteHorizon: options.deleteHorizonMs !== undefined,
  });
  const batch = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD + recordsBytes.length);
  batch.writeBigInt64BE(options.baseOffset ?? 0n, 0);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, 8);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, 12);
  batch.writeInt8(CURRENT_MAGIC, 16);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(lastOffsetDelta, 23);
  batch.writeBigInt64BE(base, 27);
  batch.writeBigInt64BE(max, 35);
  batch.writeBigInt64BE(options.producerId ?? NO_PRODUCER_ID, 43);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, 51);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, 53);
  batch.writeInt32BE(records.length, 57);
  recordsBytes.copy(batch, RECORD_BATCH_OVERHEAD);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}

export interface DecodeRecordBatchOptions {
  /** Where the batch starts in `buf` (default 0). */
  position?: number;
  /** Bound on the decompressed records (default DEFAULT_MAX_DECOMPRESSED_BYTES). */
  maxDecompressedBytes?: number;
}

export interface DecodedRecordBatch {
  header: RecordBatchHeader;
  records: DecodedRecord[];
}

/** The records section of a batch, decompressed (bounded) when the attributes say so. */
export function batchRecordsBytes(buf: Buffer, header: RecordBatchHeader, position = 0, maxDecompressedBytes = DEFAULT_MAX_DECOMPRESSED_BYTES): Buffer {
  const section = buf.subarray(position + RECORD_BATCH_OVERHEAD, position + batchSizeInBytes(header));
  return codecFor(compressionCodeOf(header.attributes)).decompress(section, maxDecompressedBytes);
}

/**
 * Yields the records of a batch's (decompressed) records section one at a time. recordCount is
 * checked against the bytes present before anything is read, every record is bounded by its
 * section, and bytes left over after recordCount records are an error (Kafka's "Incorrect
 * declared batch size"), raised after the last record.
 */
export function* iterateRecords(header: RecordBatchHeader, bytes: Buffer): Generator<DecodedRecord, void, undefined> {
  const count = header.recordCount;
  if (count < 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid record count ${count}`);
  if (count * MIN_RECORD_BYTES > bytes.length) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `record count ${count} cannot fit in ${bytes.length} bytes of records`);
  }
  const logAppendTime = timestampTypeOf(header.attributes) === 'LogAppendTime';
  const reader = new Reader(bytes);
  for (let i = 0; i < count; i++) {
    let r: DecodedRecord;
    try {
      r = readRecord(reader) as DecodedRecord;
    } catch (e) {
      if (e instanceof DecodeError) throw new KafkaError(ErrorCode.INVALID_RECORD, `found invalid record structure: ${e.message}`, { cause: e });
      throw e;
    }
    r.offset = header.baseOffset + BigInt(r.offsetDelta);
    r.timestamp = logAppendTime ? header.maxTimestamp : header.baseTimestamp + BigInt(r.timestampDelta);
    yield r;
  }
  if (reader.remaining !== 0) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `incorrect declared batch size, ${reader.remaining} bytes remain after ${count} records`);
  }
}

/**
 * Validates (magic, sizes, CRC) and decompresses one batch now, and decodes its records lazily:
 * for callers that stop early or should not hold every record of a large batch at once
 * (compaction, loading a coordinator's partition).
 */
export function iterateRecordBatch(buf: Buffer, options: DecodeRecordBatchOptions = {}): { header: RecordBatchHeader; records: Iterable<DecodedRecord> } {
  const position = options.position ?? 0;
  const header = validateBatch(buf, position);
  const bytes = batchRecordsBytes(buf, header, position, options.maxDecompressedBytes);
  return { header, records: { [Symbol.iterator]: () => iterateRecords(header, bytes) } };
}

/** Validates (magic, sizes, CRC) and decodes one batch with all its records (see iterateRecords). */
export function decodeRecordBatch(buf: Buffer, options: DecodeRecordBatchOptions = {}): DecodedRecordBatch {
  const position = options.position ?? 0;
  const header = validateBatch(buf, position);
  const bytes = batchRecordsBytes(buf, header, position, options.maxDecompressedBytes);
  const records: DecodedRecord[] = [];
  for (const r of iterateRecords(header, bytes)) records.push(r);
  return { header, records };
}
