/**
 * Flume's MemoryChannel: events in memory, lost when the process stops. Defaults are Flume's:
 * capacity 100, transactionCapacity 100, keep-alive 3 s (how long a commit waits for room),
 * byteCapacity (Flume: 80% of the JVM heap; here 80% of V8's heap limit) with
 * byteCapacityBufferPercentage 20 (headroom for headers, which are not counted).
 */
import { getHeapStatistics } from 'node:v8';
import type { Context } from '../config/context.js';
import { AgentConfigError, ChannelException, ChannelFullException } from '../errors.js';
import { eventBodyBytes, type AgentEvent } from '../event.js';
import { ChannelCounter } from '../monitoring/counters.js';
import { EventDeque, Signal, type Channel, type Transaction } from './channel.js';

export interface MemoryChannelConfig {
  capacity: number;
  transactionCapacity: number;
  keepAliveMs: number;
  byteCapacity: number;
}

export function memoryChannelConfig(ctx: Context): MemoryChannelConfig {
  const capacity = ctx.integer('capacity', 100, 1);
  const transactionCapacity = ctx.integer('transactionCapacity', 100, 1);
  if (transactionCapacity > capacity) {
    throw new AgentConfigError(ctx.keyOf('transactionCapacity'), `${transactionCapacity} is larger than capacity ${capacity}`);
  }
  const bufferPct = ctx.integer('byteCapacityBufferPercentage', 20, 0, 99);
  const defaultBytes = Math.floor(getHeapStatistics().heap_size_limit * 0.8);
  const byteCapacity = Math.floor((ctx.integer('byteCapacity', defaultBytes, 1) * (100 - bufferPct)) / 100);
  return { capacity, transactionCapacity, keepAliveMs: ctx.integer('keep-alive', 3, 0) * 1000, byteCapacity };
}

export class MemoryChannel implements Channel {
  readonly counter: ChannelCounter;
  readonly capacity: number;
  readonly transactionCapacity: number;
  private readonly queue = new EventDeque<AgentEvent>();
  /** Slots not used by queued events or by events that open transactions have taken. */
  private remaining: number;
  private bytesRemaining: number;
  private readonly eventsPut = new Signal();
  private readonly roomFreed = new Signal();

  constructor(readonly name: string, private readonly config: MemoryChannelConfig) {
    this.capacity = config.capacity;
    this.transactionCapacity = config.transactionCapacity;
    this.remaining = config.capacity;
    this.bytesRemaining = config.byteCapacity;
    this.counter = new ChannelCounter(name, config.capacity, () => this.queue.length);
  }

  size(): number {
    return this.queue.length;
  }

  async start(): Promise<void> {
    this.counter.start(Date.now());
  }

  async stop(): Promise<void> {
    this.counter.stop(Date.now());
  }

  waitForEvents(maxWaitMs: number): Promise<void> {
    return this.queue.length > 0 ? Promise.resolve() : this.eventsPut.wait(maxWaitMs, false);
  }

  transaction(): Transaction {
    const puts: AgentEvent[] = [];
    const takes: AgentEvent[] = [];
    let open = true;
    const ensureOpen = (): void => {
      if (!open) throw new ChannelException(`transaction on channel ${this.name} is already closed`);
    };
    return {
      put: (event) => {
        ensureOpen();
        this.counter.add('EventPutAttemptCount');
        if (puts.length >= this.transactionCapacity) {
          throw new ChannelException(`Put queue for MemoryTransaction of capacity ${this.transactionCapacity} full, consider committing more frequently, increasing capacity or increasing thread count`);
        }
        puts.push(event);
      },
      take: () => {
        ensureOpen();
        this.counter.add('EventTakeAttemptCount');
        if (takes.length >= this.transactionCapacity) {
          throw new ChannelException(`Take list for MemoryTransaction, capacity ${this.transactionCapacity} full, consider committing more frequently, increasing capacity, or increasing thread count`);
        }
        const e = this.queue.shift();
        if (e === undefined) return null;
        takes.push(e);
        return e;
      },
      commit: async () => {
        ensureOpen();
        const needed = puts.length - takes.length;
        const putBytes = puts.reduce((n, e) => n + eventBodyBytes(e), 0);
        const takeBytes = takes.reduce((n, e) => n + eventBodyBytes(e), 0);
        const deadline = Date.now() + this.config.keepAliveMs;
        // Flume's keep-alive: wait for room for the net new events (and bytes), then give up.
        while ((needed > 0 && this.remaining < needed) || putBytes - takeBytes > this.bytesRemaining) {
          const left = deadline - Date.now();
          if (left <= 0) {
            if (putBytes - takeBytes > this.bytesRemaining) {
              throw new ChannelFullException(`Cannot commit transaction. Byte capacity allocated to store event body ${this.config.byteCapacity} reached. Please increase heap space/byte capacity allocated to the channel as the sinks may not be keeping up with the sources`);
            }
            throw new ChannelFullException(`Space for commit to queue couldn't be acquired. Sinks are likely not keeping up with sources, or the buffer size is too tight (channel ${this.name}, capacity ${this.capacity})`);
          }
          await this.roomFreed.wait(left);
        }
        open = false;
        this.remaining -= needed;
        this.bytesRemaining -= putBytes - takeBytes;
        for (const e of puts) this.queue.push(e);
        if (puts.length > 0) {
          this.counter.add('EventPutSuccessCount', puts.length);
          this.eventsPut.notifyAll();
        }
        if (takes.length > 0) {
          this.counter.add('EventTakeSuccessCount', takes.length);
          if (needed < 0) this.roomFreed.notifyAll();
        }
      },
      rollback: async () => {
        if (!open) return;
        open = false;
        if (takes.length > 0) {
          this.queue.unshiftAll(takes);
          this.eventsPut.notifyAll();
        }
        this.counter.add('RollbackCount');
      },
    };
  }
}
