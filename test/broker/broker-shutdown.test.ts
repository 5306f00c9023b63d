/**
 * Shutdown leaves nothing waiting: operations in the purgatories (long-poll fetches here) are
 * completed and their expiry timers cleared, by a clean stop() and by crash() alike — a timer
 * left behind would keep an embedding process alive until max.wait.ms passes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
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
