/**
 * The producer and a consumer under load while a broker restarts in a replicated cluster, as a
 * Kafka operator restarts brokers one at a time: the broker that leads half the partitions is
 * stopped (leadership moves to the other ISR member), started again on its log directory (it
 * catches up and rejoins the ISR), and the controller's automatic preferred-leader election
 * (auto.leader.rebalance.enable) hands its partitions back while the producer keeps sending to
 * the interim leader — which now answers NOT_LEADER_OR_FOLLOWER. The idempotent producer
 * (max.in.flight=5) refreshes its metadata and retries, and every record lands exactly once, in
 * order per key; the consumer follows the moving leaders and reads them all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { Producer, type RecordMetadata } from '../../src/client/producer/producer.js';
import { createLogger } from '../../src/util/logger.js';
import { waitFor } from '../helpers/wait.js';

test('a broker restarted under load: leadership moves away and back, the producer retries NOT_LEADER_OR_FOLLOWER, nothing lost, nothing twice, order kept', { timeout: 180_000 }, async () => {
  const cluster = await startCluster({
    brokers: 2,
    logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }),
    brokerConfig: {
      'replica.fetch.backoff.ms': 50, 'replica.fetch.wait.max.ms': 200, 'replica.lag.time.max.ms': 3000,
      // The controller moves leadership back to preferred replicas soon after they return.
      'auto.leader.rebalance.enable': true, 'leader.imbalance.check.interval.seconds': 1, 'leader.imbalance.per.broker.percentage': 0,
      'controlled.shutdown.retry.backoff.ms': 100,
    },
  });
  let restarted: Broker | null = null;
  const bootstrap = cluster.bootstrapServers;
  const admin = new Admin({ bootstrapServers: bootstrap });
  const producer = new Producer({
    bootstrapServers: bootstrap, acks: 'all', enableIdempotence: true, maxInFlightRequestsPerConnection: 5,
    lingerMs: 2, retryBackoffMs: 20, retryBackoffMaxMs: 200, requestTimeoutMs: 5000, deliveryTimeoutMs: 120_000,
  });
  const consumer = new Consumer({ bootstrapServers: bootstrap, autoOffsetReset: 'earliest', retryBackoffMs: 50 });
  try {
    // Two partitions, RF=2: broker 0 prefers partition 0, broker 1 partition 1.
    await admin.createTopics([{ name: 'moving', replicaAssignment: new Map([[0, [0, 1]], [1, [1, 0]]]) }]);
    const leaders = async (): Promise<number[]> => (await admin.describeTopics(['moving']))[0]!.partitions.map((p) => p.leader);
    const isrSizes = async (): Promise<number[]> => (await admin.describeTopics(['moving']))[0]!.partitions.map((p) => p.isr.length);
    await waitFor('both replicas in sync', async () => (await isrSizes()).every((n) => n === 2));
    assert.deepEqual(await leaders(), [0, 1]);

    consumer.assign([{ topic: 'moving', partition: 0 }, { topic: 'moving', partition: 1 }]);
    const got: ConsumerRecord[] = [];
    let consuming = true;
    const consumerLoop = (async () => {
      while (consuming) got.push(...(await consumer.poll({ timeoutMs: 200 })));
    })();

    const keys = 10;
    const sends: Promise<RecordMetadata>[] = [];
    let i = 0;
    const sendSome = async (n: number): Promise<void> => {
      for (const end = i + n; i < end; i++) {
        sends.push(producer.send({ topic: 'moving', key: `k${i % keys}`, value: `m${i}` }));
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 2));
      }
    };
    await sendSome(1000);

    // Restart broker 1 while records keep flowing: its partition moves to broker 0 meanwhile.
    const old = cluster.brokers[1]!;
    const stopping = old.stop();
    await sendSome(500);
    await stopping;
    await waitFor('broker 0 leads both partitions', async () => (await leaders()).every((l) => l === 0));
    await sendSome(500);
    restarted = await Broker.start({ config: old.config, logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }) });

    // Keep sending while broker 1 catches up and the controller gives partition 1 back to it.
    const deadline = Date.now() + 60_000;
    while ((await leaders())[1] !== 1) {
      assert.ok(Date.now() < deadline, 'partition 1 back on its preferred leader within 60 s');
      await sendSome(100);
    }
    await sendSome(1000);
    const acks = await Promise.all(sends);
    const total = i;
    assert.equal(acks.length, total);

    const m = producer.metrics();
    console.log(`${total} records; retries by cause: ${JSON.stringify(m.retriesByCause)}`);
    assert.ok((m.retriesByCause.NOT_LEADER_OR_FOLLOWER ?? 0) > 0, `the producer met NOT_LEADER_OR_FOLLOWER (${JSON.stringify(m.retriesByCause)})`);
    assert.equal(m.recordsSent, total);
    assert.equal(m.recordErrors, 0);

    await waitFor('the consumer has read everything', async () => got.length >= total, 60_000);
    consuming = false;
    await consumerLoop;
    assert.equal(got.length, total, 'no record read twice');
    assert.equal(new Set(got.map((r) => r.value!.toString())).size, total, 'every record once');
    for (let k = 0; k < keys; k++) {
      const seq = got.filter((r) => r.key!.toString() === `k${k}`).map((r) => Number(r.value!.toString().slice(1)));
      assert.deepEqual(seq, [...seq].sort((a, b) => a - b), `key k${k} in send order`);
    }
    // The acknowledged offsets are what the consumer read, partition by partition.
    for (const p of [0, 1]) {
      const ackedOffsets = acks.filter((a) => a.partition === p).map((a) => a.offset).sort((a, b) => (a < b ? -1 : 1));
      const readOffsets = got.filter((r) => r.partition === p).map((r) => r.offset);
      assert.deepEqual(readOffsets, ackedOffsets, `partition ${p}`);
    }
  } finally {
    await consumer.close();
    await producer.close({ timeoutMs: 2000 });
    await admin.close();
    await restarted?.stop();
    await cluster.stop();
  }
});
