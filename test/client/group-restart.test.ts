/**
 * A group member while its coordinator (the only broker) restarts: heartbeats, commits, the rejoin
 * and fetches meet refused connections for a while. As with the Java consumer, poll() does not
 * throw for that — the member finds the coordinator again, rejoins and goes on from its commits.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer } from '../../src/client/consumer/consumer.js';
import { Producer } from '../../src/client/producer/producer.js';
import { createLogger } from '../../src/util/logger.js';
import { freePort } from '../helpers/ports.js';

test('a group member rides through its coordinator\'s restart: poll() keeps going, every record is read', { timeout: 120_000 }, async () => {
  const logger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });
  const cluster = await startCluster({ brokers: 1, port: await freePort(), logger, brokerConfig: { 'group.initial.rebalance.delay.ms': 0 } });
  let restarted: Broker | null = null;
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([{ name: 'rg', numPartitions: 2, replicationFactor: 1 }]);
  await admin.close();
  const consumer = new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId: 'restart-group', autoOffsetReset: 'earliest', heartbeatIntervalMs: 200,
    autoCommitIntervalMs: 200, retryBackoffMs: 50, requestTimeoutMs: 5000,
  });
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 1, retryBackoffMs: 20, requestTimeoutMs: 5000 });
  const seen = new Set<string>();
  const errors: string[] = [];
  let polling = true;
  consumer.subscribe(['rg']);
  const loop = (async () => {
    while (polling) {
      try {
        for (const r of await consumer.poll({ timeoutMs: 200 })) seen.add(r.value!.toString());
      } catch (err) {
        errors.push(String(err));
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  })();
  const waitFor = async (what: string, cond: () => boolean, boundMs = 60_000): Promise<void> => {
    const deadline = Date.now() + boundMs;
    while (!cond()) {
      assert.ok(Date.now() < deadline, `not within ${boundMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  try {
    await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic: 'rg', value: `a${i}` })));
    await waitFor('the first 100 records', () => seen.size === 100);
    const old = cluster.brokers[0]!;
    await old.stop();
    await new Promise((r) => setTimeout(r, 2000)); // the member meets refused connections meanwhile
    restarted = await Broker.start({ config: old.config, logger });
    await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic: 'rg', value: `b${i}` })));
    await waitFor('the 100 records sent after the restart', () => seen.size === 200);
    assert.deepEqual(errors, [], 'poll() threw');
  } finally {
    polling = false;
    await loop;
    await consumer.close();
    await producer.close({ timeoutMs: 2000 });
    await restarted?.stop();
    await cluster.stop();
  }
});
