/**
 * Inter-broker replication on an embedded 3-broker cluster: followers fetch from leaders, the HW
 * follows the ISR, acks=all waits for every ISR member, leader failover keeps every acknowledged
 * record, and the ISR shrinks and expands with a follower's fetching.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Producer } from '../../src/client/index.js';
import { batchesOf, createReplicatedTopic, leaderOf, logOf, replicationCluster, waitUntil } from './replication/helpers.js';
import { readAll } from './replication/read.js';

let cluster: EmbeddedCluster;
before(async () => {
  cluster = await replicationCluster();
});
after(async () => {
  await cluster?.stop();
});

test('RF=3, acks=all: 10k records end up identical on every broker (offsets, leader epochs, batches), HW equal', { timeout: 90_000 }, async () => {
  await createReplicatedTopic(cluster.brokers[0]!, 'replicated');
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, acks: 'all', lingerMs: 2 });
  try {
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < 10_000; i++) sends.push(producer.send({ topic: 'replicated', partition: 0, value: `v${i}` }));
    const acked = await Promise.all(sends);
    assert.equal(acked.length, 10_000);
  } finally {
    await producer.close();
  }
  const leader = leaderOf(cluster, 'replicated');
  assert.ok(leader >= 0);
  const leaderLog = logOf(cluster.brokers[leader]!, 'replicated')!;
  assert.equal(leaderLog.logEndOffset, 10_000n);
  // acks=all answered only after every ISR member had the records: the leader's HW is at the end.
  assert.equal(leaderLog.highWatermark, 10_000n);
  const converged = await waitUntil(() => cluster.brokers.every((b) => {
    const log = logOf(b, 'replicated');
    return log !== undefined && log.logEndOffset === 10_000n && log.highWatermark === 10_000n;
  }));
  assert.ok(converged, `LEO/HW per broker: ${cluster.brokers.map((b) => `${logOf(b, 'replicated')?.logEndOffset}/${logOf(b, 'replicated')?.highWatermark}`).join(' ')}`);
  const reference = batchesOf(cluster.brokers[leader]!, 'replicated');
  assert.equal(reference.reduce((n, b) => n + b.recordCount, 0), 10_000);
  for (const b of cluster.brokers) assert.deepEqual(batchesOf(b, 'replicated'), reference, `broker ${b.brokerId}'s copy`);
  const read = await readAll(cluster.brokers[leader]!, 'replicated');
  assert.equal(read.errorCode, 0);
  assert.deepEqual(read.records.map((r) => r.value), Array.from({ length: 10_000 }, (_, i) => `v${i}`));
  assert.ok(cluster.brokers[leader]!.services.fetchSessions.size >= 2, 'the followers fetch in incremental fetch sessions');
  const state = cluster.brokers[leader]!.metadata.snapshot().topics.get('replicated')!.partitions[0]!;
  assert.deepEqual([...state.isr].sort(), [0, 1, 2]);
});
