/**
 * Turning a fetched partition's `records` bytes into consumer records: whole batches only (a
 * partial trailing batch is fetched again from its offset), records before the fetch offset
 * skipped (a fetch starts at a batch boundary), control batches dropped, and under
 * read_committed the batches of aborted transactions dropped using the response's
 * abortedTransactions (Kafka's Fetcher logic: a producer's records are aborted from its
 * firstOffset until its ABORT marker).
 */
import { isControlBatch, isTransactional, timestampTypeOf } from '../../protocol/records/attributes.js';
import { decodeRecordBatch } from '../../protocol/records/batch.js';
import { ControlRecordType, decodeControlRecordKey } from '../../protocol/records/control.js';
import { nextOffsetOf, readBatchHeader } from '../../protocol/records/header.js';
import type { RecordHeader } from '../../protocol/records/record.js';
import { batchPositions, splitBatches } from '../../protocol/records/split.js';

export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  leaderEpoch: number;
}

export interface ParsedFetch {
  records: ConsumerRecord[];
  /** The offset to fetch next (past the last whole batch, or unchanged). */
  nextFetchOffset: bigint;
}

/**
 * The offset after the last whole batch ending past `fetchOffset` (headers only: cheap, so the
 * next fetch can be sent before the records are decoded).
 */
export function nextFetchOffsetOf(bytes: Buffer | null, fetchOffset: bigint): bigint {
  let next = fetchOffset;
  if (bytes === null || bytes.length === 0) return next;
  const it = batchPositions(bytes);
  for (let r = it.next(); r.done !== true; r = it.next()) {
    const n = nextOffsetOf(readBatchHeader(bytes, r.value[0]));
    if (n > next) next = n;
  }
  return next;
}

export function parseFetchedRecords(
  topic: string,
  partition: number,
  bytes: Buffer | null,
  fetchOffset: bigint,
  readCommitted: boolean,
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null,
): ParsedFetch {
  const out: ConsumerRecord[] = [];
  let next = fetchOffset;
  if (bytes === null || bytes.length === 0) return { records: out, nextFetchOffset: next };
  const aborted = readCommitted ? [...(abortedTransactions ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
  const abortedProducers = new Set<bigint>();
  for (const batch of splitBatches(bytes).batches) {
    const header = readBatchHeader(batch);
    const batchNext = nextOffsetOf(header);
    if (batchNext <= fetchOffset) continue;
    while (aborted.length > 0 && aborted[0]!.firstOffset <= header.baseOffset + BigInt(header.lastOffsetDelta)) {
      abortedProducers.add(aborted.shift()!.producerId);
    }
    const decoded = decodeRecordBatch(batch);
    next = batchNext;
    if (isControlBatch(header.attributes)) {
      if (readCommitted && decoded.records.length > 0 && decodeControlRecordKey(decoded.records[0]!.key).type === ControlRecordType.ABORT) {
        abortedProducers.delete(header.producerId);
      }
      continue;
    }
    if (readCommitted && isTransactional(header.attributes) && abortedProducers.has(header.producerId)) continue;
    const timestampType = timestampTypeOf(header.attributes);
    for (const r of decoded.records) {
      if (r.offset < fetchOffset) continue;
      out.push({
        topic, partition, offset: r.offset, timestamp: r.timestamp, timestampType,
        key: r.key, value: r.value, headers: r.headers, leaderEpoch: header.partitionLeaderEpoch,
      });
    }
  }
  return { records: out, nextFetchOffset: next };
}
