/**
 * The record accumulator: per-partition queues of batches being filled, the buffer.memory
 * budget (appends wait for space, in order, up to max.block.ms) and the readiness rule
 * (full, older than linger.ms, or a flush / close / waiting appender in progress).
 *
 * A batch owns the memory of its records until it completes (acknowledged or failed).
 */
import type { RecordInput } from '../../protocol/records/batch.js';
import { ClientError } from '../errors.js';

export interface RecordMetadata {
  topic: string;
  partition: number;
  /** -1 with acks=0 */
  offset: bigint;
  timestamp: bigint;
}

export type DeliveryCallback = (err: Error | null, metadata: RecordMetadata | null) => void;

/** Bytes a record is charged against buffer.memory and batch.size (its encoded size, roughly). */
export function estimateRecordBytes(r: RecordInput): number {
  let n = 21 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers ?? []) n += 2 + h.key.length + (h.value?.length ?? 0);
  return n;
}

/** Batch overhead (RecordBatch header). */
const BATCH_OVERHEAD_BYTES = 61;

export class ProducerBatch {
  readonly records: RecordInput[] = [];
  readonly callbacks: (DeliveryCallback | undefined)[] = [];
  bytes = BATCH_OVERHEAD_BYTES;
  /** Sequence of the first record once drained (idempotent producer), else -1. */
  baseSequence = -1;
  /** The encoded batch, kept for retries (same bytes, same sequence). */
  encoded: Buffer | null = null;
  attempts = 0;
  /** Retry backoff: not sent again before this (performance.now() ms). */
  notBeforeMs = 0;
  done = false;
  readonly completion: Promise<void>;
  private resolveCompletion!: () => void;

  constructor(readonly topic: string, readonly partition: number, readonly createdMs: number) {
    this.completion = new Promise((resolve) => (this.resolveCompletion = resolve));
  }

  tryAppend(record: RecordInput, bytes: number, callback: DeliveryCallback | undefined, batchSize: number): boolean {
    if (this.encoded !== null) return false;
    if (this.records.length > 0 && this.bytes + bytes > batchSize) return false;
    this.records.push(record);
    this.callbacks.push(callback);
    this.bytes += bytes;
    return true;
  }

  /** Reports the outcome to every record's callback, once. */
  complete(err: Error | null, baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.records.length; i++) {
      const cb = this.callbacks[i];
      if (cb === undefined) continue;
      if (err !== null) cb(err, null);
      else {
        const ts = logAppendTimeMs >= 0n ? logAppendTimeMs : this.records[i]!.timestamp ?? -1n;
        cb(null, { topic: this.topic, partition: this.partition, offset: baseOffset < 0n ? -1n : baseOffset + BigInt(i), timestamp: ts });
      }
    }
    this.resolveCompletion();
  }
}

export class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  /** Batches of this partition in flight. */
  inFlight = 0;
  /** Next sequence number (idempotent producer). */
  nextSequence = 0;
  constructor(readonly topic: string, readonly partition: number) {}
}

interface Waiter {
  bytes: number;
  resolve(): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/** The buffer.memory budget: reserve() waits (FIFO) until enough has been released. */
export class BufferPool {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly totalBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** Reserves `bytes`; resolves at once when there is room, else waits up to `maxBlockMs`. */
  reserve(bytes: number, maxBlockMs: number, signal?: AbortSignal): Promise<void> | null {
    if (bytes > this.totalBytes) {
      return Promise.reject(new ClientError('GREGOR_ERR_BUFFER_EXHAUSTED', `record of ${bytes} bytes is larger than buffer.memory (${this.totalBytes})`));
    }
    if (this.waiters.length === 0 && this.used + bytes <= this.totalBytes) {
      this.used += bytes;
      return null;
    }
    if (signal?.aborted === true) return Promise.reject(new ClientError('GREGOR_ERR_ABORTED', 'send aborted', { cause: signal.reason }));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
        timer: setTimeout(() => {
          // A long-lived signal must not collect one listener per timed-out append.
          signal?.removeEventListener('abort', onAbort);
          this.remove(waiter);
          reject(new ClientError('GREGOR_ERR_BUFFER_EXHAUSTED', `failed to allocate ${bytes} bytes within max.block.ms (${maxBlockMs}); buffer.memory ${this.totalBytes} is full`, { retriable: true }));
        }, maxBlockMs),
      };
      const onAbort = (): void => {
        clearTimeout(waiter.timer);
        this.remove(waiter);
        reject(new ClientError('GREGOR_ERR_ABORTED', 'send aborted', { cause: signal?.reason }));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.used -= bytes;
    while (this.waiters.length > 0 && this.used + this.waiters[0]!.bytes <= this.totalBytes) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.used += w.bytes;
      w.resolve();
    }
  }

  failAll(err: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
  }

  private remove(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i >= 0) this.waiters.splice(i, 1);
    // A waiter that gave up may unblock the ones behind it.
    this.release(0);
  }
}
