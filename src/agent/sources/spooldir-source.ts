/**
 * Flume's Spooling Directory source: files dropped (complete and immutable) into spoolDir are
 * read line by line; when every line of a file is committed to the channels the file is renamed
 * with fileSuffix (.COMPLETED) or deleted (deletePolicy = immediate). Progress within the
 * current file is kept in trackerDir (.flumespool, relative to spoolDir) as
 * `.flumespool-main.meta` ({"file":..., "inode":..., "pos":...}), so a restart resumes there.
 *
 * Keys and defaults (Flume's): spoolDir (required), fileSuffix .COMPLETED, deletePolicy never,
 * fileHeader false / fileHeaderKey file, basenameHeader false / basenameHeaderKey basename,
 * includePattern ^.*$, ignorePattern ^$, trackerDir .flumespool, consumeOrder oldest
 * (youngest, random), batchSize 100, pollDelay 500, maxBackoff 4000,
 * deserializer LINE with deserializer.maxLineLength 2048 (longer lines are truncated).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import type { Context } from '../config/context.js';
import { AgentConfigError, ChannelException } from '../errors.js';
import { setHeader } from '../event.js';
import { sourceCounter, type SourceCounter } from '../monitoring/counters.js';
import { backoffDelayMs, Sleeper, type Source, type SourceEnvironment } from './source.js';
import { TailFile } from './taildir/tail-file.js';

export interface SpoolDirectorySourceConfig {
  spoolDir: string;
  fileSuffix: string;
  deleteImmediately: boolean;
  fileHeader: boolean;
  fileHeaderKey: string;
  basenameHeader: boolean;
  basenameHeaderKey: string;
  includePattern: RegExp;
  ignorePattern: RegExp;
  trackerDir: string;
  consumeOrder: 'oldest' | 'youngest' | 'random';
  batchSize: number;
  pollDelayMs: number;
  maxBackoffMs: number;
  maxLineLength: number;
}

export function spoolDirectorySourceConfig(ctx: Context): SpoolDirectorySourceConfig {
  const spoolDir = ctx.required('spoolDir');
  const tracker = ctx.string('trackerDir', '.flumespool');
  const deserializer = ctx.string('deserializer', 'LINE');
  if (deserializer.toUpperCase() !== 'LINE') throw new AgentConfigError(ctx.keyOf('deserializer'), `only LINE is supported, got '${deserializer}'`);
  const d = ctx.sub('deserializer');
  ctx.raw('inputCharset');
  ctx.raw('decodeErrorPolicy');
  if (ctx.boolean('recursiveDirectorySearch', false)) throw new AgentConfigError(ctx.keyOf('recursiveDirectorySearch'), 'true is not supported');
  return {
    spoolDir,
    fileSuffix: ctx.string('fileSuffix', '.COMPLETED'),
    deleteImmediately: ctx.oneOf('deletePolicy', ['never', 'immediate'] as const, 'never') === 'immediate',
    fileHeader: ctx.boolean('fileHeader', false),
    fileHeaderKey: ctx.string('fileHeaderKey', 'file'),
    basenameHeader: ctx.boolean('basenameHeader', false),
    basenameHeaderKey: ctx.string('basenameHeaderKey', 'basename'),
    includePattern: ctx.regex('includePattern', '^.*$'),
    ignorePattern: ctx.regex('ignorePattern', '^$'),
    trackerDir: isAbsolute(tracker) ? tracker : join(spoolDir, tracker),
    consumeOrder: ctx.oneOf('consumeOrder', ['oldest', 'youngest', 'random'] as const, 'oldest'),
    batchSize: ctx.integer('batchSize', 100, 1),
    pollDelayMs: ctx.integer('pollDelay', 500, 1),
    maxBackoffMs: ctx.integer('maxBackoff', 4000, 1),
    maxLineLength: d.integer('maxLineLength', 2048, 1),
  };
}

interface TrackerMeta {
  file: string;
  inode: string;
  pos: number;
}

export class SpoolDirectorySource implements Source {
  readonly counter: SourceCounter;
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sleeper = new Sleeper();
  private current: TailFile | null = null;
  /** Files that were read but could not be renamed: skipped until restart, so they are not re-sent forever. */
  private readonly failed = new Set<string>();

  constructor(readonly name: string, private readonly config: SpoolDirectorySourceConfig, private readonly env: SourceEnvironment) {
    this.counter = sourceCounter(name);
  }

  private get metaPath(): string {
    return join(this.config.trackerDir, '.flumespool-main.meta');
  }

  async start(): Promise<void> {
    if (!existsSync(this.config.spoolDir)) throw new ChannelException(`Directory does not exist: ${this.config.spoolDir}`);
    mkdirSync(this.config.trackerDir, { recursive: true });
    this.running = true;
    this.counter.start(Date.now());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    await this.loop;
    await this.current?.close();
    this.counter.stop(Date.now());
  }

  private candidates(): string[] {
    const c = this.config;
    const files: { path: string; mtimeMs: number }[] = [];
    for (const n of readdirSync(c.spoolDir)) {
      if (n.startsWith('.') || n.endsWith(c.fileSuffix) || !c.includePattern.test(n) || c.ignorePattern.test(n)) continue;
      const path = join(c.spoolDir, n);
      if (this.failed.has(path)) continue;
      const st = statSync(path, { throwIfNoEntry: false });
      if (st?.isFile() === true) files.push({ path, mtimeMs: st.mtimeMs });
    }
    if (c.consumeOrder === 'random') return files.map((f) => f.path);
    files.sort((a, b) => (c.consumeOrder === 'oldest' ? a.mtimeMs - b.mtimeMs : b.mtimeMs - a.mtimeMs) || a.path.localeCompare(b.path));
    return files.map((f) => f.path);
  }

  private openNext(): TailFile | null {
    const list = this.candidates();
    if (list.length === 0) return null;
    const path = this.config.consumeOrder === 'random' ? list[Math.floor(Math.random() * list.length)]! : list[0]!;
    const st = statSync(path, { bigint: true });
    let pos = 0;
    if (existsSync(this.metaPath)) {
      try {
        const m = JSON.parse(readFileSync(this.metaPath, 'utf8')) as TrackerMeta;
        if (m.file === path && m.inode === st.ino.toString() && Number.isSafeInteger(m.pos) && m.pos <= Number(st.size)) pos = m.pos;
      } catch {
        // an unreadable tracker: start the file from the beginning (duplicates, never loss)
      }
    }
    const headers: Record<string, string> = {};
    if (this.config.fileHeader) setHeader(headers, this.config.fileHeaderKey, path);
    if (this.config.basenameHeader) setHeader(headers, this.config.basenameHeaderKey, basename(path));
    this.env.logger.info({ source: this.name, file: path, pos }, 'Preparing to process file');
    return new TailFile(path, st.ino, pos, headers, Date.now(), true);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        if (this.current === null) this.current = this.openNext();
        const f = this.current;
        if (f === null) {
          await this.sleeper.sleep(this.config.pollDelayMs);
          continue;
        }
        const lines = await f.readLines(this.config.batchSize);
        if (lines.length === 0) {
          await this.complete(f);
          continue;
        }
        const events = lines.map((l) => ({ headers: { ...f.headers }, body: l.body.length > this.config.maxLineLength ? l.body.subarray(0, this.config.maxLineLength) : l.body }));
        this.counter.add('EventReceivedCount', events.length);
        this.counter.add('AppendBatchReceivedCount');
        try {
          await this.env.processor.processEventBatch(events);
        } catch (err) {
          f.rollback();
          this.counter.add(err instanceof ChannelException ? 'ChannelWriteFail' : 'GenericProcessingFail');
          this.env.logger.warn({ source: this.name, err: (err as Error).message }, 'The channel is full, and cannot write data now. The source will try again after some time');
          await this.sleeper.sleep(backoffDelayMs(++failures, 250, this.config.maxBackoffMs));
          continue;
        }
        failures = 0;
        f.commit();
        writeFileSync(this.metaPath, JSON.stringify({ file: f.path, inode: f.inode.toString(), pos: f.pos } satisfies TrackerMeta));
        this.counter.add('EventAcceptedCount', events.length);
        this.counter.add('AppendBatchAcceptedCount');
      } catch (err) {
        this.counter.add('GenericProcessingFail');
        this.env.logger.error({ source: this.name, err }, 'FATAL: Spool Directory source: Uncaught exception in SpoolDirectorySource thread. Restart or reconfigure Flume to continue processing.');
        await this.current?.close();
        this.current = null;
        await this.sleeper.sleep(this.config.maxBackoffMs);
      }
    }
  }

  /** Every line is committed: rename (or delete) the file and forget its tracker. */
  private async complete(f: TailFile): Promise<void> {
    await f.close();
    this.current = null;
    if (this.config.deleteImmediately) {
      rmSync(f.path, { force: true });
    } else {
      const done = f.path + this.config.fileSuffix;
      try {
        if (existsSync(done)) throw new ChannelException(`File name has been re-used with different files. Spooling assumptions violated for ${done}`);
        renameSync(f.path, done);
      } catch (err) {
        // Every line is delivered already; reading the file again would only repeat it.
        this.failed.add(f.path);
        rmSync(this.metaPath, { force: true });
        throw err;
      }
    }
    rmSync(this.metaPath, { force: true });
    this.env.logger.info({ source: this.name, file: f.path }, 'Preparing to move file');
  }
}
