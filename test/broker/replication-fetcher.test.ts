/**
 * ReplicaFetcher against a scripted leader (a real UnifiedLog answering OffsetForLeaderEpoch and
 * Fetch through a fake connection), on a real follower log: KIP-279's truncation loop (the
 * leader answers an older epoch than asked; the follower cuts back and asks again), then
 * fetching the leader's batches as they are, taking its HW; errors back off and then recover.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiName, RequestOf, ResponseOf } from '../../src/protocol/api.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import { Partition } from '../../src/broker/replica/partition.js';
import { ReplicaFetcher, type FetcherConnection } from '../../src/broker/replica/replica-fetcher.js';
import { LogManager } from '../../src/storage/log-manager.js';
import type { UnifiedLog } from '../../src/storage/unified-log.js';
import { systemClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../helpers/paths.js';
import { waitUntil } from './replication/helpers.js';

const quiet = createLogger({ level: 'silent' });
const dirs: { cleanup: () => void }[] = [];
const managers: LogManager[] = [];
after(async () => {
  for (const m of managers) await m.shutdown();
  for (const d of dirs) d.cleanup();
});

async function openLog(name: string): Promise<UnifiedLog> {
  const dir = tempDir(`gregor-fetcher-${name}-`);
  dirs.push(dir);
  const m = await LogManager.open({ logDirs: [dir.path], clock: systemClock, logger: quiet, backgroundTasks: false });
  managers.push(m);
  return m.getOrCreateLog({ topic: 't', partition: 0 });
}

function write(log: UnifiedLog, epoch: number, values: string[]): void {
  log.append(encodeRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0n })) }), { leaderEpoch: epoch, origin: 'client' });
}

function everything(log: UnifiedLog): Buffer {
  return log.read(log.logStartOffset, { maxBytes: 1 << 20, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'leo' }).records;
}

/** A leader on a real log; `failures` scripted error codes answered before normal fetch responses. */
class ScriptedLeader implements FetcherConnection {
  readonly alive = true;
  readonly asked: number[] = [];
  fetchFailures: number[] = [];
  constructor(private readonly log: UnifiedLog, private readonly leaderEpoch: number) {}
  versionOf(): number {
    return 12; // topic names, no topic ids
  }
  close(): void {}
  async request<N extends ApiName>(name: N, body: RequestOf<N>): Promise<ResponseOf<N>> {
    await new Promise((r) => setImmediate(r));
    if (name === 'OffsetForLeaderEpoch') {
      const req = body as RequestOf<'OffsetForLeaderEpoch'>;
      const p = req.topics[0]!.partitions[0]!;
      this.asked.push(p.leaderEpoch);
      const r = this.log.endOffsetForEpoch(p.leaderEpoch);
      return { throttleTimeMs: 0, topics: [{ topic: 't', partitions: [{ errorCode: 0, partition: 0, leaderEpoch: r.leaderEpoch, endOffset: r.endOffset }] }] } as unknown as ResponseOf<N>;
    }
    const req = body as RequestOf<'Fetch'>;
    const p = req.topics[0]!.partitions[0]!;
    assert.equal(req.replicaId, 2, 'fetches as replica 2');
    assert.equal(p.currentLeaderEpoch, this.leaderEpoch);
    const failure = this.fetchFailures.shift();
    const base = { partitionIndex: 0, highWatermark: this.log.highWatermark, lastStableOffset: this.log.highWatermark, logStartOffset: this.log.logStartOffset, abortedTransactions: null, preferredReadReplica: -1 };
    let data;
    if (failure !== undefined) data = { ...base, errorCode: failure, records: null };
    else if (p.fetchOffset < this.log.logStartOffset || p.fetchOffset > this.log.logEndOffset) data = { ...base, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, records: null };
    else data = { ...base, errorCode: 0, records: this.log.read(p.fetchOffset, { maxBytes: p.partitionMaxBytes, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'leo' }).records };
    return { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [data] }] } as unknown as ResponseOf<N>;
  }
}

function fetcherFor(p: Partition, leader: ScriptedLeader): ReplicaFetcher {
  return new ReplicaFetcher({
    sourceBrokerId: 1, fetcherId: 0, localBrokerId: 2, brokerEpoch: () => 7n,
    endpointOf: () => ({ host: '127.0.0.1', port: 1 }), connect: async () => leader, partitionFor: () => p,
    settings: { waitMaxMs: 10, minBytes: 1, partitionMaxBytes: 1 << 20, responseMaxBytes: 1 << 20, backoffMs: 20, socketTimeoutMs: 1000 },
    clock: systemClock, logger: quiet,
  });
}

test('truncation asks again until leader and follower agree on an epoch (KIP-279), then fetches the leader\'s batches as they are', { timeout: 30_000 }, async () => {
  // Leader: epochs 1@0, 3@3, 5@5 — follower: epochs 1@0, 2@3, 4@6 (it led in epochs 2 and 4 alone).
  const leaderLog = await openLog('leader');
  write(leaderLog, 1, ['a', 'b', 'c']);
  write(leaderLog, 3, ['d', 'e']);
  write(leaderLog, 5, ['f', 'g', 'h', 'i']);
  leaderLog.highWatermark = 8n;
  const followerLog = await openLog('follower');
  write(followerLog, 1, ['a', 'b', 'c']);
  write(followerLog, 2, ['X', 'Y', 'Z']);
  write(followerLog, 4, ['V', 'W']);

  const p = new Partition('t', 0, 2, 'AAAAAAAAAAAAAAAAAAAAAA');
  p.makeFollower({ leader: 1, leaderEpoch: 5, isr: [1, 2], replicas: [1, 2], partitionEpoch: 0 }, followerLog);
  const leader = new ScriptedLeader(leaderLog, 5);
  leader.fetchFailures = [ErrorCode.NOT_LEADER_OR_FOLLOWER];
  const fetcher = fetcherFor(p, leader);
  fetcher.addPartition(p);
  fetcher.start();
  try {
    const done = await waitUntil(() => followerLog.logEndOffset === leaderLog.logEndOffset && followerLog.highWatermark === 8n, 10_000);
    assert.ok(done, `follower LEO ${followerLog.logEndOffset} HW ${followerLog.highWatermark}`);
  } finally {
    await fetcher.shutdown();
  }
  // Asked for 4 (the follower's latest): the leader's epoch <= 4 is 3, ending at 5; the follower
  // has no epoch 3, so it cut back to where its epoch 2 ends (6) and asked for 2: the leader's
  // epoch 1 ends at 3 there, and so does the follower's — truncated to 3, then fetched.
  assert.deepEqual(leader.asked, [4, 2]);
  assert.deepEqual(everything(followerLog), everything(leaderLog), 'byte-identical batches: offsets and leader epochs kept');
  assert.deepEqual(followerLog.leaderEpochCache.entries().map((e) => [e.epoch, e.startOffset]), [[1, 0n], [3, 3n], [5, 5n]]);
  assert.equal(fetcher.stateOf('t', 0)!.phase, 'fetching');
});

test('a new replica behind the leader\'s log start (DeleteRecords inside a batch) starts at the batch and takes the leader\'s log start', { timeout: 30_000 }, async () => {
  const leaderLog = await openLog('leader-lso');
  write(leaderLog, 1, ['a', 'b', 'c', 'd', 'e']);
  write(leaderLog, 1, ['f']);
  leaderLog.highWatermark = 6n;
  leaderLog.deleteRecordsBefore(3n); // inside the first batch (offsets 0-4)
  const followerLog = await openLog('follower-lso');
  const p = new Partition('t', 0, 2, 'AAAAAAAAAAAAAAAAAAAAAA');
  p.makeFollower({ leader: 1, leaderEpoch: 1, isr: [1], replicas: [1, 2], partitionEpoch: 0 }, followerLog);
  const fetcher = fetcherFor(p, new ScriptedLeader(leaderLog, 1));
  fetcher.addPartition(p);
  fetcher.start();
  try {
    const done = await waitUntil(() => followerLog.logEndOffset === 6n && followerLog.highWatermark === 6n, 10_000);
    assert.ok(done, `follower LEO ${followerLog.logEndOffset} start ${followerLog.logStartOffset}`);
  } finally {
    await fetcher.shutdown();
  }
  assert.equal(followerLog.logStartOffset, 3n, 'the leader\'s log start');
  assert.deepEqual(followerLog.read(3n, { maxBytes: 1 << 20, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'leo' }).records, leaderLog.read(3n, { maxBytes: 1 << 20, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'leo' }).records);
});

test('shutdown while connecting: the loop ends at once (no idle wait left behind to hold the process)', { timeout: 20_000 }, async () => {
  const log = await openLog('follower-shutdown');
  const p = new Partition('t', 0, 2, 'AAAAAAAAAAAAAAAAAAAAAA');
  p.makeFollower({ leader: 1, leaderEpoch: 1, isr: [1], replicas: [1, 2], partitionEpoch: 0 }, log);
  let connected!: () => void;
  const connecting = new Promise<void>((r) => (connected = r));
  const leader = new ScriptedLeader(log, 1);
  let closed = false;
  leader.close = () => {
    closed = true;
  };
  const fetcher = new ReplicaFetcher({
    sourceBrokerId: 1, fetcherId: 0, localBrokerId: 2, brokerEpoch: () => 7n,
    endpointOf: () => ({ host: '127.0.0.1', port: 1 }),
    connect: async () => {
      await connecting;
      return leader;
    },
    partitionFor: () => p,
    settings: { waitMaxMs: 10, minBytes: 1, partitionMaxBytes: 1 << 20, responseMaxBytes: 1 << 20, backoffMs: 60_000, socketTimeoutMs: 60_000 },
    clock: systemClock, logger: quiet,
  });
  fetcher.addPartition(p);
  fetcher.start();
  await new Promise((r) => setImmediate(r));
  const stopped = fetcher.shutdown();
  connected();
  await stopped; // with a 60 s idle left behind this would not resolve within the test's timeout
  assert.ok(closed, 'the connection made after shutdown is closed');
});
