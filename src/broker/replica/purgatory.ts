/**
 * Kafka's DelayedOperationPurgatory: requests that cannot be answered yet (a produce with
 * acks=all waiting for the high watermark, a fetch waiting for min.bytes) wait here, watched
 * under the keys of the partitions they depend on, until either `tryComplete()` succeeds after
 * a `checkAndComplete(key)` or their delay expires.
 *
 * Each operation completes exactly once (`forceComplete` is the only door). Watch lists are
 * bounded by the number of waiting operations: completed ones are purged from a key's list
 * whenever that key is checked, and a key whose list empties is dropped.
 */
import { assert } from '../../util/assert.js';

/** Schedules a callback; returns a cancel function. Injected so tests can drive time. */
export interface Scheduler {
  schedule(delayMs: number, fn: () => void): () => void;
}

export const timerScheduler: Scheduler = {
  schedule(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(t);
  },
};

export abstract class DelayedOperation {
  private completed = false;
  private cancelTimer: (() => void) | null = null;

  constructor(readonly delayMs: number) {}

  /** Checks whether the operation can complete now; if so calls `forceComplete()` and returns true. */
  abstract tryComplete(): boolean;
  /** Builds and sends the response; runs exactly once. */
  protected abstract onComplete(): void;
  /** Called (before onComplete) when the delay expired. */
  protected onExpiration(): void {}

  get isCompleted(): boolean {
    return this.completed;
  }

  /** Completes the operation if nobody has; true when this call did it. */
  forceComplete(): boolean {
    if (this.completed) return false;
    this.completed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.onComplete();
    return true;
  }

  /** @internal the purgatory arms the expiry timer. */
  armTimer(scheduler: Scheduler, onExpire: () => void): void {
    assert(this.cancelTimer === null, 'timer armed twice');
    this.cancelTimer = scheduler.schedule(this.delayMs, () => {
      this.cancelTimer = null;
      if (this.completed) return;
      this.onExpiration();
      this.forceComplete();
      onExpire();
    });
  }
}

export class DelayedOperationPurgatory<T extends DelayedOperation> {
  private readonly watchers = new Map<string, Set<T>>();
  expiredCount = 0;

  constructor(
    readonly name: string,
    private readonly scheduler: Scheduler = timerScheduler,
  ) {}

  /**
   * Tries to complete `op` now; otherwise watches it under `keys` and arms its timer. Returns
   * true when it completed immediately. (Kafka checks once before and once after watching so
   * that an event between the two is not missed; in one event loop a single check suffices.)
   */
  tryCompleteElseWatch(op: T, keys: readonly string[]): boolean {
    assert(keys.length > 0, 'a delayed operation needs at least one key');
    if (op.tryComplete()) return true;
    for (const key of keys) {
      let set = this.watchers.get(key);
      if (set === undefined) this.watchers.set(key, (set = new Set()));
      set.add(op);
    }
    this.keysOf.set(op, keys);
    op.armTimer(this.scheduler, () => {
      this.expiredCount++;
      this.settle(op);
    });
    return false;
  }

  /** Operation -> the keys it is watched under; the source of truth for "waiting". */
  private readonly keysOf = new Map<T, readonly string[]>();

  private settle(op: T): void {
    const keys = this.keysOf.get(op);
    if (keys === undefined) return;
    this.keysOf.delete(op);
    for (const key of keys) {
      const set = this.watchers.get(key);
      if (set === undefined) continue;
      set.delete(op);
      if (set.size === 0) this.watchers.delete(key);
    }
  }

  /** Something changed for `key` (an append, a HW move): try the operations watching it. */
  checkAndComplete(key: string): number {
    const set = this.watchers.get(key);
    if (set === undefined) return 0;
    let completed = 0;
    for (const op of [...set]) {
      if (op.isCompleted) {
        this.settle(op);
        continue;
      }
      if (op.tryComplete()) {
        completed++;
        this.settle(op);
      }
    }
    return completed;
  }

  /** Completes `op` now if it still waits (its requester went away) and stops watching it. */
  cancel(op: T): void {
    if (!this.keysOf.has(op)) return;
    op.forceComplete();
    this.settle(op);
  }

  /** Waiting operations. */
  get size(): number {
    return this.keysOf.size;
  }

  watched(key: string): number {
    return this.watchers.get(key)?.size ?? 0;
  }

  /** Completes every waiting operation (shutdown: each answers with what it has). */
  shutdown(): void {
    for (const op of [...this.keysOf.keys()]) {
      op.forceComplete();
      this.settle(op);
    }
    this.watchers.clear();
  }
}
