/**
 * LogLoader — opens a partition directory and brings the log to a consistent state.
 *
 * 1. Leftovers of interrupted operations: `*.tmp` files and segments the cleaner had not
 *    finished (`*.cleaned`) are deleted; `*.swap` segments (cleaned, not yet swapped in) replace
 *    the segments they cover; `*.deleted` files are removed.
 * 2. After a clean shutdown the indexes are trusted after a sanity check (a failing one is
 *    rebuilt). Otherwise every segment holding offsets at or after the recovery point is
 *    re-read with CRC checks: indexes, the transaction index, producer state and leader epochs
 *    are rebuilt, and the first invalid batch ends the log — its segment is truncated there and
 *    later segments are deleted.
 * 3. Offsets: log end = after the last batch; log start = max(checkpoint, first segment base).
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CorruptIndexError } from './index-file.js';
import { LogSegment, LOG_FILE_SUFFIX, DELETED_FILE_SUFFIX, CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX } from './log-segment.js';
import type { UnifiedLog, UnifiedLogParams } from './unified-log.js';

const SEGMENT_LOG_RE = /^(\d{20})\.log$/;

/** Removes and completes leftovers; returns the directory listing afterwards (one readdir when clean). */
function cleanLeftovers(dir: string, p: UnifiedLogParams): string[] {
  let listing = readdirSync(dir);
  const leftovers = listing.filter((f) => f.endsWith('.tmp') || f.endsWith(CLEANED_FILE_SUFFIX) || f.endsWith(DELETED_FILE_SUFFIX));
  for (const f of leftovers) rmSync(join(dir, f), { force: true });
  if (leftovers.length > 0) listing = listing.filter((f) => !leftovers.includes(f));
  // Complete interrupted swaps: the swapped-in segment replaces the segments it covers.
  const swaps = listing.filter((f) => f.endsWith(LOG_FILE_SUFFIX + SWAP_FILE_SUFFIX));
  for (const f of swaps) {
    const base = BigInt(f.slice(0, 20));
    const swapSeg = new LogSegment(dir, base, p.files, p.config.indexIntervalBytes, p.config.segmentIndexBytes, p.clock.nowMs(), SWAP_FILE_SUFFIX);
    const end = swapSeg.readNextOffset();
    p.files.close(swapSeg.logPath);
    for (const g of readdirSync(dir)) {
      const m = SEGMENT_LOG_RE.exec(g);
      if (m === null) continue;
      const b = BigInt(m[1]!);
      if (b >= base && b < end) {
        const old = new LogSegment(dir, b, p.files, p.config.indexIntervalBytes, p.config.segmentIndexBytes, p.clock.nowMs());
        old.deleteFiles();
      }
    }
    for (const g of readdirSync(dir)) {
      if (g.startsWith(f.slice(0, 20)) && g.endsWith(SWAP_FILE_SUFFIX)) renameSync(join(dir, g), join(dir, g.slice(0, -SWAP_FILE_SUFFIX.length)));
    }
    p.logger.info({ dir, base: base.toString() }, 'completed an interrupted segment swap');
  }
  if (swaps.length > 0) listing = readdirSync(dir);
  // Index files without a log file are orphans.
  const logs = new Set(listing.filter((f) => SEGMENT_LOG_RE.test(f)).map((f) => f.slice(0, 20)));
  const orphans = listing.filter((f) => /^\d{20}\.(index|timeindex|txnindex)$/.test(f) && !logs.has(f.slice(0, 20)));
  for (const f of orphans) rmSync(join(dir, f), { force: true });
  return orphans.length > 0 ? listing.filter((f) => !orphans.includes(f)) : listing;
}

export function loadLog(log: UnifiedLog, p: UnifiedLogParams): void {
  const dir = p.dir;
  const listing = cleanLeftovers(dir, p);
  const bases = listing
    .map((f) => SEGMENT_LOG_RE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => BigInt(m[1]!))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const nowMs = p.clock.nowMs();
  log.segments = bases.map((b) => new LogSegment(dir, b, p.files, p.config.indexIntervalBytes, p.config.segmentIndexBytes, nowMs));
  const checkpointStart = p.logStartOffset ?? 0n;
  if (log.segments.length === 0) {
    const seg = new LogSegment(dir, checkpointStart, p.files, p.config.indexIntervalBytes, p.config.segmentIndexBytes, nowMs);
    seg.createEmpty();
    log.segments = [seg];
  }
  const firstBase = log.segments[0]!.baseOffset;
  log.setOffsets({ logStartOffset: checkpointStart > firstBase ? checkpointStart : firstBase });

  let recoveryPoint = p.hadCleanShutdown ? undefined : (p.recoveryPoint ?? 0n);
  if (log.leaderEpochCache.unreadable) {
    // Epochs are re-derived from the batches: recover every segment.
    p.logger.warn({ dir }, 'unreadable leader-epoch-checkpoint; rebuilding it from the log');
    recoveryPoint = 0n;
  }
  let recoverFrom = log.segments.length;
  if (recoveryPoint !== undefined) {
    recoverFrom = log.segmentIndexFor(recoveryPoint);
  } else {
    for (let i = 0; i < log.segments.length; i++) {
      const seg = log.segments[i]!;
      try {
        seg.sanityCheck();
        if (seg.size > 0 && seg.offsetIndex.entries === 0 && seg.size > p.config.indexIntervalBytes * 2) throw new CorruptIndexError(`${seg.offsetIndex.path} is missing`);
      } catch (e) {
        if (!(e instanceof CorruptIndexError)) throw e;
        p.logger.warn({ dir, err: e.message }, 'index failed its sanity check; recovering from this segment');
        recoverFrom = i;
        break;
      }
    }
  }

  if (recoverFrom < log.segments.length) recoverSegments(log, p, recoverFrom);
  else {
    const last = log.activeSegment;
    log.setOffsets({ logEndOffset: last.readNextOffset() });
    log.rebuildProducerState();
  }
  if (log.logEndOffset < log.activeSegment.baseOffset) log.setOffsets({ logEndOffset: log.activeSegment.baseOffset });
  if (log.logStartOffset > log.logEndOffset) log.setOffsets({ logStartOffset: log.logEndOffset });
  log.recoveryPoint = log.logEndOffset;
  log.leaderEpochCache.truncateFromEnd(log.logEndOffset);
  log.leaderEpochCache.truncateFromStart(log.logStartOffset);
}

function recoverSegments(log: UnifiedLog, p: UnifiedLogParams, from: number): void {
  const first = log.segments[from]!;
  // Producer state up to the first segment to recover comes from snapshots and the trusted segments.
  log.setOffsets({ logEndOffset: first.baseOffset });
  log.rebuildProducerState();
  for (let i = from; i < log.segments.length; i++) {
    const seg = log.segments[i]!;
    const r = seg.recover((b) => {
      log.applyRecoveredBatch(b, seg);
      // The epoch cache covers [logStartOffset, logEndOffset) only.
      if (b.lastOffset >= log.logStartOffset) log.leaderEpochCache.assign(b.header.partitionLeaderEpoch, b.header.baseOffset > log.logStartOffset ? b.header.baseOffset : log.logStartOffset);
    });
    log.setOffsets({ logEndOffset: seg.readNextOffset() });
    if (r.truncatedBytes > 0) {
      const later = log.segments.slice(i + 1);
      p.logger.warn(
        { dir: p.dir, segment: seg.logPath, truncatedBytes: r.truncatedBytes, reason: r.reason, deletedSegments: later.length },
        'recovery found an invalid batch: truncating the log there',
      );
      for (const s of later) s.deleteFiles();
      log.segments = log.segments.slice(0, i + 1);
      break;
    }
  }
  // An empty segment in the middle after truncation is fine; an empty active one is kept.
  log.producerState.mapEndOffset = log.logEndOffset;
  log.takeProducerSnapshot();
}
