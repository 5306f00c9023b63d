/**
 * UnifiedLog — one partition's log: an ordered list of LogSegments, the offsets that bound it
 * (logStartOffset, logEndOffset, highWatermark, lastStableOffset), producer state, the
 * leader-epoch cache and an in-memory tail cache.
 *
 * Every method is synchronous, like Kafka's under the log lock: an append is validated fully
 * (sizes, CRCs, producer state staged) before any byte is written, so a refused append changes
 * nothing.
 *
 * ## Durability (what is on disk when)
 * - `append` writes the batches to the segment file with write(2): they are in the page cache,
 *   survive a process crash (SIGKILL), but not a power loss, until fsynced. Acks do not wait
 *   for fsync by default — as in Kafka, durability comes from replication (acks=all).
 * - fsync happens: when `flush.messages` unflushed messages accumulate, when the oldest
 *   unflushed message is `flush.ms` old (LogManager's flusher), on segment roll (the old
 *   segment, in the background), on `flush()` and on `close()`. Defaults leave it to the OS.
 * - Index files are written on flush / roll / close and fsynced with their segment (a rolled
 *   segment's .log and indexes are fsynced in the background; the recovery point advances when
 *   all are durable). Producer snapshots (CRC-checked, rebuilt when unreadable) and the
 *   leader-epoch checkpoint are written atomically at once and fsynced on flush.
 * - After an unclean shutdown every segment past the recovery point (the last flushed offset,
 *   checkpointed by LogManager) is re-read batch by batch with CRC checks; the indexes, the
 *   transaction index, producer state and leader epochs are rebuilt; the first torn or corrupt
 *   batch and everything after it are truncated (log-loader.ts).
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, mkdirSync, openSync, fsync as fsyncCb, close as closeCb, rm as rmCb } from 'node:fs';
import { join } from 'node:path';
import { splitBatches, validateBatch, setBaseOffset, setPartitionLeaderEpoch, setLogAppendTime, isControlBatch, isTransactional, timestampTypeOf, type RecordBatchHeader } from '../protocol/records/index.js';
import { KafkaError, ErrorCode } from '../protocol/errors.js';
import { assert } from '../util/assert.js';
import type { Clock } from '../util/clock.js';
import { GregorError } from '../util/errors.js';
import type { Logger } from '../util/logger.js';
import { writeFileAtomically } from './checkpoint-file.js';
import type { FileHandleCache } from './file-handle-cache.js';
import { LeaderEpochFileCache } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import { LogSegment, filenamePrefixFromOffset, DELETED_FILE_SUFFIX, type BatchLocation } from './log-segment.js';
import { ProducerStateManager, type AppendOrigin, type ProducerBatch, type StagedProducerAppend } from './producer-state.js';
import { TailCache } from './tail-cache.js';
import { readEndTxnMarker, checkKeysPresent } from './batch-records.js';
import type { AbortedTxn } from './transaction-index.js';
import { loadLog } from './log-loader.js';
import { fetchOffsetByTimestamp, type TimestampLookupResult } from './timestamp-lookup.js';
import { readSegmentBatches } from './segment-read.js';

export const LEADER_EPOCH_CHECKPOINT_FILE = 'leader-epoch-checkpoint';
export const SNAPSHOT_FILE_SUFFIX = '.snapshot';
export { ListOffsetsTimestamp } from './timestamp-lookup.js';
/** Snapshots kept besides the newest ones needed (Kafka keeps one per segment; we bound it). */
const MAX_PRODUCER_SNAPSHOTS = 3;

export interface TopicPartition {
  topic: string;
  partition: number;
}

export function topicPartitionDirName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export interface AppendOptions {
  leaderEpoch: number;
  origin: AppendOrigin;
  /** acks of the produce request (informational; the broker waits for the HW itself). */
  requiredAcks?: number;
  /** Assign offsets from the log end (default: true unless origin is 'replication'). */
  assignOffsets?: boolean;
}

export interface LogAppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  offsetOfMaxTimestamp: bigint;
  /** The append time for LogAppendTime topics, else -1. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  recordCount: number;
  validBytes: number;
  /** True when the batch duplicated one already in the log: nothing was written. */
  duplicate: boolean;
}

export type UpperBound = 'hw' | 'lso' | 'leo' | bigint;

export interface ReadOptions {
  maxBytes: number;
  upperBound?: UpperBound;
  minOneMessage?: boolean;
  isolation?: 'read_uncommitted' | 'read_committed';
}

export interface LogReadResult {
  records: Buffer;
  firstEntryIncomplete: boolean;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
}

/** A follower append whose offsets go backwards (Kafka's UnexpectedAppendOffsetException). */
export class UnexpectedAppendOffsetError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_UNEXPECTED_APPEND_OFFSET', message);
  }
}

export interface UnifiedLogParams {
  dir: string;
  topicPartition: TopicPartition;
  config: LogConfig;
  clock: Clock;
  logger: Logger;
  files: FileHandleCache;
  tailCacheBytes: number;
  /** From log-start-offset-checkpoint. */
  logStartOffset?: bigint;
  /** From recovery-point-offset-checkpoint. */
  recoveryPoint?: bigint;
  hadCleanShutdown: boolean;
  /** Receives segments to delete after file.delete.delay.ms (LogManager's scheduler). */
  scheduleDeletion: (segments: LogSegment[], delayMs: number) => void;
  /** A random value in [0, 1) for segment.jitter.ms (injected for determinism). */
  jitter?: () => number;
}

interface ValidatedBatch {
  header: RecordBatchHeader;
  bytes: Buffer;
  size: number;
}

export class UnifiedLog {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  config: LogConfig;
  private readonly clock: Clock;
  private readonly logger: Logger;
  readonly files: FileHandleCache;
  /** Segments in base offset order; the last is the active segment. */
  segments: LogSegment[] = [];
  private _logStartOffset = 0n;
  private _logEndOffset = 0n;
  private _highWatermark = 0n;
  recoveryPoint = 0n;
  readonly producerState = new ProducerStateManager();
  readonly leaderEpochCache: LeaderEpochFileCache;
  readonly tailCache: TailCache;
  private unflushedMessages = 0;
  /** Clock time of the first unflushed append (for flush.ms), undefined when all flushed. */
  firstUnflushedMs: number | undefined;
  private readonly scheduleDeletion: (segments: LogSegment[], delayMs: number) => void;
  private rollJitterMs: number;
  private readonly jitter: () => number;
  private closed = false;
  private lastSnapshotOffset: bigint | undefined;
  private snapshotList: bigint[] | undefined;
  /** Cleaner progress: offsets below this have been compacted (cleaner-offset-checkpoint). */
  cleanerCheckpoint = 0n;

  private constructor(p: UnifiedLogParams) {
    this.dir = p.dir;
    this.topicPartition = p.topicPartition;
    this.config = p.config;
    this.clock = p.clock;
    this.logger = p.logger;
    this.files = p.files;
    this.scheduleDeletion = p.scheduleDeletion;
    this.tailCache = new TailCache(p.tailCacheBytes);
    this.leaderEpochCache = new LeaderEpochFileCache(join(p.dir, LEADER_EPOCH_CHECKPOINT_FILE));
    this.jitter = p.jitter ?? Math.random;
    this.rollJitterMs = Math.floor(this.jitter() * p.config.segmentJitterMs);
  }

  /** Opens (creating if needed) and recovers the log in `p.dir`. */
  static open(p: UnifiedLogParams): UnifiedLog {
    mkdirSync(p.dir, { recursive: true });
    const log = new UnifiedLog(p);
    // Loading is a separate module to keep this file about the running log.
    loadLog(log, p);
    return log;
  }

  // ---- offsets -------------------------------------------------------------------------

  get logStartOffset(): bigint {
    return this._logStartOffset;
  }

  get logEndOffset(): bigint {
    return this._logEndOffset;
  }

  get highWatermark(): bigint {
    return this._highWatermark;
  }

  /** Set by the broker (ISR logic); clamped to [logStartOffset, logEndOffset]. */
  set highWatermark(offset: bigint) {
    let hw = offset;
    if (hw > this._logEndOffset) hw = this._logEndOffset;
    if (hw < this._logStartOffset) hw = this._logStartOffset;
    this._highWatermark = hw;
    this.producerState.onHighWatermarkUpdated(hw);
  }

  /** Kafka's lastStableOffset: the first unstable transaction offset, capped by the HW. */
  get lastStableOffset(): bigint {
    const unstable = this.producerState.firstUnstableOffset();
    if (unstable !== undefined && unstable < this._highWatermark) return unstable < this._logStartOffset ? this._logStartOffset : unstable;
    return this._highWatermark;
  }

  get latestEpoch(): number | undefined {
    return this.leaderEpochCache.latestEpoch;
  }

  get activeSegment(): LogSegment {
    return this.segments.at(-1)!;
  }

  /** Bytes in all segments. */
  get size(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  /** @internal used by the loader */
  setOffsets(o: { logStartOffset?: bigint; logEndOffset?: bigint; highWatermark?: bigint }): void {
    if (o.logStartOffset !== undefined) this._logStartOffset = o.logStartOffset;
    if (o.logEndOffset !== undefined) this._logEndOffset = o.logEndOffset;
    if (o.highWatermark !== undefined) this.highWatermark = o.highWatermark;
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
    for (const s of this.segments) s.setIndexIntervalBytes(config.indexIntervalBytes);
  }

  // ---- append --------------------------------------------------------------------------

  /** Validates, assigns offsets and appends `records` (one or more v2 batches). See README.md. */
  append(records: Buffer, options: AppendOptions): LogAppendInfo {
    // A closed log (shutdown, deletion) may still see a request in flight: a protocol error, not a bug.
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${topicPartitionDirName(this.topicPartition)} is closed`);
    const origin = options.origin;
    const assignOffsets = options.assignOffsets ?? origin !== 'replication';
    const batches = this.validateBatches(records, origin);
    const validBytes = batches.reduce((n, b) => n + b.size, 0);
    const empty: LogAppendInfo = { firstOffset: -1n, lastOffset: -1n, maxTimestamp: -1n, offsetOfMaxTimestamp: -1n, logAppendTimeMs: -1n, logStartOffset: this._logStartOffset, recordCount: 0, validBytes: 0, duplicate: false };
    if (batches.length === 0) return empty;
    if (validBytes > this.config.segmentBytes) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `${validBytes} bytes of batches exceed segment.bytes ${this.config.segmentBytes}`);
    }
    if (origin === 'client') {
      const dup = this.findDuplicate(batches);
      if (dup !== undefined) return { ...empty, ...dup, duplicate: true };
    }
    const nowMs = this.clock.nowMs();
    const logAppendTime = this.config.messageTimestampType === 'LogAppendTime' && origin !== 'replication';
    // Assign offsets and epochs in place (the CRC does not cover them).
    let next = this._logEndOffset;
    for (const b of batches) {
      if (assignOffsets) {
        setBaseOffset(b.bytes, next);
        setPartitionLeaderEpoch(b.bytes, options.leaderEpoch);
        b.header.baseOffset = next;
        b.header.partitionLeaderEpoch = options.leaderEpoch;
      } else if (b.header.baseOffset < next) {
        throw new UnexpectedAppendOffsetError(`batch at offset ${b.header.baseOffset} is below the next offset ${next} of ${topicPartitionDirName(this.topicPartition)}`);
      }
      if (logAppendTime) {
        setLogAppendTime(b.bytes, BigInt(nowMs));
        b.header.maxTimestamp = BigInt(nowMs);
      }
      next = b.header.baseOffset + BigInt(b.header.lastOffsetDelta) + 1n;
    }
    const staged = this.producerState.prepareProducerAppend(batches.map((b) => this.producerBatchOf(b)), origin);
    const first = batches[0]!.header;
    const last = batches.at(-1)!.header;
    const lastOffset = last.baseOffset + BigInt(last.lastOffsetDelta);
    let batchesMaxTimestampMs = -1;
    for (const b of batches) if (Number(b.header.maxTimestamp) > batchesMaxTimestampMs) batchesMaxTimestampMs = Number(b.header.maxTimestamp);
    this.maybeRoll(validBytes, lastOffset, first.baseOffset, batchesMaxTimestampMs, nowMs);
    const data = records.length === validBytes ? records : records.subarray(0, validBytes);
    this.activeSegment.append(data, batches);
    this.afterAppend(batches, staged, data, next, nowMs);
    let maxTimestamp = -1n;
    let offsetOfMaxTimestamp = -1n;
    let recordCount = 0;
    for (const b of batches) {
      if (b.header.maxTimestamp > maxTimestamp) {
        maxTimestamp = b.header.maxTimestamp;
        offsetOfMaxTimestamp = logAppendTime ? b.header.baseOffset : b.header.baseOffset + BigInt(b.header.lastOffsetDelta);
      }
      recordCount += b.header.recordCount;
    }
    return { firstOffset: first.baseOffset, lastOffset, maxTimestamp, offsetOfMaxTimestamp, logAppendTimeMs: logAppendTime ? BigInt(nowMs) : -1n, logStartOffset: this._logStartOffset, recordCount, validBytes, duplicate: false };
  }

  private validateBatches(records: Buffer, origin: AppendOrigin): ValidatedBatch[] {
    const { batches, trailingBytes } = splitBatches(records);
    if (trailingBytes > 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${trailingBytes} bytes after the last whole batch`);
    const nowMs = this.clock.nowMs();
    const out: ValidatedBatch[] = [];
    for (const bytes of batches) {
      const header = validateBatch(bytes, 0);
      // Followers take what the leader accepted (Kafka's ignoreRecordSize for replica appends).
      if (bytes.length > this.config.maxMessageBytes && origin !== 'replication') {
        throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `batch of ${bytes.length} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`);
      }
      if (origin !== 'replication') {
        // Kafka's LogValidator.validateBatch: a positive count that matches the offset range, so a
        // client cannot make the log skip offsets (followers copy compacted batches with gaps).
        if (header.recordCount <= 0) throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid reported count for record batch: ${header.recordCount}`);
        if (header.lastOffsetDelta + 1 !== header.recordCount) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, `inconsistent batch offset range [0, ${header.lastOffsetDelta}] and count of records ${header.recordCount}`);
        }
        if (header.producerId >= 0n && header.baseSequence < 0 && !isControlBatch(header.attributes)) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, `invalid sequence number ${header.baseSequence} in a batch with producerId ${header.producerId}`);
        }
        if (header.producerId < 0n && isTransactional(header.attributes)) {
          throw new KafkaError(ErrorCode.INVALID_RECORD, 'transactional batch without a producer id');
        }
      } else if (header.lastOffsetDelta < 0 || header.recordCount < 0) {
        throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `batch with lastOffsetDelta ${header.lastOffsetDelta} and ${header.recordCount} records`);
      }
      const control = isControlBatch(header.attributes);
      if (control && origin === 'client') throw new KafkaError(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
      if (origin === 'client' && !control) {
        if (this.config.messageTimestampType === 'CreateTime' && timestampTypeOf(header.attributes) === 'CreateTime') this.checkTimestamps(header, nowMs);
        if (this.config.compact) checkKeysPresent(bytes);
      }
      out.push({ header, bytes, size: bytes.length });
    }
    return out;
  }

  private checkTimestamps(h: RecordBatchHeader, nowMs: number): void {
    const ts = Number(h.maxTimestamp);
    const first = Number(h.baseTimestamp);
    if (ts < 0) return;
    if (nowMs - first > this.config.messageTimestampBeforeMaxMs || ts - nowMs > this.config.messageTimestampAfterMaxMs) {
      throw new KafkaError(ErrorCode.INVALID_TIMESTAMP, `timestamps ${first}..${ts} are out of range of the broker time ${nowMs}`);
    }
  }

  private findDuplicate(batches: readonly ValidatedBatch[]): Partial<LogAppendInfo> | undefined {
    for (const b of batches) {
      if (b.header.producerId < 0n || b.header.baseSequence < 0) continue;
      const meta = this.producerState.findDuplicateBatch(this.producerBatchOf(b));
      if (meta !== undefined) {
        this.logger.debug({ tp: topicPartitionDirName(this.topicPartition), producerId: b.header.producerId.toString(), firstSeq: meta.firstSeq }, 'duplicate batch acknowledged with its original offsets');
        return { firstOffset: meta.firstOffset, lastOffset: meta.lastOffset, maxTimestamp: BigInt(meta.timestampMs), offsetOfMaxTimestamp: meta.lastOffset, recordCount: b.header.recordCount };
      }
    }
    return undefined;
  }

  /** @internal */
  producerBatchOf(b: { header: RecordBatchHeader; bytes: Buffer }): ProducerBatch {
    const h = b.header;
    const batch: ProducerBatch = {
      producerId: h.producerId,
      producerEpoch: h.producerEpoch,
      baseSequence: h.baseSequence,
      lastOffsetDelta: h.lastOffsetDelta,
      firstOffset: h.baseOffset,
      lastOffset: h.baseOffset + BigInt(h.lastOffsetDelta),
      maxTimestampMs: Number(h.maxTimestamp),
      isTransactional: isTransactional(h.attributes),
    };
    if (isControlBatch(h.attributes) && h.producerId >= 0n) {
      const marker = readEndTxnMarker(b.bytes);
      if (marker !== undefined) batch.marker = marker;
    }
    return batch;
  }

  private afterAppend(batches: readonly ValidatedBatch[], staged: StagedProducerAppend, data: Buffer, nextOffset: bigint, nowMs: number): void {
    for (const b of batches) this.leaderEpochCache.assign(b.header.partitionLeaderEpoch, b.header.baseOffset);
    // Aborted transactions go to the transaction index of the segment holding the marker.
    for (const t of staged.completedTxns) {
      if (t.isAborted) this.activeSegment.txnIndex.append({ producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: this.producerState.lastStableOffsetAfter(t) });
    }
    this.producerState.applyProducerAppend(staged, nextOffset);
    this._logEndOffset = nextOffset;
    this.tailCache.append(data, batches.map((b) => ({ baseOffset: b.header.baseOffset, lastOffset: b.header.baseOffset + BigInt(b.header.lastOffsetDelta), size: b.size })));
    for (const b of batches) this.unflushedMessages += b.header.recordCount;
    this.firstUnflushedMs ??= nowMs;
    if (this.unflushedMessages >= this.config.flushMessages) this.flush();
  }

  /** Rolls the active segment if Kafka's rules say so (size, time, full index, offset range). */
  private maybeRoll(sizeBytes: number, maxOffset: bigint, firstOffset: bigint, maxTimestampMs: number, nowMs: number): void {
    const seg = this.activeSegment;
    if (!seg.shouldRoll({ sizeBytes, maxOffset, maxTimestampMs, nowMs, segmentBytes: this.config.segmentBytes, segmentMs: this.config.segmentMs, rollJitterMs: this.rollJitterMs })) return;
    this.roll(firstOffset > this._logEndOffset ? firstOffset : this._logEndOffset);
  }

  /** Starts a new active segment at `newBaseOffset` (default: the log end offset). */
  roll(newBaseOffset: bigint = this._logEndOffset): LogSegment {
    const old = this.activeSegment;
    if (old.size === 0 && old.baseOffset === newBaseOffset) return old;
    if (old.size === 0) {
      // An empty active segment is replaced rather than left as a zero-length file.
      this.segments.pop();
      old.deleteFiles();
    } else old.flushIndexes(false);
    const seg = new LogSegment(this.dir, newBaseOffset, this.files, this.config.indexIntervalBytes, this.config.segmentIndexBytes, this.clock.nowMs());
    seg.createEmpty();
    this.segments.push(seg);
    this.tailCache.reset();
    this.takeProducerSnapshot();
    this.rollJitterMs = Math.floor(this.jitter() * this.config.segmentJitterMs);
    if (old.size > 0) this.flushSegmentInBackground(old, newBaseOffset);
    return seg;
  }

  /**
   * fsyncs a rolled segment (its .log and indexes) without blocking appends; the recovery point
   * follows once all are durable, so segments below it can be trusted after a power loss.
   */
  private flushSegmentInBackground(seg: LogSegment, upTo: bigint): void {
    seg.flushIndexes(false);
    const paths = [seg.logPath, seg.offsetIndex.path, seg.timeIndex.path].filter((p) => existsSync(p));
    let pending = paths.length;
    let failed = false;
    const done = (err: Error | null): void => {
      if (err !== null) failed = true;
      if (--pending > 0 || failed) return;
      if (!this.closed && this.recoveryPoint < upTo && this.segments.includes(seg)) this.recoveryPoint = upTo;
    };
    for (const path of paths) {
      let fd: number;
      try {
        fd = openSync(path, 'r');
      } catch (e) {
        done(e as Error);
        continue;
      }
      fsyncCb(fd, (err) => {
        closeCb(fd, () => undefined);
        done(err);
      });
    }
  }

  // ---- read ----------------------------------------------------------------------------

  /** Reads whole batches from `startOffset`; see README.md. */
  read(startOffset: bigint, options: ReadOptions): LogReadResult {
    if (this.closed) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `log ${topicPartitionDirName(this.topicPartition)} is closed`);
    const isolation = options.isolation ?? 'read_uncommitted';
    const upper = options.upperBound ?? (isolation === 'read_committed' ? 'lso' : 'hw');
    const maxOffset = upper === 'hw' ? this._highWatermark : upper === 'lso' ? this.lastStableOffset : upper === 'leo' ? this._logEndOffset : upper;
    const result: LogReadResult = {
      records: Buffer.alloc(0),
      firstEntryIncomplete: false,
      highWatermark: this._highWatermark,
      lastStableOffset: this.lastStableOffset,
      logStartOffset: this._logStartOffset,
      logEndOffset: this._logEndOffset,
      abortedTransactions: isolation === 'read_committed' ? [] : null,
    };
    if (startOffset > this._logEndOffset || startOffset < this._logStartOffset) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${startOffset} is outside [${this._logStartOffset}, ${this._logEndOffset}] of ${topicPartitionDirName(this.topicPartition)}`);
    }
    if (startOffset >= maxOffset || startOffset === this._logEndOffset) return result;
    const minOne = options.minOneMessage ?? true;
    // Fill up to maxBytes across segment boundaries (Kafka stops at one segment; continuing
    // saves consumers a round trip per segment). The tail cache serves the end from memory.
    const parts: Buffer[] = [];
    let remaining = options.maxBytes;
    let offset = startOffset;
    while (offset < maxOffset) {
      const first = parts.length === 0;
      let chunk: { records: Buffer; firstEntryIncomplete: boolean } | undefined;
      try {
        chunk = this.tailCache.read(offset, remaining, maxOffset, minOne && first) ?? this.readFromSegments(offset, remaining, maxOffset, minOne && first);
      } catch (e) {
        // A corrupt batch after some good ones: serve the good ones (the error was logged).
        if (first || !(e instanceof KafkaError)) throw e;
        break;
      }
      if (chunk === undefined || chunk.records.length === 0) {
        if (first && chunk !== undefined) result.firstEntryIncomplete = chunk.firstEntryIncomplete;
        break;
      }
      parts.push(chunk.records);
      remaining -= chunk.records.length;
      offset = this.endOffsetOf(chunk.records);
      if (remaining <= 0) break;
    }
    result.records = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (isolation === 'read_committed' && result.records.length > 0) {
      result.abortedTransactions = this.collectAbortedTransactions(startOffset, this.endOffsetOf(result.records));
    }
    return result;
  }

  private readFromSegments(offset: bigint, maxBytes: number, maxOffset: bigint, minOneMessage: boolean): { records: Buffer; firstEntryIncomplete: boolean } | undefined {
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const r = this.readSegment(this.segments[i]!, offset, maxBytes, maxOffset, minOneMessage);
      if (r !== undefined) return r;
    }
    return undefined;
  }

  private endOffsetOf(records: Buffer): bigint {
    let end = 0n;
    for (const b of splitBatches(records).batches) end = b.readBigInt64BE(0) + BigInt(b.readInt32BE(23)) + 1n;
    return end;
  }

  /** Index of the segment that may hold `offset` (the last with baseOffset <= offset). */
  segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  private readSegment(seg: LogSegment, startOffset: bigint, maxBytes: number, maxOffset: bigint, minOneMessage: boolean): { records: Buffer; firstEntryIncomplete: boolean } | undefined {
    return readSegmentBatches(seg, { startOffset, maxBytes, maxOffset, minOneMessage, logEndOffset: this._logEndOffset }, (position, reason) => {
      this.logger.error({ tp: topicPartitionDirName(this.topicPartition), segment: seg.logPath, position, err: reason }, 'corrupt record batch found on read; serving the log only up to it');
    });
  }

  /** Aborted transactions overlapping [startOffset, upperBound) for read_committed fetches. */
  collectAbortedTransactions(startOffset: bigint, upperBoundOffset: bigint): { producerId: bigint; firstOffset: bigint }[] {
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(startOffset); i < this.segments.length; i++) {
      out.push(...this.segments[i]!.txnIndex.collectAbortedTxns(startOffset, upperBoundOffset));
    }
    return out.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
  }

  // ---- lookups -------------------------------------------------------------------------

  /** Kafka's fetchOffsetByTimestamp (ListOffsets); null when no record qualifies. See timestamp-lookup.ts. */
  offsetForTimestamp(timestamp: bigint): TimestampLookupResult | null {
    return fetchOffsetByTimestamp(this, timestamp);
  }

  /** OffsetForLeaderEpoch (KIP-101/279). */
  endOffsetForEpoch(leaderEpoch: number): { leaderEpoch: number; endOffset: bigint } {
    return this.leaderEpochCache.endOffsetFor(leaderEpoch, this._logEndOffset);
  }

  // ---- edits ---------------------------------------------------------------------------

  /** Removes everything at and after `targetOffset` (follower truncation). Returns true if anything changed. */
  truncateTo(targetOffset: bigint): boolean {
    assert(targetOffset >= 0n, 'cannot truncate to a negative offset');
    if (targetOffset >= this._logEndOffset) return false;
    if (targetOffset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    const removed = this.segments.filter((s) => s.baseOffset >= targetOffset);
    this.segments = this.segments.filter((s) => s.baseOffset < targetOffset);
    for (const s of removed) s.deleteFiles();
    this.activeSegment.truncateTo(targetOffset);
    this._logEndOffset = this.activeSegment.readNextOffset();
    if (this._logEndOffset < this.activeSegment.baseOffset) this._logEndOffset = this.activeSegment.baseOffset;
    this.afterTruncation();
    return true;
  }

  /** Deletes every segment and starts an empty log at `newOffset` (replica far behind). */
  truncateFullyAndStartAt(newOffset: bigint): void {
    const old = this.segments;
    this.segments = [new LogSegment(this.dir, newOffset, this.files, this.config.indexIntervalBytes, this.config.segmentIndexBytes, this.clock.nowMs())];
    for (const s of old) s.deleteFiles();
    this.activeSegment.createEmpty();
    this._logStartOffset = newOffset;
    this._logEndOffset = newOffset;
    this.leaderEpochCache.clear();
    this.producerState.clear(newOffset);
    this.deleteSnapshotsFrom(0n);
    this.afterTruncation();
  }

  private afterTruncation(): void {
    if (this._logStartOffset > this._logEndOffset) this._logStartOffset = this._logEndOffset;
    this.leaderEpochCache.truncateFromEnd(this._logEndOffset);
    if (this._highWatermark > this._logEndOffset) this._highWatermark = this._logEndOffset;
    if (this.recoveryPoint > this._logEndOffset) this.recoveryPoint = this._logEndOffset;
    if (this.cleanerCheckpoint > this._logEndOffset) this.cleanerCheckpoint = this._logEndOffset;
    this.tailCache.reset();
    this.rebuildProducerState();
  }

  /** DeleteRecords: moves the log start offset up (not past the high watermark). */
  deleteRecordsBefore(offset: bigint): bigint {
    if (offset > this._highWatermark) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `cannot move the log start offset to ${offset}, above the high watermark ${this._highWatermark}`);
    }
    this.maybeIncrementLogStartOffset(offset);
    this.deleteSegmentsBelowLogStart();
    return this._logStartOffset;
  }

  maybeIncrementLogStartOffset(offset: bigint): void {
    if (offset <= this._logStartOffset) return;
    this._logStartOffset = offset;
    this.leaderEpochCache.truncateFromStart(offset);
    this.producerState.onLogStartOffsetIncremented(offset);
    if (this.tailCache.firstOffset !== undefined && this.tailCache.firstOffset < offset) {
      // The tail cache never serves below the log start: reads check the bound first.
    }
  }

  // ---- segment deletion (retention) ----------------------------------------------------

  /** Deletes whole segments entirely below the log start offset. Returns the count deleted. */
  deleteSegmentsBelowLogStart(): number {
    return this.deleteOldSegments((seg, next) => next !== undefined && next.baseOffset <= this._logStartOffset, 'log start offset');
  }

  /**
   * Deletes the oldest segments while `shouldDelete(segment, nextSegment)` holds, never past the
   * high watermark; the active segment is rolled first when it too must go (Kafka's deleteOldSegments).
   */
  deleteOldSegments(shouldDelete: (seg: LogSegment, next: LogSegment | undefined, sizeSoFar: number) => boolean, reason: string): number {
    const doomed: LogSegment[] = [];
    let deletedBytes = 0;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      const next = this.segments[i + 1];
      const upper = next?.baseOffset ?? this._logEndOffset;
      if (upper > this._highWatermark) break;
      if (!shouldDelete(seg, next, deletedBytes)) break;
      if (next === undefined && seg.size === 0) break;
      doomed.push(seg);
      deletedBytes += seg.size;
    }
    if (doomed.length === 0) return 0;
    if (doomed.length === this.segments.length) this.roll();
    this.segments = this.segments.slice(doomed.length);
    const newStart = this.segments[0]!.baseOffset;
    if (newStart > this._logStartOffset) this.maybeIncrementLogStartOffset(newStart);
    for (const s of doomed) {
      s.changeFileSuffixes('', DELETED_FILE_SUFFIX);
    }
    this.logger.info({ tp: topicPartitionDirName(this.topicPartition), segments: doomed.map((s) => s.baseOffset.toString()), reason }, 'deleting segments');
    this.scheduleDeletion(doomed, this.config.fileDeleteDelayMs);
    this.deleteSnapshotsBelow(this._logStartOffset);
    return doomed.length;
  }

  /** Hands segments already renamed `.deleted` to the delayed deleter (file.delete.delay.ms). */
  scheduleSegmentDeletion(segments: LogSegment[]): void {
    this.scheduleDeletion(segments, this.config.fileDeleteDelayMs);
  }

  /** retention.ms, retention.bytes and the log start offset, for cleanup.policy=delete. */
  deleteRetentionBreachedSegments(nowMs: number): number {
    let n = this.deleteSegmentsBelowLogStart();
    if (!this.config.delete) return n;
    const retentionMs = this.config.retentionMs;
    if (retentionMs >= 0) {
      n += this.deleteOldSegments((seg) => seg.size > 0 && nowMs - seg.retentionTimestampMs() > retentionMs, `retention.ms ${retentionMs}`);
    }
    const retentionBytes = this.config.retentionBytes;
    if (retentionBytes >= 0) {
      const total = this.size;
      n += this.deleteOldSegments((seg, _next, deletedSoFar) => total - deletedSoFar - seg.size >= retentionBytes, `retention.bytes ${retentionBytes}`);
    }
    return n;
  }

  // ---- producer snapshots --------------------------------------------------------------

  /** Offsets of the `<offset>.snapshot` files, ascending (listed once, then kept in memory). */
  snapshotOffsets(): bigint[] {
    this.snapshotList ??= readdirSync(this.dir)
      .filter((f) => /^\d{20}\.snapshot$/.test(f))
      .map((f) => BigInt(f.slice(0, 20)))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.snapshotList.slice();
  }

  private deleteSnapshot(offset: bigint): void {
    rmSync(this.snapshotPath(offset), { force: true });
    if (this.snapshotList !== undefined) this.snapshotList = this.snapshotList.filter((o) => o !== offset);
  }

  snapshotPath(offset: bigint): string {
    return join(this.dir, filenamePrefixFromOffset(offset) + SNAPSHOT_FILE_SUFFIX);
  }

  /** Writes `<LEO>.snapshot` and keeps the newest few. */
  takeProducerSnapshot(): void {
    if (this.producerState.mapEndOffset !== this._logEndOffset) return;
    if (this.lastSnapshotOffset === this._logEndOffset && this.snapshotOffsets().includes(this._logEndOffset)) return;
    this.lastSnapshotOffset = this._logEndOffset;
    // No fsync: a snapshot is derived data with a CRC; one lost or torn by a power failure is
    // ignored on load and the state is rebuilt from an older snapshot and the log.
    writeFileAtomically(this.snapshotPath(this._logEndOffset), this.producerState.snapshotBytes(), false);
    const list = this.snapshotOffsets().filter((o) => o !== this._logEndOffset);
    list.push(this._logEndOffset);
    this.snapshotList = list.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const all = this.snapshotOffsets();
    for (const o of all.slice(0, Math.max(0, all.length - MAX_PRODUCER_SNAPSHOTS))) this.deleteSnapshot(o);
  }

  private deleteSnapshotsFrom(offset: bigint): void {
    for (const o of this.snapshotOffsets()) if (o >= offset) this.deleteSnapshot(o);
  }

  private deleteSnapshotsBelow(offset: bigint): void {
    const all = this.snapshotOffsets();
    // Keep the newest snapshot at or below the start too: it is where a rebuild begins.
    for (const o of all) if (o < offset && all.some((x) => x > o && x <= offset)) this.deleteSnapshot(o);
  }

  /**
   * Rebuilds producer state up to the log end: from the newest valid snapshot at or below it
   * (newer ones are deleted), replaying the batches after it.
   */
  rebuildProducerState(): void {
    this.deleteSnapshotsFrom(this._logEndOffset + 1n);
    let from = this._logStartOffset;
    this.producerState.clear(from);
    for (const o of this.snapshotOffsets().reverse()) {
      if (o < this._logStartOffset || o > this._logEndOffset) continue;
      try {
        this.producerState.loadSnapshot(readFileSync(this.snapshotPath(o)), o);
        from = o;
        break;
      } catch (e) {
        this.logger.warn({ tp: topicPartitionDirName(this.topicPartition), snapshot: o.toString(), err: (e as Error).message }, 'ignoring unreadable producer snapshot');
        this.deleteSnapshot(o);
      }
    }
    this.replayProducerState(from, this._logEndOffset);
    this.producerState.onLogStartOffsetIncremented(this._logStartOffset);
    this.producerState.onHighWatermarkUpdated(this._highWatermark);
  }

  /** Applies the batches in [from, to) to producer state (as a replica would). */
  replayProducerState(from: bigint, to: bigint, onBatch?: (b: BatchLocation & { bytes: Buffer }) => void): void {
    for (let i = this.segmentIndexFor(from); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.baseOffset >= to) break;
      const start = seg.translateOffset(from)?.position ?? seg.size;
      for (const b of seg.batchesFrom(start)) {
        if (b.header.baseOffset >= to) break;
        this.applyRecoveredBatch(b);
        onBatch?.(b);
      }
    }
    this.producerState.mapEndOffset = to;
  }

  /** @internal Producer state and transaction index for a batch read back from disk. */
  applyRecoveredBatch(b: BatchLocation & { bytes: Buffer }, seg?: LogSegment): void {
    const staged = this.producerState.prepareProducerAppend([this.producerBatchOf(b)], 'replication');
    if (seg !== undefined) {
      for (const t of staged.completedTxns) {
        if (t.isAborted) seg.txnIndex.append({ producerId: t.producerId, firstOffset: t.firstOffset, lastOffset: t.lastOffset, lastStableOffset: this.producerState.lastStableOffsetAfter(t) });
      }
    }
    this.producerState.applyProducerAppend(staged, b.lastOffset + 1n);
  }

  // ---- flush and close -----------------------------------------------------------------

  /** fsyncs every segment with data at or after the recovery point; the recovery point becomes the log end. */
  flush(): void {
    for (let i = this.segmentIndexFor(this.recoveryPoint); i < this.segments.length; i++) this.segments[i]!.flush();
    this.leaderEpochCache.sync();
    this.recoveryPoint = this._logEndOffset;
    this.unflushedMessages = 0;
    this.firstUnflushedMs = undefined;
  }

  /** Flushes, writes a producer snapshot and closes every segment (clean shutdown). */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.takeProducerSnapshot();
    for (const s of this.segments) s.close();
    this.closed = true;
  }

  /**
   * Clean shutdown in two steps so that a LogManager can fsync many logs in parallel: this
   * writes everything (segments, indexes, snapshot, epochs) without fsync, closes the segments
   * and returns the files to fsync; the recovery point becomes the log end once they are synced
   * (the caller writes the recovery-point checkpoint after that).
   */
  closeForDeferredSync(): string[] {
    if (this.closed) return [];
    const paths: string[] = [];
    for (let i = this.segmentIndexFor(this.recoveryPoint); i < this.segments.length; i++) paths.push(...this.segments[i]!.writeForDeferredSync());
    paths.push(...this.leaderEpochCache.deferredSyncPaths());
    this.takeProducerSnapshot();
    for (const s of this.segments) s.close();
    this.recoveryPoint = this._logEndOffset;
    this.unflushedMessages = 0;
    this.firstUnflushedMs = undefined;
    this.closed = true;
    return paths;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Removes the log's directory (after close). */
  /**
   * Removes the log (topic deletion): the directory is renamed `<topic>-<partition>.<suffix>-delete`
   * at once (as Kafka does, so a new log of the same name can be created right away) and removed
   * in the background; a restart removes leftovers.
   */
  deleteDirectory(): void {
    for (const s of this.segments) this.files.close(s.logPath);
    this.closed = true;
    const doomed = `${this.dir}.${Date.now().toString(36)}${Math.floor(Math.random() * 1e9).toString(36)}-delete`;
    try {
      renameSync(this.dir, doomed);
    } catch {
      rmSync(this.dir, { recursive: true, force: true });
      return;
    }
    rmCb(doomed, { recursive: true, force: true }, (err) => {
      if (err !== null) this.logger.warn({ dir: doomed, err: err.message }, 'could not remove a deleted log directory (removed at the next start)');
    });
  }
}
