/**
 * Drives a GroupCoordinatorShard the way the broker's shell does, but synchronously and with a
 * manual clock: replies are collected by request id, appends "commit" at once (or fail, or are
 * held back when `holdAppends` is set), and every committed record is also kept in `log` so a
 * test can reload a fresh shard from it (what a new leader of the partition does).
 */
import type { RequestOrigin } from '../../../src/broker/group/classic-group-manager.js';
import type { Append, ShardOutput } from '../../../src/broker/group/effects.js';
import { defaultGroupConfig, type GroupConfig } from '../../../src/broker/group/group-config.js';
import { GroupCoordinatorShard } from '../../../src/broker/group/group-coordinator-shard.js';
import { decodeCoordinatorRecord, encodeRecordKey, encodeRecordValue, type CoordinatorRecord } from '../../../src/broker/group/records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

export class ShardDriver {
  nowMs = 1_000_000;
  shard: GroupCoordinatorShard;
  readonly replies = new Map<number, any>();
  /** Committed records, round-tripped through Kafka's byte format. */
  readonly log: CoordinatorRecord[] = [];
  /** Appends not completed yet (when holdAppends). */
  readonly held: Append[] = [];
  holdAppends = false;
  failAppendsWith: number = ErrorCode.NONE;
  private requestSeq = 0;
  private memberSeq = 0;

  constructor(readonly config: GroupConfig = { ...defaultGroupConfig, initialRebalanceDelayMs: 0 }) {
    this.shard = new GroupCoordinatorShard(0, config, this.nowMs);
  }

  origin(apiVersion = 9, clientId = 'client'): RequestOrigin {
    return { requestId: ++this.requestSeq, apiVersion, clientId, clientHost: '/127.0.0.1' };
  }

  newMemberId(clientId = 'client'): string {
    return `${clientId}-${++this.memberSeq}`;
  }

  /** Applies an output: replies recorded, appends completed (unless held). */
  apply(out: ShardOutput): void {
    for (const r of out.replies) this.replies.set(r.requestId, r.response);
    for (const a of out.appends) {
      if (this.holdAppends) this.held.push(a);
      else this.complete(a, this.failAppendsWith);
    }
  }

  complete(a: Append, errorCode: number): void {
    if (errorCode === ErrorCode.NONE) {
      for (const r of a.records) {
        const back = decodeCoordinatorRecord(encodeRecordKey(r), encodeRecordValue(r));
        this.log.push(back!);
      }
    }
    this.apply(this.shard.appendCompleted(a.appendId, a.records, errorCode, this.nowMs));
  }

  releaseHeld(errorCode: number = ErrorCode.NONE): void {
    const held = this.held.splice(0);
    for (const a of held) this.complete(a, errorCode);
  }

  advance(ms: number): void {
    const target = this.nowMs + ms;
    // Fire deadlines in order, as the shell's timer would.
    for (let i = 0; i < 10_000; i++) {
      const next = this.shard.nextDeadlineMs();
      if (next > target) break;
      this.nowMs = Math.max(this.nowMs, next);
      this.apply(this.shard.tick(this.nowMs));
    }
    this.nowMs = target;
    this.apply(this.shard.tick(this.nowMs));
  }

  /** A new shard loaded from the committed log (the partition moved to a new leader). */
  reload(): void {
    this.shard = new GroupCoordinatorShard(0, this.config, this.nowMs);
    for (const r of this.log) this.shard.replay(r, this.nowMs, true);
  }

  /** Sends a request; returns its id (the reply may come later). */
  send(f: (s: GroupCoordinatorShard, o: RequestOrigin) => ShardOutput, apiVersion = 9, clientId = 'client'): number {
    const o = this.origin(apiVersion, clientId);
    this.apply(f(this.shard, o));
    return o.requestId;
  }

  reply<T = any>(requestId: number): T | undefined {
    return this.replies.get(requestId) as T | undefined;
  }
}
