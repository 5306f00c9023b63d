/**
 * ListOffsets lookups on a log (Kafka's UnifiedLog.fetchOffsetByTimestamp):
 *   -2 earliest / -5 earliest local -> the log start offset
 *   -1 latest                       -> the log end offset
 *   -3 max timestamp                -> the first record carrying the largest timestamp
 *   t >= 0                          -> the first record (in offset order) with timestamp >= t
 * For t >= 0 the first segment whose largest timestamp reaches t is searched: its time index
 * gives the last entry at or below t, the offset index a position, and batches are scanned from
 * there (their records decoded only for the batch that qualifies).
 */
import { timestampTypeOf } from '../protocol/records/index.js';
import { decodeRecords } from './batch-records.js';
import type { LogSegment } from './log-segment.js';
import type { UnifiedLog } from './unified-log.js';

export const ListOffsetsTimestamp = { LATEST: -1n, EARLIEST: -2n, MAX_TIMESTAMP: -3n, LATEST_TIERED: -4n, EARLIEST_LOCAL: -5n } as const;

export interface TimestampLookupResult {
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
}

export function fetchOffsetByTimestamp(log: UnifiedLog, timestamp: bigint): TimestampLookupResult | null {
  const epochOf = (o: bigint): number => log.leaderEpochCache.epochForOffset(o) ?? -1;
  const start = log.logStartOffset;
  if (timestamp === ListOffsetsTimestamp.EARLIEST || timestamp === ListOffsetsTimestamp.EARLIEST_LOCAL) {
    return { offset: start, timestamp: -1n, leaderEpoch: epochOf(start) };
  }
  if (timestamp === ListOffsetsTimestamp.LATEST) return { offset: log.logEndOffset, timestamp: -1n, leaderEpoch: log.latestEpoch ?? -1 };
  if (timestamp === ListOffsetsTimestamp.MAX_TIMESTAMP) return maxTimestampOffset(log.segments, epochOf);
  if (timestamp < 0n) return null;
  const target = Number(timestamp);
  for (const seg of log.segments) {
    if (seg.largestTimestampMs < target) continue;
    const fromIndex = seg.timeIndex.lookup(target);
    const position = seg.offsetIndex.lookup(fromIndex.offset).position;
    for (const b of seg.batchesFrom(position)) {
      if (Number(b.header.maxTimestamp) < target || b.lastOffset < start) continue;
      for (const r of decodeRecords(b.bytes)) {
        const ts = timestampTypeOf(b.header.attributes) === 'LogAppendTime' ? b.header.maxTimestamp : r.timestamp;
        if (ts >= timestamp && r.offset >= start) return { offset: r.offset, timestamp: ts, leaderEpoch: b.header.partitionLeaderEpoch };
      }
    }
  }
  return null;
}

function maxTimestampOffset(segments: readonly LogSegment[], epochOf: (o: bigint) => number): TimestampLookupResult | null {
  let best: { seg: LogSegment; ts: number } | undefined;
  for (const seg of segments) {
    const ts = seg.largestTimestampMs;
    if (seg.size > 0 && (best === undefined || ts > best.ts)) best = { seg, ts };
  }
  if (best === undefined) return { offset: -1n, timestamp: -1n, leaderEpoch: -1 };
  for (const b of best.seg.batchesFrom(0)) {
    if (Number(b.header.maxTimestamp) !== best.ts) continue;
    if (timestampTypeOf(b.header.attributes) === 'LogAppendTime') return { offset: b.header.baseOffset, timestamp: b.header.maxTimestamp, leaderEpoch: epochOf(b.header.baseOffset) };
    for (const r of decodeRecords(b.bytes)) if (r.timestamp === b.header.maxTimestamp) return { offset: r.offset, timestamp: r.timestamp, leaderEpoch: b.header.partitionLeaderEpoch };
  }
  return null;
}
