/**
 * LogCleaner — compaction (cleanup.policy=compact), Kafka's cleaner semantics:
 *
 * - The log splits into a clean head (already compacted, below the cleaner checkpoint), a dirty
 *   section, and an uncleanable tail: the active segment, anything at or above the last stable
 *   offset / high watermark, and segments with records younger than min.compaction.lag.ms.
 * - A log is cleaned when dirty bytes / (clean + dirty) bytes reaches min.cleanable.dirty.ratio,
 *   or when its oldest dirty record is older than max.compaction.lag.ms.
 * - An offset map (key -> last offset) is built over the dirty section; then every segment below
 *   the uncleanable tail is rewritten keeping a record only if no later record has its key.
 *   Batches keep their original offsets (base offset, offset deltas, lastOffsetDelta, producer
 *   id/epoch/sequence); a batch whose records all survive is copied byte for byte.
 * - Tombstones (null values) and transaction markers are kept for delete.retention.ms after they
 *   were first cleaned (KIP-534: the rewritten batch carries its delete horizon in
 *   baseTimestamp with attribute bit 6); later cleanings past the horizon drop them. A commit
 *   marker is only dropped once no data of its transaction remains.
 * - Records of aborted transactions are removed on the first cleaning.
 * - Segments are grouped (up to segment.bytes) into `.cleaned` files, renamed `.swap`, the old
 *   ones become `.deleted` (removed after file.delete.delay.ms) and the swap files take their
 *   names. Recovery completes an interrupted swap (log-loader.ts).
 * - A batch emptied by cleaning is dropped, except the last batch of an idempotent producer,
 *   kept with no records (its offsets and sequence range intact) as Kafka does.
 */
import { encodeRecordBatch, type RecordInput } from '../protocol/records/batch.js';
import { compressionOf, hasDeleteHorizon, isControlBatch, isTransactional, readBatchHeader, timestampTypeOf } from '../protocol/records/index.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { decodeRecords, readEndTxnMarker } from './batch-records.js';
import { LogSegment, CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX, DELETED_FILE_SUFFIX, type BatchLocation } from './log-segment.js';
import type { UnifiedLog } from './unified-log.js';
import { topicPartitionDirName } from './unified-log.js';

/** Bound on the offset map: ~1M keys is ~100-150 MB of JS Map + strings, near Kafka's 128 MiB log.cleaner.dedupe.buffer.size. */
export const DEFAULT_MAX_OFFSET_MAP_ENTRIES = 1_000_000;

export interface CleanableRange {
  firstDirtyOffset: bigint;
  firstUncleanableOffset: bigint;
  cleanBytes: number;
  dirtyBytes: number;
  dirtyRatio: number;
  mustClean: boolean;
}

export interface CleanerStats {
  segmentsCleaned: number;
  batchesRead: number;
  recordsRead: number;
  recordsRetained: number;
  bytesRead: number;
  bytesWritten: number;
}

export class LogCleaner {
  constructor(private readonly p: { clock: Clock; logger: Logger; maxOffsetMapEntries?: number }) {}

  /** Kafka's LogCleanerManager.cleanableOffsets + dirty ratio. */
  cleanableRange(log: UnifiedLog, nowMs: number): CleanableRange {
    const segs = log.segments;
    const start = log.logStartOffset;
    let firstDirty = log.cleanerCheckpoint < start ? start : log.cleanerCheckpoint;
    if (firstDirty > log.logEndOffset) firstDirty = start;
    let bound = log.activeSegment.baseOffset;
    const lso = log.lastStableOffset;
    if (lso < bound) bound = lso;
    const lagMs = log.config.minCompactionLagMs;
    if (lagMs > 0) {
      for (const s of segs) {
        if (s.baseOffset >= bound) break;
        if (s.size > 0 && s.retentionTimestampMs() > nowMs - lagMs) {
          bound = s.baseOffset;
          break;
        }
      }
    }
    // The uncleanable bound is a segment boundary: the base of the segment holding `bound`.
    const firstUncleanable = segs[log.segmentIndexFor(bound)]!.baseOffset;
    let cleanBytes = 0;
    let dirtyBytes = 0;
    let mustClean = false;
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      const next = segs[i + 1]?.baseOffset ?? log.logEndOffset;
      if (s.baseOffset >= firstUncleanable) break;
      if (next <= firstDirty) cleanBytes += s.size;
      else {
        dirtyBytes += s.size;
        if (!mustClean && log.config.maxCompactionLagMs < Number.MAX_SAFE_INTEGER && s.size > 0 && nowMs - s.retentionTimestampMs() > log.config.maxCompactionLagMs) mustClean = true;
      }
    }
    const total = cleanBytes + dirtyBytes;
    return { firstDirtyOffset: firstDirty, firstUncleanableOffset: firstUncleanable, cleanBytes, dirtyBytes, dirtyRatio: total === 0 ? 0 : dirtyBytes / total, mustClean };
  }

  /** The compacted log with the highest dirty ratio that qualifies, if any. */
  grabFilthiestLog(logs: readonly UnifiedLog[]): UnifiedLog | undefined {
    const now = this.p.clock.nowMs();
    let best: { log: UnifiedLog; ratio: number } | undefined;
    for (const log of logs) {
      if (!log.config.compact || log.isClosed) continue;
      const r = this.cleanableRange(log, now);
      if (r.dirtyBytes === 0) continue;
      if (!(r.mustClean || r.dirtyRatio >= log.config.minCleanableDirtyRatio)) continue;
      const ratio = r.mustClean ? 2 : r.dirtyRatio;
      if (best === undefined || ratio > best.ratio) best = { log, ratio };
    }
    return best?.log;
  }

  /** Compacts `log` up to its uncleanable bound. */
  clean(log: UnifiedLog): CleanerStats {
    const nowMs = this.p.clock.nowMs();
    const stats: CleanerStats = { segmentsCleaned: 0, batchesRead: 0, recordsRead: 0, recordsRetained: 0, bytesRead: 0, bytesWritten: 0 };
    const range = this.cleanableRange(log, nowMs);
    if (range.firstDirtyOffset >= range.firstUncleanableOffset) return stats;
    const aborted = this.abortedRanges(log, range.firstUncleanableOffset);
    const { map, endOffset } = this.buildOffsetMap(log, range.firstDirtyOffset, range.firstUncleanableOffset, aborted);
    const groups = this.groupSegments(log, endOffset);
    for (const group of groups) this.cleanGroup(log, group, map, aborted, nowMs, stats);
    log.cleanerCheckpoint = endOffset;
    this.p.logger.info({ tp: topicPartitionDirName(log.topicPartition), ...stats, firstDirty: range.firstDirtyOffset.toString(), cleanedTo: endOffset.toString() }, 'log cleaned');
    return stats;
  }

  /** Aborted transactions by producer: [firstOffset, markerOffset] ranges. */
  private abortedRanges(log: UnifiedLog, upTo: bigint): Map<bigint, { first: bigint; last: bigint }[]> {
    const out = new Map<bigint, { first: bigint; last: bigint }[]>();
    for (const s of log.segments) {
      if (s.baseOffset >= upTo) break;
      for (const t of s.txnIndex.all()) {
        const list = out.get(t.producerId) ?? [];
        list.push({ first: t.firstOffset, last: t.lastOffset });
        out.set(t.producerId, list);
      }
    }
    return out;
  }

  private isAborted(aborted: Map<bigint, { first: bigint; last: bigint }[]>, producerId: bigint, offset: bigint): boolean {
    const list = aborted.get(producerId);
    return list !== undefined && list.some((r) => offset >= r.first && offset < r.last);
  }

  /** key -> latest offset over [from, to); stops early at a segment boundary when the map is full. */
  private buildOffsetMap(log: UnifiedLog, from: bigint, to: bigint, aborted: Map<bigint, { first: bigint; last: bigint }[]>): { map: Map<string, bigint>; endOffset: bigint } {
    const map = new Map<string, bigint>();
    const max = this.p.maxOffsetMapEntries ?? DEFAULT_MAX_OFFSET_MAP_ENTRIES;
    for (let i = log.segmentIndexFor(from); i < log.segments.length; i++) {
      const s = log.segments[i]!;
      if (s.baseOffset >= to) break;
      if (map.size >= max && s.baseOffset > from) return { map, endOffset: s.baseOffset };
      for (const b of s.batchesFrom(0)) {
        if (b.lastOffset < from) continue;
        if (b.header.baseOffset >= to) break;
        if (isControlBatch(b.header.attributes)) continue;
        if (isTransactional(b.header.attributes) && this.isAborted(aborted, b.header.producerId, b.header.baseOffset)) continue;
        for (const r of decodeRecords(b.bytes)) {
          if (r.key !== null && r.offset >= from) map.set(r.key.toString('latin1'), r.offset);
        }
      }
    }
    return { map, endOffset: to };
  }

  /** Consecutive segments below `upTo`, grouped so a group fits one segment (size and 32-bit offsets). */
  private groupSegments(log: UnifiedLog, upTo: bigint): LogSegment[][] {
    const groups: LogSegment[][] = [];
    let current: LogSegment[] = [];
    let size = 0;
    for (let i = 0; i < log.segments.length; i++) {
      const s = log.segments[i]!;
      if (s.baseOffset >= upTo) break;
      const next = log.segments[i + 1]?.baseOffset ?? log.logEndOffset;
      const fits = current.length > 0 && size + s.size <= log.config.segmentBytes && next - current[0]!.baseOffset <= 0x7fffffffn;
      if (!fits && current.length > 0) {
        groups.push(current);
        current = [];
        size = 0;
      }
      current.push(s);
      size += s.size;
    }
    if (current.length > 0) groups.push(current);
    return groups;
  }

  private cleanGroup(log: UnifiedLog, group: LogSegment[], map: Map<string, bigint>, aborted: Map<bigint, { first: bigint; last: bigint }[]>, nowMs: number, stats: CleanerStats): void {
    const base = group[0]!.baseOffset;
    const cleaned = new LogSegment(log.dir, base, log.files, log.config.indexIntervalBytes, log.config.segmentIndexBytes, nowMs, CLEANED_FILE_SUFFIX);
    cleaned.createEmpty();
    // Producers with data of their current transaction retained in this pass (for commit markers).
    const txnDataRetained = new Map<bigint, boolean>();
    for (const seg of group) {
      for (const b of seg.batchesFrom(0)) {
        stats.batchesRead++;
        stats.bytesRead += b.size;
        const isLast = (pid: bigint, lastOffset: bigint): boolean => pid >= 0n && log.producerState.lastEntry(pid)?.batches.at(-1)?.lastOffset === lastOffset;
        const out = this.cleanBatch(b, map, aborted, txnDataRetained, isLast, log.config.deleteRetentionMs, nowMs, stats);
        if (out !== undefined) {
          cleaned.append(out, [{ header: readBatchHeader(out, 0), size: out.length }]);
          stats.bytesWritten += out.length;
        }
      }
      for (const t of seg.txnIndex.all()) cleaned.txnIndex.append(t);
    }
    cleaned.flush();
    // Swap: .cleaned -> .swap, old -> .deleted, .swap -> live names.
    cleaned.changeFileSuffixes(CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX);
    for (const seg of group) seg.changeFileSuffixes('', DELETED_FILE_SUFFIX);
    cleaned.changeFileSuffixes(SWAP_FILE_SUFFIX, '');
    const at = log.segments.indexOf(group[0]!);
    log.segments.splice(at, group.length, cleaned);
    log.scheduleSegmentDeletion(group);
    stats.segmentsCleaned += group.length;
  }

  /** The bytes to keep for one batch (the original when unchanged), or undefined to drop it. */
  private cleanBatch(
    b: BatchLocation & { bytes: Buffer },
    map: Map<string, bigint>,
    aborted: Map<bigint, { first: bigint; last: bigint }[]>,
    txnDataRetained: Map<bigint, boolean>,
    isLastBatchOfProducer: (producerId: bigint, lastOffset: bigint) => boolean,
    deleteRetentionMs: number,
    nowMs: number,
    stats: CleanerStats,
  ): Buffer | undefined {
    const h = b.header;
    const horizonPassed = hasDeleteHorizon(h.attributes) && BigInt(nowMs) >= h.baseTimestamp;
    if (isControlBatch(h.attributes)) {
      const marker = h.producerId >= 0n ? readEndTxnMarker(b.bytes) : undefined;
      const dataLeft = txnDataRetained.get(h.producerId) === true;
      txnDataRetained.delete(h.producerId);
      if (marker !== undefined && horizonPassed && (!marker.commit || !dataLeft)) return undefined;
      if (hasDeleteHorizon(h.attributes)) return b.bytes;
      return this.reencode(b, decodeRecords(b.bytes).map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta })), BigInt(nowMs + deleteRetentionMs));
    }
    if (isTransactional(h.attributes) && this.isAborted(aborted, h.producerId, h.baseOffset)) return undefined;
    const records = decodeRecords(b.bytes);
    stats.recordsRead += records.length;
    const kept: RecordInput[] = [];
    let hasTombstone = false;
    for (const r of records) {
      if (r.key === null) continue;
      const latest = map.get(r.key.toString('latin1'));
      if (latest !== undefined && latest > r.offset) continue;
      if (r.value === null) {
        if (horizonPassed) continue;
        hasTombstone = true;
      }
      kept.push({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp, offsetDelta: r.offsetDelta });
    }
    stats.recordsRetained += kept.length;
    if (kept.length > 0 && isTransactional(h.attributes)) txnDataRetained.set(h.producerId, true);
    if (kept.length === 0) {
      // Kafka keeps an emptied batch when it is its producer's last one, so the producer's
      // sequence and epoch survive compaction (duplicate detection after a restart).
      return isLastBatchOfProducer(h.producerId, b.lastOffset) ? this.reencode(b, [], undefined) : undefined;
    }
    const needsHorizon = hasTombstone && !hasDeleteHorizon(h.attributes);
    if (kept.length === records.length && !needsHorizon) return b.bytes;
    const horizon = hasDeleteHorizon(h.attributes) ? h.baseTimestamp : needsHorizon ? BigInt(nowMs + deleteRetentionMs) : undefined;
    return this.reencode(b, kept, horizon);
  }

  private reencode(b: BatchLocation & { bytes: Buffer }, records: RecordInput[], deleteHorizonMs: bigint | undefined): Buffer {
    const h = b.header;
    const logAppendTime = timestampTypeOf(h.attributes) === 'LogAppendTime';
    return encodeRecordBatch({
      baseOffset: h.baseOffset,
      partitionLeaderEpoch: h.partitionLeaderEpoch,
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      isTransactional: isTransactional(h.attributes),
      isControl: isControlBatch(h.attributes),
      compression: compressionOf(h.attributes),
      timestampType: timestampTypeOf(h.attributes),
      ...(logAppendTime ? { baseTimestamp: h.maxTimestamp } : {}),
      ...(deleteHorizonMs !== undefined ? { deleteHorizonMs } : {}),
      lastOffsetDelta: h.lastOffsetDelta,
      records,
    });
  }
}
