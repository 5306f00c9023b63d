/**
 * The few places where the log looks inside batches (architecture rule 2: only where semantics
 * need it): transaction markers, timestamp lookups, keys on compacted topics. Decoding is the
 * records helper's; this file only reads what the log needs from decoded records.
 */
import { decodeRecordBatch } from '../protocol/records/batch.js';
import type { DecodedRecord } from '../protocol/records/record.js';
import { KafkaError, ErrorCode } from '../protocol/errors.js';

/** Kafka's ControlRecordType: ABORT = 0, COMMIT = 1. */
export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

export interface EndTxnMarker {
  commit: boolean;
  coordinatorEpoch: number;
}

/**
 * The end-transaction marker of a control batch (key: version int16, type int16; value:
 * version int16, coordinatorEpoch int32), or undefined for other control records.
 */
export function readEndTxnMarker(batch: Buffer): EndTxnMarker | undefined {
  const { records } = decodeRecordBatch(batch);
  const r = records[0];
  if (r === undefined || r.key === null || r.key.length < 4) {
    throw new KafkaError(ErrorCode.INVALID_RECORD, 'control batch without a valid control record key');
  }
  const type = r.key.readInt16BE(2);
  if (type !== ControlRecordType.ABORT && type !== ControlRecordType.COMMIT) return undefined;
  if (r.value === null || r.value.length < 6) throw new KafkaError(ErrorCode.INVALID_RECORD, 'end transaction marker without a valid value');
  return { commit: type === ControlRecordType.COMMIT, coordinatorEpoch: r.value.readInt32BE(2) };
}

export function decodeRecords(batch: Buffer): DecodedRecord[] {
  return decodeRecordBatch(batch).records;
}

/** Kafka refuses records without keys on compacted topics (INVALID_RECORD). */
export function checkKeysPresent(batch: Buffer): void {
  for (const r of decodeRecordBatch(batch).records) {
    if (r.key === null) throw new KafkaError(ErrorCode.INVALID_RECORD, 'Compacted topic cannot accept message without key');
  }
}
