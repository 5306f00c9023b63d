/**
 * LogSegment — one `<20-digit base offset>.log` file of whole RecordBatch v2 batches, as stored
 * (no framing of our own: the file is the concatenation of the batches, exactly Kafka's
 * FileRecords), with its `.index`, `.timeindex` and `.txnindex`.
 *
 * The `.log` descriptor is opened on demand through the shared FileHandleCache; when the LRU
 * closes it, the in-memory indexes are released too, so an idle segment costs a few fields.
 */
import { writeFileSync, fsyncSync, readSync, renameSync, rmSync, statSync, ftruncateSync, writeSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { validateBatch, readBatchHeader, type RecordBatchHeader } from '../protocol/records/index.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD, MAGIC_OFFSET, CURRENT_MAGIC } from '../protocol/records/layout.js';
import { KafkaError } from '../protocol/errors.js';
import { assert } from '../util/assert.js';
import { alignedSlab, type FileHandleCache, type CachedFile } from './file-handle-cache.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { TransactionIndex } from './transaction-index.js';

export const LOG_FILE_SUFFIX = '.log';
export const INDEX_FILE_SUFFIX = '.index';
export const TIME_INDEX_FILE_SUFFIX = '.timeindex';
export const TXN_INDEX_FILE_SUFFIX = '.txnindex';
export const DELETED_FILE_SUFFIX = '.deleted';
export const CLEANED_FILE_SUFFIX = '.cleaned';
export const SWAP_FILE_SUFFIX = '.swap';

/** Kafka's 20-digit zero-padded file name prefix. */
export function filenamePrefixFromOffset(offset: bigint): string {
  return offset.toString().padStart(20, '0');
}

/** Bytes read per step when scanning batch headers. */
const SCAN_CHUNK_BYTES = 256 * 1024;
/** Bytes read per step when only batch headers are needed (offset and timestamp lookups). */
const HEADER_SCAN_CHUNK_BYTES = 8 * 1024;

/** A batch located in a segment. */
export interface BatchLocation {
  header: RecordBatchHeader;
  position: number;
  size: number;
  lastOffset: bigint;
}

/** Where a scan stopped early: bytes that do not form a valid batch. */
export interface ScanStop {
  position: number;
  reason: string;
}

export interface SegmentOptions {
  indexIntervalBytes: number;
  maxIndexBytes: number;
  /** Extra suffix on every file name (".cleaned" while the cleaner writes a segment). */
  fileSuffix?: string;
}

export class LogSegment implements CachedFile {
  readonly baseOffset: bigint;
  logPath: string;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  readonly txnIndex: TransactionIndex;
  /** Bytes in the .log file. */
  size: number;
  private bytesSinceLastIndexEntry = 0;
  private maxTimestampSoFar: { timestampMs: number; offset: bigint } | undefined;
  /** Max timestamp of the first batch (Kafka's rollingBasedTimestamp), or undefined if unknown. */
  private rollingBasedTimestampMs: number | undefined;
  /** When this segment object was created (for segment.ms on an empty segment). */
  readonly createdMs: number;
  /** Bytes written since the last fsync. */
  private unflushed = false;
  /**
   * Every batch in [verifiedStart, verifiedEnd) has had its CRC checked against the bytes read
   * from this file since it was opened (by recovery or by a fetch). Fetches re-check only what
   * lies outside it: a first-touch check, so a flipped byte is reported by the first read that
   * meets it, and consumers re-reading a range (other groups, replays, followers catching up)
   * do not pay the CRC again. One interval, extended by reads that touch it and replaced by
   * one that does not (the newest reader's range). Appended bytes do not count: they were
   * validated in memory, not as read back from disk.
   */
  verifiedStart = 0;
  verifiedEnd = 0;
  /**
   * Where the last fetch from this segment ended (the offset after its last batch and that
   * batch's end position), so a consumer's next fetch starts there without the index entry's
   * one-batch detour (the sparse index maps a batch's last offset, so a lookup of the next
   * batch's base offset lands one batch early). Cleared by truncation.
   */
  lastReadEnd: { nextOffset: bigint; position: number } | undefined;

  constructor(
    readonly dir: string,
    baseOffset: bigint,
    private readonly files: FileHandleCache,
    private indexIntervalBytes: number,
    maxIndexBytes: number,
    nowMs: number,
    fileSuffix = '',
  ) {
    this.baseOffset = baseOffset;
    const prefix = join(dir, filenamePrefixFromOffset(baseOffset));
    this.logPath = prefix + LOG_FILE_SUFFIX + fileSuffix;
    this.offsetIndex = new OffsetIndex(prefix + INDEX_FILE_SUFFIX + fileSuffix, baseOffset, maxIndexBytes);
    this.timeIndex = new TimeIndex(prefix + TIME_INDEX_FILE_SUFFIX + fileSuffix, baseOffset, maxIndexBytes);
    this.txnIndex = new TransactionIndex(prefix + TXN_INDEX_FILE_SUFFIX + fileSuffix, baseOffset);
    this.size = existsSync(this.logPath) ? statSync(this.logPath).size : 0;
    this.createdMs = nowMs;
  }

  setIndexIntervalBytes(bytes: number): void {
    this.indexIntervalBytes = bytes;
  }

  private fd(): number {
    return this.files.acquire(this.logPath, this);
  }

  onEvict(): void {
    this.offsetIndex.release();
    this.timeIndex.release();
    this.txnIndex.release();
  }

  /** Reads `length` bytes at `position` into a fresh page-aligned buffer (fewer at end of file). */
  readBytes(position: number, length: number): Buffer {
    const n = Math.max(0, Math.min(length, this.size - position));
    const buf = alignedSlab(n);
    const fd = this.fd();
    let done = 0;
    while (done < n) {
      const r = readSync(fd, buf, done, n - done, position + done);
      if (r === 0) break;
      done += r;
    }
    return done === n ? buf : buf.subarray(0, done);
  }

  /**
   * Scans batches from `position` (which must be a batch boundary). Stops at the end, at
   * `endPosition`, or at bytes that cannot be a batch (returned as a ScanStop). With `validate`,
   * each batch's magic and CRC are checked and a failing one ends the scan.
   */
  *batchesFrom(position: number, options: { validate?: boolean; endPosition?: number; headersOnly?: boolean } = {}): Generator<BatchLocation & { bytes: Buffer }, ScanStop | undefined> {
    const end = Math.min(options.endPosition ?? this.size, this.size);
    const headersOnly = options.headersOnly === true && options.validate !== true;
    const chunkBytes = headersOnly ? HEADER_SCAN_CHUNK_BYTES : SCAN_CHUNK_BYTES;
    let chunk: Buffer = Buffer.alloc(0);
    let chunkStart = position;
    while (position < end) {
      let rel = position - chunkStart;
      if (rel < 0 || chunk.length - rel < RECORD_BATCH_OVERHEAD) {
        chunk = this.readBytes(position, Math.min(chunkBytes, end - position));
        chunkStart = position;
        rel = 0;
        if (chunk.length < LOG_OVERHEAD) return { position, reason: `${end - position} trailing bytes are too few for a batch header` };
      }
      const batchLength = chunk.readInt32BE(rel + BATCH_LENGTH_OFFSET);
      const size = batchLength + LOG_OVERHEAD;
      if (batchLength < MIN_BATCH_LENGTH || position + size > end) {
        return { position, reason: `batch length ${batchLength} at position ${position} does not fit the ${end - position} bytes left` };
      }
      if (headersOnly && chunk.length - rel < size) {
        // Only the header is needed: skip the rest of the batch without reading it.
        const header = readBatchHeader(chunk, rel);
        if (header.magic !== CURRENT_MAGIC) return { position, reason: `magic ${header.magic} at position ${position}` };
        yield { header, position, size, lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta), bytes: chunk.subarray(rel, rel + RECORD_BATCH_OVERHEAD) };
        position += size;
        continue;
      }
      if (chunk.length - rel < size) {
        chunk = this.readBytes(position, Math.max(size, Math.min(SCAN_CHUNK_BYTES, end - position)));
        chunkStart = position;
        rel = 0;
      }
      const bytes = chunk.subarray(rel, rel + size);
      let header: RecordBatchHeader;
      if (options.validate === true) {
        try {
          header = validateBatch(bytes, 0);
        } catch (e) {
          if (e instanceof KafkaError) return { position, reason: e.message };
          throw e;
        }
      } else {
        if (bytes.readInt8(MAGIC_OFFSET) !== CURRENT_MAGIC) return { position, reason: `magic ${bytes.readInt8(MAGIC_OFFSET)} at position ${position}` };
        header = readBatchHeader(bytes, 0);
      }
      yield { header, position, size, lastOffset: header.baseOffset + BigInt(header.lastOffsetDelta), bytes };
      position += size;
    }
    return undefined;
  }

  /** Records that the batches in [start, end) were read from disk and passed their CRC check. */
  markVerified(start: number, end: number): void {
    if (end <= start) return;
    if (start <= this.verifiedEnd && end >= this.verifiedStart) {
      this.verifiedStart = Math.min(start, this.verifiedStart);
      this.verifiedEnd = Math.max(end, this.verifiedEnd);
    } else {
      this.verifiedStart = start;
      this.verifiedEnd = end;
    }
  }

  /** The first batch whose last offset is >= `offset`, scanning from the index (Kafka's translateOffset). */
  translateOffset(offset: bigint, startingPosition = 0): BatchLocation | undefined {
    const fromIndex = this.offsetIndex.lookup(offset);
    const start = Math.max(fromIndex.position, startingPosition);
    for (const b of this.batchesFrom(start, { headersOnly: true })) {
      if (b.lastOffset >= offset) return { header: b.header, position: b.position, size: b.size, lastOffset: b.lastOffset };
    }
    return undefined;
  }

  /** Writes batches (already validated, offsets assigned) at the end; updates the indexes. */
  append(records: Buffer, batches: readonly { header: RecordBatchHeader; size: number }[]): void {
    const fd = this.fd();
    let done = 0;
    while (done < records.length) done += writeSync(fd, records, done, records.length - done, this.size + done);
    let position = this.size;
    for (const b of batches) {
      const lastOffset = b.header.baseOffset + BigInt(b.header.lastOffsetDelta);
      this.trackBatch(b.header, lastOffset, position, b.size);
      position += b.size;
    }
    assert(position === this.size + records.length, 'batch sizes must add up to the appended bytes');
    this.size = position;
    this.unflushed = true;
  }

  private trackBatch(header: RecordBatchHeader, lastOffset: bigint, position: number, size: number): void {
    const ts = Number(header.maxTimestamp);
    if (this.rollingBasedTimestampMs === undefined && position === 0) this.rollingBasedTimestampMs = ts;
    const soFar = this.largestTimestampInfo();
    if (soFar === undefined || ts > soFar.timestampMs) this.maxTimestampSoFar = { timestampMs: ts, offset: lastOffset };
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      const m = this.maxTimestampSoFar!;
      this.timeIndex.maybeAppend(m.timestampMs, m.offset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += size;
  }

  /** The largest batch max timestamp and the last offset of its batch (undefined when empty). */
  largestTimestampInfo(): { timestampMs: number; offset: bigint } | undefined {
    if (this.maxTimestampSoFar !== undefined || this.size === 0) return this.maxTimestampSoFar;
    // Loaded segment: start from the time index's last entry and scan the batches after it.
    const last = this.timeIndex.lastEntry();
    let best = last === undefined ? undefined : { timestampMs: last.timestampMs, offset: last.offset };
    const start = last === undefined ? 0 : this.offsetIndex.lookup(last.offset).position;
    for (const b of this.batchesFrom(start, { headersOnly: true })) {
      const ts = Number(b.header.maxTimestamp);
      if (best === undefined || ts > best.timestampMs) best = { timestampMs: ts, offset: b.lastOffset };
    }
    this.maxTimestampSoFar = best;
    return best;
  }

  get largestTimestampMs(): number {
    return this.largestTimestampInfo()?.timestampMs ?? -1;
  }

  /**
   * Kafka's LogSegment.largestTimestamp (retention, compaction lag): the largest record timestamp, or the
   * file's last-modified time when the records carry none (NO_TIMESTAMP), so such segments are
   * not deleted at once.
   */
  retentionTimestampMs(): number {
    const ts = this.largestTimestampMs;
    if (ts >= 0) return ts;
    try {
      return statSync(this.logPath).mtimeMs;
    } catch {
      return -1;
    }
  }

  /** Kafka's rollingBasedTimestamp: the first batch's max timestamp. */
  rollingBasedTimestamp(): number | undefined {
    if (this.rollingBasedTimestampMs === undefined && this.size > 0) {
      const first = this.batchesFrom(0, { headersOnly: true }).next();
      if (first.done !== true) this.rollingBasedTimestampMs = Number(first.value.header.maxTimestamp);
    }
    return this.rollingBasedTimestampMs;
  }

  /** The offset after the last batch (baseOffset when empty). */
  readNextOffset(): bigint {
    if (this.size === 0) return this.baseOffset;
    const start = this.offsetIndex.lookup(this.offsetIndex.lastOffset).position;
    let next = this.baseOffset;
    for (const b of this.batchesFrom(start, { headersOnly: true })) next = b.lastOffset + 1n;
    return next;
  }

  /**
   * Rebuilds the indexes by reading every batch, validating its CRC. A batch that fails ends
   * the segment: the bytes from it on are truncated. `onBatch` sees each valid batch (producer
   * state, leader epochs, transaction index). Returns the bytes truncated and why.
   */
  recover(onBatch: (b: BatchLocation & { bytes: Buffer }) => void): { truncatedBytes: number; reason?: string } {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.txnIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestampSoFar = undefined;
    this.rollingBasedTimestampMs = undefined;
    const it = this.batchesFrom(0, { validate: true });
    let validBytes = 0;
    let nextOffset = this.baseOffset;
    let stop: string | undefined;
    let r = it.next();
    while (r.done !== true) {
      const b = r.value;
      // A valid CRC is not enough: offsets must move forward inside the segment's range.
      if (b.header.baseOffset < nextOffset || b.lastOffset - this.baseOffset > 0x7fffffffn) {
        stop = `batch at position ${b.position} has offsets ${b.header.baseOffset}..${b.lastOffset}, expected at least ${nextOffset}`;
        break;
      }
      nextOffset = b.lastOffset + 1n;
      this.trackBatch(b.header, b.lastOffset, b.position, b.size);
      onBatch(b);
      validBytes = b.position + b.size;
      r = it.next();
    }
    const truncatedBytes = this.size - validBytes;
    if (truncatedBytes > 0) this.truncateToPosition(validBytes);
    this.verifiedStart = 0;
    this.verifiedEnd = validBytes;
    this.flushIndexes(false);
    return { truncatedBytes, reason: stop ?? (r.done === true ? r.value?.reason : undefined) };
  }

  private truncateToPosition(position: number): void {
    ftruncateSync(this.fd(), position);
    this.size = position;
    if (this.verifiedEnd > position) this.verifiedEnd = Math.max(position, this.verifiedStart);
    this.lastReadEnd = undefined;
    this.unflushed = true;
  }

  /**
   * Removes every batch whose last offset is >= `offset` (a batch containing `offset` goes
   * whole, as in Kafka). Returns the bytes removed.
   */
  truncateTo(offset: bigint): number {
    const loc = this.translateOffset(offset);
    if (loc === undefined) return 0;
    const removed = this.size - loc.position;
    this.offsetIndex.truncateToPosition(loc.position);
    this.timeIndex.truncateTo(loc.header.baseOffset);
    this.txnIndex.truncateTo(offset);
    this.truncateToPosition(loc.position);
    this.maxTimestampSoFar = undefined;
    if (loc.position === 0) this.rollingBasedTimestampMs = undefined;
    // Re-derive the bytes since the last index entry so the next entry lands where it would have.
    const lastIndexed = this.offsetIndex.entries === 0 ? 0 : this.offsetIndex.lookup(this.offsetIndex.lastOffset).position;
    this.bytesSinceLastIndexEntry = this.size - lastIndexed;
    return removed;
  }

  /** Validates the indexes against the log (used on load; a failure means rebuild). */
  sanityCheck(): void {
    this.offsetIndex.sanityCheck(this.size);
    this.timeIndex.sanityCheck();
  }

  flushIndexes(sync: boolean): void {
    this.offsetIndex.flush(sync);
    this.timeIndex.flush(sync);
  }

  /** fsyncs the .log and writes + fsyncs the indexes. */
  flush(): void {
    if (this.unflushed) fsyncSync(this.fd());
    this.unflushed = false;
    this.flushIndexes(true);
  }

  /** Writes everything without fsync; returns the files that need an fsync to be durable. */
  writeForDeferredSync(): string[] {
    const out: string[] = [];
    if (this.unflushed) out.push(this.logPath);
    this.unflushed = false;
    for (const p of [this.offsetIndex.writeForDeferredSync(), this.timeIndex.writeForDeferredSync()]) if (p !== undefined) out.push(p);
    return out;
  }

  /** Writes the indexes and closes the descriptor (Kafka's close; no fsync). */
  close(): void {
    this.flushIndexes(false);
    this.files.close(this.logPath);
    this.onEvict();
  }

  /** Renames every file by replacing `from` suffix with `to` (e.g. "" -> ".deleted"). */
  changeFileSuffixes(from: string, to: string): void {
    this.flushIndexes(false);
    this.files.close(this.logPath);
    const swap = (p: string): string => (from === '' ? p + to : p.slice(0, p.length - from.length) + to);
    const newLog = swap(this.logPath);
    if (existsSync(this.logPath)) renameSync(this.logPath, newLog);
    this.logPath = newLog;
    this.offsetIndex.renameTo(swap(this.offsetIndex.path));
    this.timeIndex.renameTo(swap(this.timeIndex.path));
    this.txnIndex.renameTo(swap(this.txnIndex.path));
  }

  /** Starts this segment afresh: stale files are removed and an empty `.log` is created. */
  createEmpty(): void {
    this.deleteFiles();
    writeFileSync(this.logPath, '');
    this.size = 0;
    this.verifiedStart = 0;
    this.verifiedEnd = 0;
    this.lastReadEnd = undefined;
  }

  deleteFiles(): void {
    this.files.close(this.logPath);
    rmSync(this.logPath, { force: true });
    this.offsetIndex.deleteFile();
    this.timeIndex.deleteFile();
    this.txnIndex.deleteFile();
  }

  /** Kafka's shouldRoll: would appending `sizeBytes` more (up to `maxOffset`) need a new segment? */
  shouldRoll(p: { sizeBytes: number; maxOffset: bigint; maxTimestampMs: number; nowMs: number; segmentBytes: number; segmentMs: number; rollJitterMs: number }): boolean {
    if (this.size === 0) return false;
    if (this.size > p.segmentBytes - p.sizeBytes) return true;
    // Kafka's timeWaitedForRoll: the incoming records' timestamp minus the first batch's, or
    // wall time since creation when the segment has no usable timestamp.
    const first = this.rollingBasedTimestamp();
    const waitedMs = first !== undefined && first >= 0 ? p.maxTimestampMs - first : p.nowMs - this.createdMs;
    if (waitedMs > p.segmentMs - p.rollJitterMs) return true;
    if (this.offsetIndex.isFull || this.timeIndex.isFull) return true;
    return p.maxOffset - this.baseOffset > 0x7fffffffn;
  }
}
