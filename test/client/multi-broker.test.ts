/**
 * Two brokers: partition leaders are spread over both, so the producer sends one request per
 * leader and the consumer fetches from each leader (one fetch session per broker); the group's
 * coordinator is whichever broker FindCoordinator names.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { Producer } from '../../src/client/producer/producer.js';

let cluster: EmbeddedCluster;

before(async () => {
  // The offsets topic is replicated to both brokers (Kafka's default of 3 needs three brokers).
  cluster = await startCluster({ brokers: 2, brokerConfig: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.replication.factor': 2 } });
});
after(async () => {
  await cluster.stop();
});

test('produce and consume across two leaders, bootstrapping from one broker only', async () => {
  const first = cluster.bootstrapServers.split(',')[0]!;
  const admin = new Admin({ bootstrapServers: first });
  await admin.createTopics([{ name: 'spread', numPartitions: 4, replicationFactor: 1 }]);
  const [d] = await admin.describeTopics(['spread']);
  const leaders = new Set(d!.partitions.map((p) => p.leader));
  assert.deepEqual([...leaders].sort(), [0, 1], 'leaders on both brokers');
  const producer = new Producer({ bootstrapServers: first });
  await Promise.all(Array.from({ length: 400 }, (_, i) => producer.send({ topic: 'spread', key: `k${i}`, value: `v${i}` })));
  await producer.close();
  const consumer = new Consumer({ bootstrapServers: first, groupId: 'spread-group', autoOffsetReset: 'earliest', heartbeatIntervalMs: 200 });
  consumer.subscribe(['spread']);
  const got: ConsumerRecord[] = [];
  const deadline = Date.now() + 20000;
  while (got.length < 400 && Date.now() < deadline) got.push(...(await consumer.poll({ timeoutMs: 300 })));
  await consumer.commit();
  await consumer.close();
  assert.equal(got.length, 400);
  assert.equal(new Set(got.map((r) => r.value!.toString())).size, 400);
  const committed = await admin.listConsumerGroupOffsets('spread-group');
  assert.equal(committed.reduce((n, c) => n + c.offset, 0n), 400n);
  await admin.close();
});

test('commit() after the coordinator moved: NOT_COORDINATOR makes the consumer look the coordinator up again', async () => {
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([{ name: 'moved-coordinator', numPartitions: 1, replicationFactor: 1 }]);
  // Heartbeats far apart, so that only the commit can notice the stale coordinator.
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'moved-coordinator-group', enableAutoCommit: false, heartbeatIntervalMs: 20_000, sessionTimeoutMs: 45_000 });
  try {
    consumer.subscribe(['moved-coordinator']);
    const deadline = Date.now() + 20_000;
    while (consumer.assignment().length === 0) {
      assert.ok(Date.now() < deadline, 'joined within 20 s');
      await consumer.poll({ timeoutMs: 300 });
    }
    // The cached coordinator is now the other broker (as after the coordinator moved): it answers NOT_COORDINATOR.
    const group = (consumer as unknown as { group: { coordinator: number } }).group;
    const real = group.coordinator;
    group.coordinator = real === 0 ? 1 : 0;
    await consumer.commit([{ topic: 'moved-coordinator', partition: 0, offset: 7n }]);
    assert.equal(group.coordinator, real);
    const committed = await admin.listConsumerGroupOffsets('moved-coordinator-group');
    assert.deepEqual(committed.map((c) => c.offset), [7n]);
  } finally {
    await consumer.close();
    await admin.close();
  }
});
