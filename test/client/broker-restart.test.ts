/**
 * The producer under load while the only broker restarts: requests fail (connection lost), the
 * producer refreshes metadata and retries, and with idempotence every record lands exactly once
 * and in order. With one broker there is no other replica to lead meanwhile, so the causes seen
 * here are connection errors; NOT_LEADER_OR_FOLLOWER from a real leadership move (a broker of a
 * replicated cluster restarted under load) is test/client/leader-move.test.ts, and the scripted
 * broker of test/client/producer.test.ts drives it with max.in.flight=5 at chosen moments.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { Producer, type RecordMetadata } from '../../src/client/producer/producer.js';
import { freePort } from '../helpers/ports.js';

test('idempotent producer rides through a broker restart: all records, once, in order', async () => {
  const cluster = await startCluster({ brokers: 1, port: await freePort() });
  let restarted: Broker | null = null;
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, lingerMs: 1, retryBackoffMs: 20, retryBackoffMaxMs: 200, requestTimeoutMs: 5000 });
  try {
    await admin.createTopics([{ name: 'restart', numPartitions: 2, replicationFactor: 1 }]);
    await admin.close();
    const n = 3000;
    const sends: Promise<RecordMetadata>[] = [];
    for (let i = 0; i < n; i++) {
      sends.push(producer.send({ topic: 'restart', key: `k${i % 10}`, value: `m${i}` }));
      if (i % 100 === 99) await new Promise((r) => setTimeout(r, 5));
      if (i === 1000) {
        const old = cluster.brokers[0]!;
        await old.stop();
        restarted = await Broker.start({ config: old.config });
      }
    }
    const acks = await Promise.all(sends);
    assert.equal(acks.length, n);
    const m = producer.metrics();
    console.log(`retries by cause: ${JSON.stringify(m.retriesByCause)}`);
    assert.ok(m.retries > 0, `the restart caused retries (${JSON.stringify(m.retriesByCause)})`);
    assert.equal(m.recordsSent, n);
    assert.equal(m.recordErrors, 0);
    const consumer = new Consumer({ bootstrapServers: restarted!.bootstrap, autoOffsetReset: 'earliest' });
    consumer.assign([{ topic: 'restart', partition: 0 }, { topic: 'restart', partition: 1 }]);
    const got: ConsumerRecord[] = [];
    const deadline = Date.now() + 20000;
    while (got.length < n && Date.now() < deadline) got.push(...(await consumer.poll({ timeoutMs: 500 })));
    await consumer.close();
    assert.equal(got.length, n);
    assert.equal(new Set(got.map((r) => r.value!.toString())).size, n, 'no duplicates');
    // Per key (one partition each), the records are in the order they were sent.
    for (let k = 0; k < 10; k++) {
      const seq = got.filter((r) => r.key!.toString() === `k${k}`).map((r) => Number(r.value!.toString().slice(1)));
      assert.deepEqual(seq, [...seq].sort((a, b) => a - b), `key k${k} in order`);
      assert.equal(seq.length, n / 10);
    }
  } finally {
    await producer.close({ timeoutMs: 2000 });
    await restarted?.stop();
    await cluster.stop();
  }
});
