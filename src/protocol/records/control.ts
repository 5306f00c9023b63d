/**
 * Control records (attribute bit 5): transaction markers that the transaction coordinator has
 * partition leaders write (WriteTxnMarkers) at the end of a transaction. Consumers skip them;
 * read_committed consumers use them to drop aborted data; the log's producer state and
 * transaction index are built from them. Formats as Kafka's ControlRecordType and EndTxnMarker:
 *
 *   key:   version int16 (0), type int16 (ABORT = 0, COMMIT = 1; KRaft uses 2..6)
 *   value: version int16 (0), coordinatorEpoch int32      (for ABORT and COMMIT)
 *
 * A marker batch holds exactly one such record, is transactional and control, carries the
 * producer id and epoch of the transaction it ends and no sequence (Kafka's
 * MemoryRecords.withEndTransactionMarker).
 */
import { ErrorCode, KafkaError } from '../errors.js';
import { isControlBatch, isTransactional } from './attributes.js';
import { decodeRecordBatch, encodeRecordBatch } from './batch.js';
import type { RecordBatchHeader } from './header.js';
import { NO_SEQUENCE } from './layout.js';

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VOTERS: 5,
  KRAFT_VERSION: 6,
} as const;
export type ControlRecordTypeName = keyof typeof ControlRecordType;

export const CONTROL_RECORD_KEY_VERSION = 0;
export const CONTROL_RECORD_KEY_BYTES = 4;
export const END_TXN_MARKER_VERSION = 0;
export const END_TXN_MARKER_VALUE_BYTES = 6;

export interface ControlRecordKey {
  version: number;
  /** A ControlRecordType code; codes this version does not know are returned as they are. */
  type: number;
}

export function encodeControlRecordKey(type: number, version = CONTROL_RECORD_KEY_VERSION): Buffer {
  const b = Buffer.alloc(CONTROL_RECORD_KEY_BYTES);
  b.writeInt16BE(version, 0);
  b.writeInt16BE(type, 2);
  return b;
}

/** Parses a control record key (newer versions are read as version 0, as Kafka does). */
export function decodeControlRecordKey(key: Buffer | null): ControlRecordKey {
  if (key === null || key.length < CONTROL_RECORD_KEY_BYTES) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `control record key must have at least ${CONTROL_RECORD_KEY_BYTES} bytes, found ${key?.length ?? 'null'}`);
  }
  const version = key.readInt16BE(0);
  if (version < 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid control record key version ${version}`);
  return { version, type: key.readInt16BE(2) };
}

export interface EndTxnMarker {
  version: number;
  coordinatorEpoch: number;
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version = END_TXN_MARKER_VERSION): Buffer {
  const b = Buffer.alloc(END_TXN_MARKER_VALUE_BYTES);
  b.writeInt16BE(version, 0);
  b.writeInt32BE(coordinatorEpoch, 2);
  return b;
}

export function decodeEndTxnMarkerValue(value: Buffer | null): EndTxnMarker {
  if (value === null || value.length < END_TXN_MARKER_VALUE_BYTES) {
    throw new KafkaError(
      ErrorCode.INVALID_RECORD,
      `end transaction marker value must have at least ${END_TXN_MARKER_VALUE_BYTES} bytes, found ${value?.length ?? 'null'}`,
    );
  }
  return { version: value.readInt16BE(0), coordinatorEpoch: value.readInt32BE(2) };
}

export interface EndTxnMarkerBatchOptions {
  producerId: bigint;
  producerEpoch: number;
  /** true for COMMIT, false for ABORT. */
  commit: boolean;
  coordinatorEpoch: number;
  /** The marker's timestamp (CreateTime), from the writer's clock. */
  timestamp: bigint;
  partitionLeaderEpoch?: number;
  baseOffset?: bigint;
}

/** A one-record control batch ending a transaction, as the partition leader appends it. */
export function encodeEndTxnMarkerBatch(options: EndTxnMarkerBatchOptions): Buffer {
  return encodeRecordBatch({
    baseOffset: options.baseOffset ?? 0n,
    partitionLeaderEpoch: options.partitionLeaderEpoch,
    producerId: options.producerId,
    producerEpoch: options.producerEpoch,
    baseSequence: NO_SEQUENCE,
    isTransactional: true,
    isControl: true,
    records: [
      {
        key: encodeControlRecordKey(options.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT),
        value: encodeEndTxnMarkerValue(options.coordinatorEpoch),
        timestamp: options.timestamp,
      },
    ],
  });
}

export interface DecodedEndTxnMarker {
  header: RecordBatchHeader;
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  /** Offset of the marker record. */
  offset: bigint;
  timestamp: bigint;
}

/**
 * Reads a transaction marker batch (validating it). Throws INVALID_RECORD when the batch is
 * not a transactional control batch of one ABORT/COMMIT record.
 */
export function decodeEndTxnMarkerBatch(batch: Buffer, position = 0): DecodedEndTxnMarker {
  const { header, records } = decodeRecordBatch(batch, { position });
  if (!isControlBatch(header.attributes) || !isTransactional(header.attributes)) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'not a transactional control batch');
  }
  if (records.length !== 1) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `a transaction marker batch holds one record, found ${records.length}`);
  }
  const record = records[0]!;
  const key = decodeControlRecordKey(record.key);
  if (key.type !== ControlRecordType.ABORT && key.type !== ControlRecordType.COMMIT) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, `control record type ${key.type} is not a transaction marker`);
  }
  const marker = decodeEndTxnMarkerValue(record.value);
  return {
    header,
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    commit: key.type === ControlRecordType.COMMIT,
    coordinatorEpoch: marker.coordinatorEpoch,
    offset: record.offset,
    timestamp: record.timestamp,
  };
}

/**
 * The control record type of a validated control batch without decoding it fully: the key of
 * its first record (uncompressed, as Kafka writes control batches). Returns null when the batch
 * is not a control batch or holds no record.
 */
export function controlRecordTypeOf(batch: Buffer): number | null {
  const { header, records } = decodeRecordBatch(batch);
  if (!isControlBatch(header.attributes) || records.length === 0) return null;
  return decodeControlRecordKey(records[0]!.key).type;
}
