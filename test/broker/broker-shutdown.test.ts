/**
 * A closed connection's long poll and shutdown leave nothing waiting: operations in the purgatories (long-poll fetches here) are
 * completed and their expiry timers cleared, by a clean stop() and by crash() alike — a timer
 * left behind would keep an embedding process alive until max.wait.ms passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import type { Broker } from '../../src/broker/broker.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

async function waitFor(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(check(), `timed out waiting for ${what}`);
}

for (const how of ['stop', 'crash'] as const) {
  test(`${how}() completes the long polls waiting in the fetch purgatory`, { timeout: 60_000 }, async () => {
    const cluster = await testCluster();
    const broker: Broker = cluster.brokers[0]!;
    const c = await RawClient.connect(cluster.bootstrapServers);
    try {
      const created = await c.request(19, 5, { topics: [{ name: 'idle', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
      assert.equal(created.topics[0].errorCode, 0);
      await broker.metadata.waitFor((md) => md.topics.get('idle')?.partitions.every((p) => p.leader === 0) === true, 10_000);
      await waitFor('leadership', () => broker.replicaManager.getPartition('idle', 0)?.isLeader === true);
      const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' };
      c.send(1, 12, createFetchRequest({ maxWaitMs: 600_000, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'idle', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part] }] }));
      await waitFor('the fetch to wait', () => broker.replicaManager.fetchPurgatory.size === 1);
      if (how === 'crash') await broker.crash();
      else await broker.stop();
      assert.equal(broker.replicaManager.fetchPurgatory.size, 0, 'nothing left waiting (and no expiry timer armed)');
    } finally {
      c.close();
      await cluster.stop();
    }
  });
}

test('a long poll whose connection closes leaves the fetch purgatory at once (not at max.wait.ms)', { timeout: 60_000 }, async () => {
  const cluster = await testCluster();
  const broker: Broker = cluster.brokers[0]!;
  const clients: RawClient[] = [];
  try {
    const admin = await RawClient.connect(cluster.bootstrapServers);
    clients.push(admin);
    const created = await admin.request(19, 5, { topics: [{ name: 'idle', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, 0);
    await waitFor('leadership', () => broker.replicaManager.getPartition('idle', 0)?.isLeader === true);
    const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' };
    // Connections that each leave a 10-minute long poll behind and go away.
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.connect(cluster.bootstrapServers);
      clients.push(c);
      c.send(1, 12, createFetchRequest({ maxWaitMs: 600_000, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'idle', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part] }] }));
      await waitFor('the fetch to wait', () => broker.replicaManager.fetchPurgatory.size === 1);
      c.close();
      await waitFor('the closed connection\'s fetch to leave the purgatory', () => broker.replicaManager.fetchPurgatory.size === 0);
    }
    // A connection that stays still gets its answer when data arrives.
    const consumer = await RawClient.connect(cluster.bootstrapServers);
    clients.push(consumer);
    consumer.send(1, 12, createFetchRequest({ maxWaitMs: 600_000, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'idle', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part] }] }));
    await waitFor('the fetch to wait', () => broker.replicaManager.fetchPurgatory.size === 1);
    const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 0n }] });
    const p = await admin.request(0, 9, createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name: 'idle', partitionData: [{ index: 0, records }] }] }));
    assert.equal(p.responses[0].partitionResponses[0].errorCode, 0);
    const f = await consumer.response(1, 12);
    assert.ok(f.body.responses[0].partitions[0].records.length > 0);
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
});

test('an acks=all produce whose connection closes leaves the produce purgatory at once (not at its timeout)', { timeout: 60_000 }, async () => {
  // Two brokers, replication factor 2, the follower's fetching stopped: acks=all waits.
  const cluster = await testCluster({ brokers: 2 });
  const clients: RawClient[] = [];
  try {
    const admin = await RawClient.connect(cluster.brokers[0]!.bootstrap);
    clients.push(admin);
    const created = await admin.request(19, 5, { topics: [{ name: 'waits', numPartitions: 1, replicationFactor: 2, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, 0);
    const leaderOf = () => cluster.brokers.find((b) => b.replicaManager.getPartition('waits', 0)?.isLeader === true);
    await waitFor('a leader', () => leaderOf() !== undefined);
    const leader = leaderOf()!;
    const follower = cluster.brokers.find((b) => b !== leader)!;
    await waitFor('the follower replica', () => follower.replicaManager.getPartition('waits', 0) !== undefined);
    follower.replicaManager.replicaFetchers?.removeFetcherForPartition('waits', 0);
    const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: 0n }] });
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(leader.bootstrap);
      clients.push(c);
      c.send(0, 9, createProduceRequest({ acks: -1, timeoutMs: 600_000, topicData: [{ name: 'waits', partitionData: [{ index: 0, records }] }] }));
      await waitFor('the produce to wait', () => leader.replicaManager.producePurgatory.size === 1);
      c.close();
      await waitFor('the closed connection\'s produce to leave the purgatory', () => leader.replicaManager.producePurgatory.size === 0);
    }
    // acks=1 from a connection that stays is answered at once, after the three appends.
    const c = await RawClient.connect(leader.bootstrap);
    clients.push(c);
    const p = await c.request(0, 9, createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name: 'waits', partitionData: [{ index: 0, records }] }] }));
    assert.equal(p.responses[0].partitionResponses[0].errorCode, 0);
    assert.equal(p.responses[0].partitionResponses[0].baseOffset, 3n);
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
});
