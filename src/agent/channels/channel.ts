/**
 * Flume's Channel and Transaction. A source puts a batch in one transaction and commits it; a
 * sink takes a batch in one transaction and commits only after the events are safely elsewhere,
 * or rolls back so that they are taken again (at-least-once).
 *
 * put() and take() are synchronous (they touch the transaction's own lists); commit() and
 * rollback() are asynchronous because a durable channel writes and syncs there. Capacity:
 * events in the channel plus events taken by open transactions never exceed `capacity`; a
 * commit that needs more room waits up to keep-alive and then throws ChannelFullException.
 */
import type { AgentEvent } from '../event.js';
import type { ChannelCounter } from '../monitoring/counters.js';

export interface Transaction {
  /** Adds an event to the transaction; ChannelException when transactionCapacity is reached. */
  put(event: AgentEvent): void;
  /** The next event, or null when the channel is empty; ChannelException past transactionCapacity. */
  take(): AgentEvent | null;
  /** Makes the puts visible and the takes final; ChannelFullException when there is no room. */
  commit(): Promise<void>;
  /** Forgets the puts and returns the taken events to the head of the channel, in order. */
  rollback(): Promise<void>;
}

export interface Channel {
  readonly name: string;
  readonly capacity: number;
  readonly transactionCapacity: number;
  readonly counter: ChannelCounter;
  /** Events in the channel (not counting those taken by open transactions). */
  size(): number;
  start(): Promise<void>;
  stop(): Promise<void>;
  transaction(): Transaction;
  /** Resolves when events may be available to take, or after `maxWaitMs` (a sink's idle wait). */
  waitForEvents(maxWaitMs: number): Promise<void>;
}

/** A FIFO with O(1) push, shift and unshift-of-a-batch (a taken batch rolled back). */
export class EventDeque<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(v: T): void {
    this.items.push(v);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }

  /** Puts `vs` back at the front, keeping their order. */
  unshiftAll(vs: readonly T[]): void {
    if (vs.length <= this.head) {
      this.head -= vs.length;
      for (let i = 0; i < vs.length; i++) this.items[this.head + i] = vs[i];
    } else {
      this.items = [...vs, ...this.items.slice(this.head)];
      this.head = 0;
    }
  }

  *values(): IterableIterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as T;
  }
}

/** Waiters for "something changed" (events put, room freed), each with a timeout. */
export class Signal {
  private waiters = new Set<() => void>();

  /** `holdProcess` false: the timer does not keep the process alive (an idle sink's wait). */
  wait(maxWaitMs: number, holdProcess = true): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, maxWaitMs));
      if (!holdProcess) timer.unref();
      this.waiters.add(done);
    });
  }

  notifyAll(): void {
    for (const w of [...this.waiters]) w();
  }
}
