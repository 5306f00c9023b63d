/**
 * LogManager — every partition log under `log.dirs`: opening (with recovery) on start, creating
 * and deleting logs, Kafka's per-directory checkpoint files, the clean-shutdown marker, and the
 * background work (retention, cleaner, flush, checkpoints, delayed file deletion).
 *
 * Per log directory:
 *   .kafka_cleanshutdown               written after every log closed cleanly; removed after startup
 *   recovery-point-offset-checkpoint   offsets below which logs are flushed (recovery starts there)
 *   log-start-offset-checkpoint        each log's start offset (DeleteRecords, retention)
 *   replication-offset-checkpoint      high watermarks
 *   cleaner-offset-checkpoint          compaction progress
 *   <topic>-<partition>/               one log each
 *
 * Time is the injected Clock; timers only decide when to look, the clock decides what is due,
 * so tests call `runRetention()`, `runCleaner()`, `runFlushes()` directly with a ManualClock.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open as fsOpen, type FileHandle } from 'node:fs/promises';
import { KafkaError, ErrorCode } from '../protocol/errors.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CheckpointFormatError, OffsetCheckpointFile, fsyncDirectory } from './checkpoint-file.js';
import { FileHandleCache } from './file-handle-cache.js';
import { buildLogConfig, type ConfigOverrides, type LogConfig } from './log-config.js';
import type { LogSegment } from './log-segment.js';
import { UnifiedLog, topicPartitionDirName, type TopicPartition } from './unified-log.js';
import { LogCleaner } from './log-cleaner.js';

export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';
export const RECOVERY_POINT_CHECKPOINT_FILE = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT_FILE = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT_FILE = 'replication-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT_FILE = 'cleaner-offset-checkpoint';

export interface LogManagerOptions {
  logDirs: string[];
  clock: Clock;
  logger: Logger;
  /** Broker-level defaults, by topic config name (e.g. from log.segment.bytes). */
  defaultConfig?: ConfigOverrides;
  /** Bound on open segment descriptors across all logs. */
  maxOpenFiles?: number;
  /** Memory for tail caches across all logs. */
  tailCacheTotalBytes?: number;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs?: number;
  /** log.flush.scheduler.interval.ms */
  flushCheckIntervalMs?: number;
  /** log.flush.offset.checkpoint.interval.ms */
  checkpointIntervalMs?: number;
  /** log.cleaner.backoff.ms */
  cleanerBackoffMs?: number;
  /** log.cleaner.enable */
  cleanerEnable?: boolean;
  /** producer.id.expiration.ms: idle producers' state is dropped after this long (Kafka default 1 day). */
  producerIdExpirationMs?: number;
  /** Start background timers (default true; tests drive the run* methods themselves). */
  backgroundTasks?: boolean;
}

/** Parses `<topic>-<partition>` (topics may contain '-'). */
export function parseTopicPartitionDirName(name: string): TopicPartition | undefined {
  const i = name.lastIndexOf('-');
  if (i <= 0) return undefined;
  const partition = name.slice(i + 1);
  if (!/^\d+$/.test(partition)) return undefined;
  return { topic: name.slice(0, i), partition: Number(partition) };
}

/** Parallel fsyncs at shutdown (Kafka closes logs on num.recovery.threads.per.data.dir threads). */
const SHUTDOWN_FSYNC_CONCURRENCY = 16;

/** fsyncs files (and directories) with bounded concurrency on libuv's thread pool. */
async function fsyncAll(paths: readonly string[], concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const path = paths[next++]!;
      let handle: FileHandle | undefined;
      try {
        handle = await fsOpen(path, 'r');
        await handle.sync();
      } catch (e) {
        // A directory that refuses fsync, or a file deleted meanwhile, is not an error here.
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'EISDIR' && (e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      } finally {
        await handle?.close();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, () => worker()));
}

function key(tp: TopicPartition): string {
  return topicPartitionDirName(tp);
}

export class LogManager {
  private readonly logs = new Map<string, { log: UnifiedLog; logDir: string; overrides: ConfigOverrides }>();
  readonly files: FileHandleCache;
  private readonly pendingDeletes: { segments: LogSegment[]; dueMs: number }[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly cleaner: LogCleaner;
  private shutDown = false;

  private constructor(readonly options: LogManagerOptions) {
    this.files = new FileHandleCache(options.maxOpenFiles ?? 1024);
    this.cleaner = new LogCleaner({ clock: options.clock, logger: options.logger });
  }

  /** Opens every log in `logDirs` (recovering after an unclean shutdown). */
  static async open(options: LogManagerOptions): Promise<LogManager> {
    const m = new LogManager(options);
    m.loadLogs();
    if (options.backgroundTasks !== false) m.startBackgroundTasks();
    return m;
  }

  private get clock(): Clock {
    return this.options.clock;
  }

  private defaultConfig(): ConfigOverrides {
    return this.options.defaultConfig ?? {};
  }

  /** The tail-cache budget split evenly: 32 KiB .. 8 MiB per log. */
  private tailCacheBytesPerLog(): number {
    const total = this.options.tailCacheTotalBytes ?? 256 * 1024 * 1024;
    const n = Math.max(1, this.logs.size + 1);
    return Math.max(32 * 1024, Math.min(8 * 1024 * 1024, Math.floor(total / n)));
  }

  private logsAtLastRebalance = 0;

  /** Re-splits the tail-cache budget when the number of logs has doubled or halved since the last split. */
  private maybeRebalanceTailCaches(): void {
    const n = this.logs.size;
    if (n < this.logsAtLastRebalance * 2 && n * 2 > this.logsAtLastRebalance) return;
    this.logsAtLastRebalance = n;
    const per = this.tailCacheBytesPerLog();
    for (const { log } of this.logs.values()) log.tailCache.setMaxBytes(per);
  }

  private loadLogs(): void {
    const started = Date.now();
    for (const logDir of this.options.logDirs) {
      mkdirSync(logDir, { recursive: true });
      const cleanShutdown = existsSync(join(logDir, CLEAN_SHUTDOWN_FILE));
      const read = (name: string): Map<string, bigint> | undefined => {
        try {
          return new OffsetCheckpointFile(join(logDir, name)).read();
        } catch (e) {
          if (!(e instanceof CheckpointFormatError)) throw e;
          this.options.logger.warn({ logDir, err: e.message }, 'ignoring a malformed checkpoint file');
          return undefined;
        }
      };
      const recoveryPointsRead = read(RECOVERY_POINT_CHECKPOINT_FILE);
      // Without trustworthy recovery points every log is recovered from its start.
      const cleanShutdownTrusted = cleanShutdown && recoveryPointsRead !== undefined;
      const recoveryPoints = recoveryPointsRead ?? new Map<string, bigint>();
      const logStarts = read(LOG_START_OFFSET_CHECKPOINT_FILE) ?? new Map<string, bigint>();
      const hws = read(REPLICATION_OFFSET_CHECKPOINT_FILE) ?? new Map<string, bigint>();
      const cleanerPoints = read(CLEANER_OFFSET_CHECKPOINT_FILE) ?? new Map<string, bigint>();
      for (const name of readdirSync(logDir)) {
        const path = join(logDir, name);
        if (!statSync(path).isDirectory()) continue;
        if (name.endsWith('-delete')) {
          rmSync(path, { recursive: true, force: true });
          continue;
        }
        const tp = parseTopicPartitionDirName(name);
        if (tp === undefined) continue;
        const log = this.openLog(tp, logDir, {}, { cleanShutdown: cleanShutdownTrusted, recoveryPoint: recoveryPoints.get(name), logStartOffset: logStarts.get(name) });
        const hw = hws.get(name);
        if (hw !== undefined) log.highWatermark = hw;
        log.cleanerCheckpoint = cleanerPoints.get(name) ?? log.logStartOffset;
      }
      rmSync(join(logDir, CLEAN_SHUTDOWN_FILE), { force: true });
      this.options.logger.info({ logDir, cleanShutdown, logs: this.logs.size, ms: Date.now() - started }, 'log directory loaded');
    }
  }

  private openLog(tp: TopicPartition, logDir: string, overrides: ConfigOverrides, state: { cleanShutdown: boolean; recoveryPoint?: bigint; logStartOffset?: bigint }): UnifiedLog {
    const config = buildLogConfig(overrides, this.defaultConfig());
    const log = UnifiedLog.open({
      dir: join(logDir, topicPartitionDirName(tp)),
      topicPartition: tp,
      config,
      clock: this.clock,
      logger: this.options.logger,
      files: this.files,
      tailCacheBytes: this.tailCacheBytesPerLog(),
      logStartOffset: state.logStartOffset,
      recoveryPoint: state.recoveryPoint,
      hadCleanShutdown: state.cleanShutdown,
      scheduleDeletion: (segments, delayMs) => this.pendingDeletes.push({ segments, dueMs: this.clock.nowMs() + delayMs }),
    });
    this.logs.set(key(tp), { log, logDir, overrides });
    this.maybeRebalanceTailCaches();
    return log;
  }

  getLog(tp: TopicPartition): UnifiedLog | undefined {
    return this.logs.get(key(tp))?.log;
  }

  /** The log for `tp`, created empty in the log dir with the fewest logs when missing. */
  getOrCreateLog(tp: TopicPartition, overrides: ConfigOverrides = {}): UnifiedLog {
    const existing = this.logs.get(key(tp));
    if (existing !== undefined) {
      if (Object.keys(overrides).length > 0) this.updateConfig(tp, overrides);
      return existing.log;
    }
    if (this.shutDown) throw new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'log manager is shut down');
    buildLogConfig(overrides, this.defaultConfig()); // validate before creating anything
    const counts = new Map(this.options.logDirs.map((d) => [d, 0]));
    for (const { logDir } of this.logs.values()) counts.set(logDir, (counts.get(logDir) ?? 0) + 1);
    const logDir = [...counts.entries()].sort((a, b) => a[1] - b[1])[0]![0];
    return this.openLog(tp, logDir, overrides, { cleanShutdown: true });
  }

  /** AlterConfigs / topic config change: validates and applies the new overrides. */
  updateConfig(tp: TopicPartition, overrides: ConfigOverrides): LogConfig {
    const entry = this.logs.get(key(tp));
    if (entry === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `no log for ${key(tp)}`);
    const config = buildLogConfig(overrides, this.defaultConfig());
    entry.overrides = overrides;
    entry.log.updateConfig(config);
    return config;
  }

  allLogs(): UnifiedLog[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** Closes and removes a log (topic deletion / StopReplica with delete). */
  deleteLog(tp: TopicPartition): void {
    const entry = this.logs.get(key(tp));
    if (entry === undefined) return;
    this.logs.delete(key(tp));
    entry.log.deleteDirectory();
    this.maybeRebalanceTailCaches();
  }

  // ---- background work -----------------------------------------------------------------

  private startBackgroundTasks(): void {
    const every = (ms: number, fn: () => void): void => {
      const t = setInterval(() => {
        try {
          fn();
        } catch (e) {
          this.options.logger.error({ err: e }, 'log manager background task failed');
        }
      }, ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.retentionCheckIntervalMs ?? 300_000, () => this.runRetention());
    every(Math.min(this.options.flushCheckIntervalMs ?? 1000, 60_000), () => {
      this.runFlushes();
      this.runPendingDeletes();
    });
    every(this.options.checkpointIntervalMs ?? 60_000, () => this.checkpointAll());
    if (this.options.cleanerEnable !== false) every(this.options.cleanerBackoffMs ?? 15_000, () => this.runCleaner());
  }

  /** Applies retention (time, size, log start offset) to every log and expires idle producers. Returns segments deleted. */
  runRetention(): number {
    let n = 0;
    const now = this.clock.nowMs();
    const expirationMs = this.options.producerIdExpirationMs ?? 86_400_000;
    for (const log of this.allLogs()) {
      n += log.deleteRetentionBreachedSegments(now);
      log.producerState.removeExpiredProducers(now, expirationMs);
    }
    this.runPendingDeletes();
    return n;
  }

  /** Deletes the files of `.deleted` segments whose delay has passed. */
  runPendingDeletes(): number {
    const now = this.clock.nowMs();
    let n = 0;
    for (let i = this.pendingDeletes.length - 1; i >= 0; i--) {
      const p = this.pendingDeletes[i]!;
      if (p.dueMs > now) continue;
      for (const s of p.segments) s.deleteFiles();
      n += p.segments.length;
      this.pendingDeletes.splice(i, 1);
    }
    return n;
  }

  /** flush.ms: fsyncs logs whose oldest unflushed append is older than their flush.ms. */
  runFlushes(): void {
    const now = this.clock.nowMs();
    for (const log of this.allLogs()) {
      if (log.firstUnflushedMs !== undefined && now - log.firstUnflushedMs >= log.config.flushMs) log.flush();
    }
  }

  /** Compacts the dirtiest log that qualifies (one per call, like one cleaner thread pass). */
  runCleaner(): boolean {
    const log = this.cleaner.grabFilthiestLog(this.allLogs());
    if (log === undefined) return false;
    this.cleaner.clean(log);
    this.runPendingDeletes();
    return true;
  }

  /** Compacts a given log now (tests, admin). */
  compact(tp: TopicPartition): void {
    const log = this.getLog(tp);
    if (log !== undefined) this.cleaner.clean(log);
  }

  // ---- checkpoints ---------------------------------------------------------------------

  private byDir(): Map<string, { tp: TopicPartition; log: UnifiedLog }[]> {
    const out = new Map<string, { tp: TopicPartition; log: UnifiedLog }[]>(this.options.logDirs.map((d) => [d, []]));
    for (const { log, logDir } of this.logs.values()) out.get(logDir)!.push({ tp: log.topicPartition, log });
    return out;
  }

  checkpointRecoveryPoints(): void {
    for (const [dir, logs] of this.byDir()) {
      new OffsetCheckpointFile(join(dir, RECOVERY_POINT_CHECKPOINT_FILE)).write(logs.map(({ tp, log }) => ({ ...tp, offset: log.recoveryPoint })));
    }
  }

  checkpointLogStartOffsets(): void {
    for (const [dir, logs] of this.byDir()) {
      new OffsetCheckpointFile(join(dir, LOG_START_OFFSET_CHECKPOINT_FILE)).write(logs.filter(({ log }) => log.logStartOffset > log.segments[0]!.baseOffset || log.logStartOffset > 0n).map(({ tp, log }) => ({ ...tp, offset: log.logStartOffset })));
    }
  }

  /** replication-offset-checkpoint: every log's high watermark. */
  checkpointHighWatermarks(): void {
    for (const [dir, logs] of this.byDir()) {
      new OffsetCheckpointFile(join(dir, REPLICATION_OFFSET_CHECKPOINT_FILE)).write(logs.map(({ tp, log }) => ({ ...tp, offset: log.highWatermark })));
    }
  }

  checkpointCleanerOffsets(): void {
    for (const [dir, logs] of this.byDir()) {
      new OffsetCheckpointFile(join(dir, CLEANER_OFFSET_CHECKPOINT_FILE)).write(logs.filter(({ log }) => log.config.compact).map(({ tp, log }) => ({ ...tp, offset: log.cleanerCheckpoint })));
    }
  }

  checkpointAll(): void {
    this.checkpointRecoveryPoints();
    this.checkpointLogStartOffsets();
    this.checkpointHighWatermarks();
    this.checkpointCleanerOffsets();
  }

  /** Clean shutdown: close (flush) every log, write the checkpoints and the clean-shutdown marker. */
  async shutdown(): Promise<void> {
    if (this.shutDown) return;
    this.shutDown = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const paths = new Set<string>();
    for (const log of this.allLogs()) for (const p of log.closeForDeferredSync()) paths.add(p);
    await fsyncAll([...paths], SHUTDOWN_FSYNC_CONCURRENCY);
    this.checkpointAll();
    this.files.closeAll();
    for (const dir of this.options.logDirs) {
      writeFileSync(join(dir, CLEAN_SHUTDOWN_FILE), '');
      fsyncDirectory(dir);
    }
  }

  /** Stops timers and closes descriptors without flushing or marking a clean shutdown (tests: a simulated crash). */
  abandon(): void {
    this.shutDown = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.files.closeAll();
  }
}
