/**
 * Flume's FileChannel: a durable channel. A put transaction is on disk (written and fsynced,
 * data-log.ts) before its commit returns, and a take transaction's commit is on disk before the
 * sink's events count as delivered; so after a crash (SIGKILL included) replay rebuilds exactly
 * the events that were put-and-committed and not taken-and-committed, in order.
 *
 * Flume's keys and defaults: checkpointDir (~/.flume/file-channel/checkpoint), dataDirs
 * (~/.flume/file-channel/data, comma-separated), capacity 1000000, transactionCapacity 10000,
 * maxFileSize 2146435071, keep-alive 3 s, fsyncPerTransaction true, minimumRequiredSpace
 * 524288000 (commits are refused when a data directory's disk has less free space).
 *
 * As Flume's, the channel keeps only where each queued event lies (file, position, length) in
 * memory and reads the event back from its data file when it is taken. Difference from Flume,
 * on purpose: there is no checkpoint file; recovery always replays the data files (Flume's full
 * replay), which stays short because files whose events are all taken are deleted.
 * checkpointDir holds the directory lock (in_use.lock) as Flume's does.
 */
import { statfsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Context } from '../../config/context.js';
import { AgentConfigError, ChannelException, ChannelFullException } from '../../errors.js';
import type { AgentEvent } from '../../event.js';
import { ChannelCounter } from '../../monitoring/counters.js';
import { EventDeque, Signal, type Channel, type Transaction } from '../channel.js';
import { DataLog, lockDirectory } from './data-log.js';
import { decodeEntry, encodePut, encodeTake, type PutEntry } from './log-record.js';

export interface FileChannelConfig {
  checkpointDir: string;
  dataDirs: string[];
  capacity: number;
  transactionCapacity: number;
  maxFileBytes: number;
  keepAliveMs: number;
  fsyncPerTransaction: boolean;
  minimumRequiredSpaceBytes: number;
}

function expandHome(p: string): string {
  return resolve(p.startsWith('~/') ? homedir() + p.slice(1) : p);
}

export function fileChannelConfig(ctx: Context): FileChannelConfig {
  const capacity = ctx.integer('capacity', 1_000_000, 1);
  const transactionCapacity = ctx.integer('transactionCapacity', 10_000, 1);
  if (transactionCapacity > capacity) {
    throw new AgentConfigError(ctx.keyOf('transactionCapacity'), `${transactionCapacity} is larger than capacity ${capacity}`);
  }
  const dataDirs = ctx.string('dataDirs', '~/.flume/file-channel/data').split(',').map((s) => s.trim()).filter((s) => s !== '').map(expandHome);
  if (dataDirs.length === 0) throw new AgentConfigError(ctx.keyOf('dataDirs'), 'is empty');
  const checkpointDir = expandHome(ctx.string('checkpointDir', '~/.flume/file-channel/checkpoint'));
  if (dataDirs.includes(checkpointDir)) throw new AgentConfigError(ctx.keyOf('checkpointDir'), 'must not be one of the dataDirs');
  // Accepted for compatibility; they tune Flume's checkpoint, which this channel does not write.
  for (const k of ['checkpointInterval', 'useDualCheckpoints', 'backupCheckpointDir', 'use-fast-replay', 'checkpointOnClose', 'fsyncInterval', 'encryption.activeKey']) ctx.raw(k);
  return {
    checkpointDir,
    dataDirs,
    capacity,
    transactionCapacity,
    maxFileBytes: ctx.integer('maxFileSize', 2146435071, 1024),
    keepAliveMs: ctx.integer('keep-alive', 3, 0) * 1000,
    fsyncPerTransaction: ctx.boolean('fsyncPerTransaction', true),
    minimumRequiredSpaceBytes: ctx.integer('minimumRequiredSpace', 524288000, 0),
  };
}

/** A queued event: where its entry lies in the data log. */
interface QueuedEvent {
  id: bigint;
  fileId: number;
  position: number;
  length: number;
}

export class FileChannel implements Channel {
  readonly counter: ChannelCounter;
  readonly capacity: number;
  readonly transactionCapacity: number;
  private readonly queue = new EventDeque<QueuedEvent>();
  private remaining: number;
  private nextId = 1n;
  private log: DataLog | null = null;
  /** Per data file: events put there that are not yet taken-and-committed. */
  private readonly liveByFile = new Map<number, number>();
  private readonly eventsPut = new Signal();
  private readonly roomFreed = new Signal();
  private unlock: (() => void)[] = [];
  /** Events recovered by the last start() (for logs and tests). */
  replayedEvents = 0;

  constructor(readonly name: string, private readonly config: FileChannelConfig) {
    this.capacity = config.capacity;
    this.transactionCapacity = config.transactionCapacity;
    this.remaining = config.capacity;
    this.counter = new ChannelCounter(name, config.capacity, () => this.queue.length);
  }

  size(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    this.unlock = [this.config.checkpointDir, ...this.config.dataDirs].map((d) => lockDirectory(d));
    const { log, replayed } = await DataLog.open(this.config.dataDirs, this.config.maxFileBytes, this.config.fsyncPerTransaction);
    this.log = log;
    const live = new Map<bigint, QueuedEvent>();
    for (const f of replayed) {
      for (const r of f.records) {
        if (r.type === 'put') {
          for (const e of r.entries) {
            live.set(e.id, { id: e.id, fileId: f.fileId, position: e.position, length: e.length });
            if (e.id >= this.nextId) this.nextId = e.id + 1n;
          }
        } else {
          for (const id of r.ids) live.delete(id);
        }
      }
    }
    // Map iteration follows insertion = put order, which is id order.
    for (const q of live.values()) {
      this.queue.push(q);
      this.liveByFile.set(q.fileId, (this.liveByFile.get(q.fileId) ?? 0) + 1);
    }
    if (this.queue.length > this.capacity) {
      throw new ChannelException(`channel ${this.name} replayed ${this.queue.length} events, more than its capacity ${this.capacity}; raise capacity`);
    }
    this.remaining = this.capacity - this.queue.length;
    this.replayedEvents = this.queue.length;
    this.releaseFiles();
    this.counter.start(Date.now());
  }

  async stop(): Promise<void> {
    await this.log?.close();
    this.log = null;
    for (const u of this.unlock) u();
    this.unlock = [];
    this.counter.stop(Date.now());
  }

  waitForEvents(maxWaitMs: number): Promise<void> {
    return this.queue.length > 0 ? Promise.resolve() : this.eventsPut.wait(maxWaitMs, false);
  }

  transaction(): Transaction {
    const puts: AgentEvent[] = [];
    const takes: QueuedEvent[] = [];
    let open = true;
    const ensureOpen = (): void => {
      if (!open) throw new ChannelException(`transaction on channel ${this.name} is already closed`);
      if (this.log === null) throw new ChannelException(`channel ${this.name} is not started`);
    };
    return {
      put: (event) => {
        ensureOpen();
        this.counter.add('EventPutAttemptCount');
        if (puts.length >= this.transactionCapacity) {
          throw new ChannelException(`Put queue for FileBackedTransaction of capacity ${this.transactionCapacity} full, consider committing more frequently, increasing capacity or increasing thread count. [channel=${this.name}]`);
        }
        puts.push(event);
      },
      take: () => {
        ensureOpen();
        this.counter.add('EventTakeAttemptCount');
        if (takes.length >= this.transactionCapacity) {
          throw new ChannelException(`Take list for FileBackedTransaction, capacity ${this.transactionCapacity} full, consider committing more frequently, increasing capacity, or increasing thread count. [channel=${this.name}]`);
        }
        const q = this.queue.shift();
        if (q === undefined) return null;
        takes.push(q);
        let entry: PutEntry;
        try {
          entry = decodeEntry(this.log!.read(q.fileId, q.position, q.length));
        } catch (err) {
          throw new ChannelException(`Unable to read event ${q.id} from data file log-${q.fileId} [channel=${this.name}]`, { cause: err });
        }
        if (entry.id !== q.id) throw new ChannelException(`data file log-${q.fileId} holds event ${entry.id} where ${q.id} was written [channel=${this.name}]`);
        return entry.event;
      },
      commit: async () => {
        ensureOpen();
        open = false;
        try {
          if (puts.length > 0) await this.commitPuts(puts);
          if (takes.length > 0) await this.commitTakes(takes);
        } catch (err) {
          this.returnTakes(takes);
          throw err;
        }
      },
      rollback: async () => {
        if (!open) return;
        open = false;
        this.returnTakes(takes);
        this.counter.add('RollbackCount');
      },
    };
  }

  private async commitPuts(puts: AgentEvent[]): Promise<void> {
    const needed = puts.length;
    const deadline = Date.now() + this.config.keepAliveMs;
    while (needed > 0 && this.remaining < needed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ChannelFullException(`The channel has reached it's capacity. This might be the result of a sink on the channel having too low of batch size, a downstream system running slower than normal, or that the channel capacity is just too low. [channel=${this.name}]`);
      await this.roomFreed.wait(left);
    }
    this.checkDiskSpace();
    this.remaining -= needed;
    const entries: PutEntry[] = puts.map((event) => ({ id: this.nextId++, event }));
    const { record, locations } = encodePut(entries);
    let at: { fileId: number; position: number };
    try {
      at = await this.log!.append(record);
    } catch (err) {
      this.remaining += needed;
      throw err;
    }
    for (const l of locations) this.queue.push({ id: l.id, fileId: at.fileId, position: at.position + l.position, length: l.length });
    this.liveByFile.set(at.fileId, (this.liveByFile.get(at.fileId) ?? 0) + entries.length);
    this.counter.add('EventPutSuccessCount', entries.length);
    this.eventsPut.notifyAll();
  }

  private async commitTakes(takes: QueuedEvent[]): Promise<void> {
    await this.log!.append(encodeTake(takes.map((t) => t.id)));
    for (const t of takes) this.liveByFile.set(t.fileId, (this.liveByFile.get(t.fileId) ?? 1) - 1);
    this.remaining += takes.length;
    this.counter.add('EventTakeSuccessCount', takes.length);
    takes.length = 0;
    this.releaseFiles();
    this.roomFreed.notifyAll();
  }

  private returnTakes(takes: QueuedEvent[]): void {
    if (takes.length === 0) return;
    this.queue.unshiftAll(takes);
    takes.length = 0;
    this.eventsPut.notifyAll();
  }

  /** Deletes data files older than the oldest one that still holds a live event. */
  private releaseFiles(): void {
    let oldestLive = Number.POSITIVE_INFINITY;
    for (const [fileId, n] of this.liveByFile) {
      if (n > 0) oldestLive = Math.min(oldestLive, fileId);
      else this.liveByFile.delete(fileId);
    }
    this.log!.deleteFilesBefore(Math.min(oldestLive, this.log!.currentFileId));
  }

  private checkDiskSpace(): void {
    if (this.config.minimumRequiredSpaceBytes === 0) return;
    for (const dir of this.config.dataDirs) {
      const s = statfsSync(dir);
      const free = Number(s.bavail) * Number(s.bsize);
      if (free < this.config.minimumRequiredSpaceBytes) {
        throw new ChannelException(`Usable space exhausted, only ${free} bytes remaining in ${dir}, required ${this.config.minimumRequiredSpaceBytes} bytes [channel=${this.name}]`);
      }
    }
  }
}
