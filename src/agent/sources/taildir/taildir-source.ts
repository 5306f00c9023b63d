/**
 * Flume's TAILDIR source: follows files matched by file groups, sends every complete line as
 * an event, and records how far each file (by inode) has been committed to the channels in a
 * JSON position file, so a restart continues where the last committed batch ended.
 *
 *   a1.sources.r1.type = TAILDIR
 *   a1.sources.r1.filegroups = f1 f2
 *   a1.sources.r1.filegroups.f1 = /var/log/app/app.log          (directory literal, file name a regex)
 *   a1.sources.r1.filegroups.f2 = /var/log/web/.*\.log
 *   a1.sources.r1.headers.f1.service = app                     (headers added to f1's events)
 *   a1.sources.r1.positionFile = ~/.flume/taildir_position.json
 *
 * Flume's defaults: batchSize 100, maxBatchCount (unbounded), skipToEnd false, idleTimeout
 * 120000, writePosInterval 3000, fileHeader false, fileHeaderKey file, byteOffsetHeader false
 * (header `byteoffset`), pollDelay 500, backoffSleepIncrement 1000, maxBackoffSleep 5000.
 *
 * Rotation: a file renamed to a name that still matches keeps its inode and its position
 * (logrotate's rename, `app.log` -> `app.log.1` with a pattern `app\.log.*`). A file renamed out
 * of the pattern or deleted is read to its end through the descriptor we hold, then dropped:
 * lines written just before a rename are not lost (Flume stops reading such a file at once).
 * copytruncate: a file that became shorter than its position is read again from 0, as Flume.
 */
import { readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Context } from '../../config/context.js';
import { AgentConfigError } from '../../errors.js';
import { setHeader, type AgentEvent } from '../../event.js';
import { sourceCounter, type SourceCounter } from '../../monitoring/counters.js';
import { deliverBatch } from '../batching.js';
import { backoffDelayMs, Sleeper, type Source, type SourceEnvironment } from '../source.js';
import { readPositionFile, writePositionFile, type FilePosition } from './position-file.js';
import { reconcile, type ScannedFile, type TrackedFile } from './reconcile.js';
import { TailFile, type TailLine } from './tail-file.js';

export interface FileGroup {
  name: string;
  dir: string;
  pattern: RegExp;
  headers: Record<string, string>;
}

export interface TaildirSourceConfig {
  fileGroups: FileGroup[];
  positionFile: string;
  batchSize: number;
  maxBatchCount: number;
  skipToEnd: boolean;
  idleTimeoutMs: number;
  writePosIntervalMs: number;
  fileHeader: boolean;
  fileHeaderKey: string;
  byteOffsetHeader: boolean;
  pollDelayMs: number;
  backoffSleepIncrementMs: number;
  maxBackoffSleepMs: number;
}

const expandHome = (p: string): string => resolve(p.startsWith('~/') ? homedir() + p.slice(1) : p);

export function taildirSourceConfig(ctx: Context): TaildirSourceConfig {
  const names = ctx.list('filegroups');
  if (names.length === 0) throw new AgentConfigError(ctx.keyOf('filegroups'), 'is required (e.g. filegroups = f1, filegroups.f1 = /var/log/app.log)');
  const groups = ctx.sub('filegroups');
  const headers = ctx.sub('headers');
  const fileGroups = names.map((name): FileGroup => {
    const path = groups.string(name);
    if (path === undefined || path === '') throw new AgentConfigError(groups.keyOf(name), 'is required (the file group\'s path)');
    const abs = expandHome(path);
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${basename(abs)})$`);
    } catch (err) {
      throw new AgentConfigError(groups.keyOf(name), `file name '${basename(abs)}' is not a valid regular expression`, { cause: err });
    }
    const h: Record<string, string> = {};
    const hc = headers.sub(name);
    for (const k of hc.keys()) setHeader(h, k, hc.string(k)!);
    return { name, dir: dirname(abs), pattern, headers: h };
  });
  ctx.raw('cachePatternMatching'); // accepted: we list the directories on every poll
  return {
    fileGroups,
    positionFile: expandHome(ctx.string('positionFile', '~/.flume/taildir_position.json')),
    batchSize: ctx.integer('batchSize', 100, 1),
    maxBatchCount: ctx.integer('maxBatchCount', Number.MAX_SAFE_INTEGER, 1),
    skipToEnd: ctx.boolean('skipToEnd', false),
    idleTimeoutMs: ctx.integer('idleTimeout', 120000, 0),
    writePosIntervalMs: ctx.integer('writePosInterval', 3000, 0),
    fileHeader: ctx.boolean('fileHeader', false),
    fileHeaderKey: ctx.string('fileHeaderKey', 'file'),
    byteOffsetHeader: ctx.boolean('byteOffsetHeader', false),
    pollDelayMs: ctx.integer('pollDelay', 500, 1),
    backoffSleepIncrementMs: ctx.integer('backoffSleepIncrement', 1000, 1),
    maxBackoffSleepMs: ctx.integer('maxBackoffSleep', 5000, 1),
  };
}

interface Tracked {
  file: TailFile;
  /** Size at the last directory scan (follows the inode). */
  size: number;
  /** No longer matched (renamed away or deleted): read to the end, then dropped. */
  gone: boolean;
}

type ProcessOutcome = 'read' | 'idle' | 'backoff';

export class TaildirSource implements Source {
  readonly counter: SourceCounter;
  private readonly tracked = new Map<bigint, Tracked>();
  /** Positions from the position file not yet matched to a file. */
  private readonly saved = new Map<bigint, FilePosition>();
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sleeper = new Sleeper();
  private positionWriter: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(readonly name: string, private readonly config: TaildirSourceConfig, private readonly env: SourceEnvironment) {
    this.counter = sourceCounter(name);
  }

  async start(): Promise<void> {
    try {
      for (const p of readPositionFile(this.config.positionFile)) this.saved.set(p.inode, p);
    } catch (err) {
      // As Flume: an unreadable position file is reported and files are read from their start
      // (duplicates, never a gap). skipToEnd still applies to files it would have covered.
      this.env.logger.error({ source: this.name, err, file: this.config.positionFile }, 'Failed loading positionFile');
    }
    this.running = true;
    this.counter.start(Date.now());
    // On its own timer, as Flume's PositionWriterRunnable: a file that never stops growing keeps
    // the tail loop busy, and its position must still reach the disk.
    this.positionWriter = setInterval(() => this.writePositions(), Math.max(1, this.config.writePosIntervalMs));
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (this.loop === null) return; // never started: the position file is not ours to rewrite
    this.running = false;
    this.sleeper.interrupt();
    if (this.positionWriter !== null) clearInterval(this.positionWriter);
    this.positionWriter = null;
    await this.loop;
    this.loop = null;
    this.writePositions();
    for (const t of this.tracked.values()) await t.file.close();
    this.counter.stop(Date.now());
  }

  /** Positions as they would be written now (tests and monitoring). */
  positions(): FilePosition[] {
    return [...this.tracked.values()].map((t) => ({ inode: t.file.inode, pos: t.file.pos, file: t.file.path }));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let outcome: ProcessOutcome = 'idle';
      try {
        this.scan();
        for (const t of [...this.tracked.values()]) {
          if (!this.running) break;
          const o = await this.process(t);
          if (o === 'backoff') {
            outcome = 'backoff';
            break;
          }
          if (o === 'read') outcome = 'read';
        }
        await this.closeIdleAndGone();
      } catch (err) {
        this.counter.add('GenericProcessingFail');
        this.env.logger.error({ err, source: this.name }, 'Unable to tail files');
        outcome = 'backoff';
      }
      if (!this.running) break;
      if (outcome === 'backoff') {
        this.failures++;
        await this.sleeper.sleep(backoffDelayMs(this.failures, this.config.backoffSleepIncrementMs, this.config.maxBackoffSleepMs));
      } else {
        this.failures = 0;
        if (outcome === 'idle') await this.sleeper.sleep(this.config.pollDelayMs);
      }
    }
  }

  /** Lists the file groups' directories and carries out reconcile()'s decisions. */
  private scan(): void {
    const now = Date.now();
    const snapshot = new Map<bigint, TrackedFile>();
    for (const [inode, t] of this.tracked) snapshot.set(inode, { inode, path: t.file.path, pos: t.file.pos, size: t.size, open: t.file.isOpen });
    const saved = new Map([...this.saved].map(([inode, p]) => [inode, p.pos]));
    for (const t of this.tracked.values()) t.gone = false; // decided again by every scan
    for (const d of reconcile(snapshot, this.list(), saved, this.config.skipToEnd)) {
      const t = this.tracked.get(d.inode);
      switch (d.kind) {
        case 'track':
          this.saved.delete(d.inode);
          this.tracked.set(d.inode, { file: new TailFile(d.path, d.inode, d.pos, this.config.fileGroups[d.group]!.headers, now), size: d.size, gone: false });
          break;
        case 'renamed':
          this.env.logger.info({ source: this.name, from: d.from, to: d.to }, 'Tailed file renamed');
          t!.file.path = d.to;
          break;
        case 'truncated':
          this.env.logger.info({ source: this.name, file: t!.file.path, pos: d.pos, size: d.size }, 'Pos is larger than file size! Restarting from pos 0');
          t!.file.reset(0);
          break;
        case 'resized':
          t!.size = d.size;
          t!.file.lastActivityMs = now;
          break;
        case 'gone':
          t!.gone = true;
          break;
        case 'forget':
          this.tracked.delete(d.inode);
          break;
      }
    }
  }

  /** The files the file groups match now (directories that do not exist yet are skipped). */
  private list(): ScannedFile[] {
    const out: ScannedFile[] = [];
    this.config.fileGroups.forEach((g, group) => {
      let names: string[];
      try {
        names = readdirSync(g.dir);
      } catch {
        return; // the directory may appear later
      }
      for (const n of names.sort()) {
        if (!g.pattern.test(n)) continue;
        const path = join(g.dir, n);
        const st = statSync(path, { bigint: true, throwIfNoEntry: false });
        if (st === undefined || !st.isFile()) continue;
        out.push({ path, inode: st.ino, size: Number(st.size), group });
      }
    });
    return out;
  }

  private async process(t: Tracked): Promise<ProcessOutcome> {
    if (t.gone) t.size = await t.file.size();
    if (t.size <= t.file.pos) return 'idle';
    let batches = 0;
    let read = false;
    while (this.running) {
      const lines = await t.file.readLines(this.config.batchSize);
      if (lines.length === 0) break;
      const events = lines.map((l) => this.toEvent(t.file, l));
      if (!(await deliverBatch(this.env, this.counter, events, { source: this.name }))) {
        t.file.rollback();
        return 'backoff';
      }
      t.file.commit();
      t.file.lastActivityMs = Date.now();
      read = true;
      if (lines.length < this.config.batchSize || ++batches >= this.config.maxBatchCount) break;
    }
    if (t.gone && !read && t.file.pos < t.size) {
      // A file that left the pattern ends in a line without its newline: nobody will finish it.
      this.env.logger.warn({ source: this.name, file: t.file.path, bytes: t.size - t.file.pos }, 'Dropping an incomplete last line of a file that is no longer tailed');
      t.size = t.file.pos;
    }
    return read ? 'read' : 'idle';
  }

  private toEvent(f: TailFile, l: TailLine): AgentEvent {
    const headers: Record<string, string> = { ...f.headers };
    if (this.config.fileHeader) setHeader(headers, this.config.fileHeaderKey, f.path);
    if (this.config.byteOffsetHeader) headers.byteoffset = String(l.offset);
    return { headers, body: l.body };
  }

  private async closeIdleAndGone(): Promise<void> {
    const now = Date.now();
    for (const [ino, t] of this.tracked) {
      if (t.gone && t.file.pos >= t.size) {
        await t.file.close();
        this.tracked.delete(ino);
      } else if (t.file.isOpen && t.file.pos >= t.size && now - t.file.lastActivityMs >= this.config.idleTimeoutMs) {
        await t.file.close(); // reopened by path when it grows
      }
    }
  }

  private writePositions(): void {
    try {
      writePositionFile(this.config.positionFile, this.positions());
    } catch (err) {
      this.env.logger.error({ source: this.name, err, file: this.config.positionFile }, 'Failed writing positionFile');
    }
  }
}
