/**
 * ReplicaManager / Partition on an in-memory log and a manual scheduler: the HW from the ISR,
 * acks=all waiting for followers (completed by their fetches, or REQUEST_TIMED_OUT), delayed
 * fetches woken by appends, leadership changes and errors for partitions not hosted here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import { BrokerMetrics } from '../../src/broker/metrics/broker-metrics.js';
import { highWatermarkOf } from '../../src/broker/replica/partition.js';
import type { LogAppendResult, LogReadResult, PartitionLog } from '../../src/broker/replica/partition-log.js';
import { ReplicaManager, type FetchPartitionData, type ProducePartitionResult } from '../../src/broker/replica/replica-manager.js';
import type { Scheduler } from '../../src/broker/replica/purgatory.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';

/** A log of opaque one-record "batches": enough to exercise offsets, HW and reads. */
class MemoryLog implements PartitionLog {
  readonly batches: Buffer[] = [];
  private hw = 0n;
  get highWatermark(): bigint {
    return this.hw;
  }
  set highWatermark(v: bigint) {
    this.hw = v < 0n ? 0n : v > this.logEndOffset ? this.logEndOffset : v;
  }
  logStartOffset = 0n;
  get logEndOffset(): bigint {
    return BigInt(this.batches.length);
  }
  get lastStableOffset(): bigint {
    return this.hw;
  }
  latestEpoch: number | undefined = 0;
  append(records: Buffer): LogAppendResult {
    const offset = this.logEndOffset;
    this.batches.push(records);
    return { firstOffset: offset, lastOffset: offset, maxTimestamp: -1n, logAppendTimeMs: -1n, logStartOffset: 0n, duplicate: false, recordCount: 1, validBytes: records.length };
  }
  read(offset: bigint, o: { maxBytes: number; upperBound?: 'hw' | 'lso' | 'leo' | bigint }): LogReadResult {
    if (offset > this.logEndOffset) throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, String(offset));
    const end = o.upperBound === 'leo' ? this.logEndOffset : this.hw;
    const out: Buffer[] = [];
    for (let i = Number(offset); i < Number(end) && out.reduce((n, b) => n + b.length, 0) < o.maxBytes; i++) out.push(this.batches[i]!);
    return { records: Buffer.concat(out), highWatermark: this.hw, lastStableOffset: this.hw, logStartOffset: 0n, logEndOffset: this.logEndOffset, abortedTransactions: null };
  }
  offsetForTimestamp() {
    return null;
  }
  deleteRecordsBefore() {}
  endOffsetForEpoch() {
    return null;
  }
  truncateTo() {}
}

class ManualScheduler implements Scheduler {
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  constructor(private readonly clock: ManualClock) {}
  schedule(delayMs: number, fn: () => void): () => void {
    const t = { at: this.clock.monotonicMs() + delayMs, fn, live: true };
    this.timers.push(t);
    return () => (t.live = false);
  }
  advance(ms: number): void {
    this.clock.advance(ms);
    for (const t of this.timers.filter((x) => x.live && x.at <= this.clock.monotonicMs())) {
      t.live = false;
      t.fn();
    }
  }
}

function setup(isr: number[], replicas: number[]) {
  const clock = new ManualClock(1000);
  const scheduler = new ManualScheduler(clock);
  const logs = new Map<string, MemoryLog>();
  const rm = new ReplicaManager({
    brokerId: 1,
    logs: {
      getOrCreateLog: (tp) => {
        const k = `${tp.topic}-${tp.partition}`;
        if (!logs.has(k)) logs.set(k, new MemoryLog());
        return logs.get(k)!;
      },
      deleteLog: (tp) => logs.delete(`${tp.topic}-${tp.partition}`),
      updateConfig: () => undefined,
    },
    clock,
    logger: createLogger({ level: 'silent' }),
    metrics: new BrokerMetrics(1),
    minInSyncReplicas: () => 2,
    topicConfigs: () => ({}),
    topicPartitionExists: (topic) => topic === 't' || topic === 'elsewhere',
    scheduler,
  });
  rm.applyLeadershipChanges([{ kind: 'become-leader', topic: 't', topicId: Buffer.alloc(16, 1), partition: 0, leader: 1, leaderEpoch: 3, isr, replicas, partitionEpoch: 0, controllerEpoch: 1, isNew: true }]);
  return { rm, scheduler, clock, log: logs.get('t-0')! };
}

function produce(rm: ReplicaManager, acks: number, timeoutMs = 1000) {
  let result: ProducePartitionResult[] | null = null;
  rm.appendRecords(timeoutMs, acks, [{ topic: 't', partition: 0, records: Buffer.from('batch') }], (r) => (result = r));
  return () => result;
}

test('highWatermarkOf: minimum LEO over the ISR; an ISR follower that never fetched holds it back', () => {
  const remotes = new Map([[2, { logEndOffset: 5n, lastCaughtUpTimeMs: 0 }], [3, { logEndOffset: -1n, lastCaughtUpTimeMs: 0 }]]);
  assert.equal(highWatermarkOf(10n, [1], 1, remotes), 10n);
  assert.equal(highWatermarkOf(10n, [1, 2], 1, remotes), 5n);
  assert.equal(highWatermarkOf(10n, [1, 2, 3], 1, remotes), -1n);
});

test('acks=all waits for the ISR follower and completes when its fetch passes the batch', () => {
  const { rm, log } = setup([1, 2], [1, 2]);
  const result = produce(rm, -1);
  assert.equal(result(), null, 'waiting in the purgatory');
  assert.equal(rm.producePurgatory.size, 1);
  assert.equal(log.highWatermark, 0n);
  // The follower fetches from offset 1: it has the batch at offset 0.
  let data: FetchPartitionData[] | null = null;
  rm.fetchMessages({ replicaId: 2, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolation: 'read_uncommitted', partitions: [{ topic: 't', partition: 0, fetchOffset: 1n, maxBytes: 1 << 20, currentLeaderEpoch: 3 }] }, (d) => (data = d));
  assert.ok(data !== null);
  assert.equal(log.highWatermark, 1n);
  assert.deepEqual(result()?.map((r) => [r.errorCode, r.baseOffset]), [[0, 0n]]);
  assert.equal(rm.producePurgatory.size, 0);
});

test('acks=all times out with REQUEST_TIMED_OUT; acks=1 answers at once; a small ISR refuses acks=all', () => {
  const { rm, scheduler } = setup([1, 2], [1, 2]);
  const slow = produce(rm, -1, 500);
  scheduler.advance(499);
  assert.equal(slow(), null);
  scheduler.advance(1);
  assert.equal(slow()![0]!.errorCode, ErrorCode.REQUEST_TIMED_OUT);
  assert.equal(produce(rm, 1)()![0]!.errorCode, ErrorCode.NONE);

  const shrunk = setup([1], [1, 2]);
  assert.equal(produce(shrunk.rm, -1)()![0]!.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(shrunk.log.logEndOffset, 0n, 'nothing appended');
});

test('a consumer fetch waits for min.bytes and is woken when the HW moves; expiry answers empty', () => {
  const { rm, scheduler, log } = setup([1], [1]);
  let data: FetchPartitionData[] | null = null;
  const params = { replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolation: 'read_uncommitted' as const, partitions: [{ topic: 't', partition: 0, fetchOffset: 0n, maxBytes: 1 << 20, currentLeaderEpoch: -1 }] };
  rm.fetchMessages(params, (d) => (data = d));
  assert.equal(data, null);
  produce(rm, 1);
  assert.ok(data !== null, 'the append woke the fetch');
  assert.equal((data as FetchPartitionData[])[0]!.records!.toString(), 'batch');
  assert.equal(log.highWatermark, 1n);

  let later: FetchPartitionData[] | null = null;
  rm.fetchMessages({ ...params, partitions: [{ ...params.partitions[0]!, fetchOffset: 1n }] }, (d) => (later = d));
  scheduler.advance(500);
  assert.ok(later !== null);
  assert.equal((later as FetchPartitionData[])[0]!.records!.length, 0);
});

test('errors: fenced and unknown leader epochs, partitions hosted elsewhere, unknown topics, stop-replica', () => {
  const { rm } = setup([1], [1]);
  const code = (topic: string, epoch: number) => {
    try {
      rm.leaderPartitionOrError(topic, 0, epoch);
      return 0;
    } catch (err) {
      return (err as KafkaError).errorCode;
    }
  };
  assert.equal(code('t', 3), 0);
  assert.equal(code('t', 2), ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(code('t', 4), ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal(code('elsewhere', -1), ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(code('nothing', -1), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  rm.applyLeadershipChanges([{ kind: 'stop-replica', topic: 't', topicId: Buffer.alloc(16, 1), partition: 0, deletePartition: true, controllerEpoch: 1 }]);
  assert.equal(code('t', -1), ErrorCode.NOT_LEADER_OR_FOLLOWER);
});

test('a consumer long poll waiting on the HW completes when a follower fetch moves it', () => {
  const { rm, log } = setup([1, 2], [1, 2]);
  produce(rm, 1);
  assert.equal(log.highWatermark, 0n, 'the follower has not fetched yet');
  let consumer: FetchPartitionData[] | null = null;
  rm.fetchMessages({ replicaId: -1, maxWaitMs: 10_000, minBytes: 1, maxBytes: 1 << 20, isolation: 'read_uncommitted', partitions: [{ topic: 't', partition: 0, fetchOffset: 0n, maxBytes: 1 << 20, currentLeaderEpoch: -1 }] }, (d) => (consumer = d));
  assert.equal(consumer, null);
  rm.fetchMessages({ replicaId: 2, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolation: 'read_uncommitted', partitions: [{ topic: 't', partition: 0, fetchOffset: 1n, maxBytes: 1 << 20, currentLeaderEpoch: -1 }] }, () => undefined);
  assert.ok(consumer !== null, 'woken by the HW move');
  assert.equal((consumer as FetchPartitionData[])[0]!.records!.toString(), 'batch');
});

test('a consumer fetching past the HW (within the log) waits like Kafka\'s DelayedFetch, not answered at once; past the LEO it is answered at once', () => {
  const { rm, scheduler, log } = setup([1, 2], [1, 2]);
  produce(rm, 1);
  produce(rm, 1);
  rm.fetchMessages({ replicaId: 2, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolation: 'read_uncommitted', partitions: [{ topic: 't', partition: 0, fetchOffset: 1n, maxBytes: 1 << 20, currentLeaderEpoch: -1 }] }, () => undefined);
  assert.deepEqual([log.highWatermark, log.logEndOffset], [1n, 2n]);
  const fetchAt = (fetchOffset: bigint) => {
    let data: FetchPartitionData[] | null = null;
    rm.fetchMessages({ replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes: 1 << 20, isolation: 'read_uncommitted', partitions: [{ topic: 't', partition: 0, fetchOffset, maxBytes: 1 << 20, currentLeaderEpoch: -1 }] }, (d) => (data = d));
    return () => data as FetchPartitionData[] | null;
  };
  const pastHw = fetchAt(2n); // e.g. a consumer that read from the old leader before a leader change
  assert.equal(pastHw(), null, 'nothing visible: it waits instead of spinning on empty answers');
  assert.equal(rm.fetchPurgatory.size, 1);
  scheduler.advance(500);
  assert.equal(pastHw()![0]!.records!.length, 0);
  const pastLeo = fetchAt(3n);
  assert.equal(pastLeo()![0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE, 'out of range is answered at once');
});
