import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { KafkaError } from '../../src/protocol/errors.js';

let cluster: EmbeddedCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster({ brokers: 1 });
  admin = new Admin({ bootstrapServers: cluster.bootstrapServers, clientId: 'admin-test' });
});
after(async () => {
  await admin.close();
  await cluster.stop();
});

test('create, list, describe, grow and delete a topic', async () => {
  const created = await admin.createTopics([{ name: 'a1', numPartitions: 3, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } }]);
  assert.equal(created[0]!.numPartitions, 3);
  assert.ok((await admin.listTopics()).includes('a1'));
  const [d] = await admin.describeTopics(['a1']);
  assert.equal(d!.partitions.length, 3);
  assert.deepEqual(d!.partitions.map((p) => p.leader), [0, 0, 0]);
  const [cfg] = await admin.describeConfigs([{ type: 'topic', name: 'a1' }]);
  const policy = cfg!.entries.find((e) => e.name === 'cleanup.policy');
  assert.equal(policy?.value, 'compact');
  assert.equal(policy?.isDefault, false);
  await admin.incrementalAlterConfigs([{ resource: { type: 'topic', name: 'a1' }, ops: [{ name: 'retention.ms', op: 'set', value: '1000' }] }]);
  const [cfg2] = await admin.describeConfigs([{ type: 'topic', name: 'a1', keys: ['retention.ms'] }]);
  assert.equal(cfg2!.entries[0]?.value, '1000');
  await admin.alterConfigs([{ resource: { type: 'topic', name: 'a1' }, configs: { 'retention.ms': '2000' } }]);
  const [cfg3] = await admin.describeConfigs([{ type: 'topic', name: 'a1', keys: ['retention.ms', 'cleanup.policy'] }]);
  assert.equal(cfg3!.entries.find((e) => e.name === 'retention.ms')?.value, '2000');
  assert.equal(cfg3!.entries.find((e) => e.name === 'cleanup.policy')?.isDefault, true, 'AlterConfigs replaces the whole set');
  await admin.createPartitions([{ topic: 'a1', count: 5 }]);
  assert.equal((await admin.describeTopics(['a1']))[0]!.partitions.length, 5);
  await assert.rejects(admin.createPartitions([{ topic: 'a1', count: 2 }]), (e: unknown) => e instanceof KafkaError && e.errorName === 'INVALID_PARTITIONS');
  await assert.rejects(admin.createTopics([{ name: 'a1', numPartitions: 1 }]), (e: unknown) => e instanceof KafkaError && e.errorName === 'TOPIC_ALREADY_EXISTS');
  const offsets = await admin.listOffsets([{ topic: 'a1', partition: 0, timestamp: -1n }]);
  assert.equal(offsets[0]!.offset, 0n);
  await admin.deleteTopics(['a1']);
  assert.ok(!(await admin.listTopics()).includes('a1'));
});

test('describeCluster names the controller and the brokers', async () => {
  const c = await admin.describeCluster();
  assert.equal(c.controllerId, 0);
  assert.deepEqual(c.brokers.map((b) => b.nodeId), [0]);
  assert.ok(c.clusterId !== null && c.clusterId.length > 0);
});

test('deleteRecords moves the log start offset; describeLogDirs reports the partitions', async () => {
  const { Producer } = await import('../../src/client/producer/producer.js');
  await admin.createTopics([{ name: 'dr', numPartitions: 1, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'dr', value: `v${i}` })));
  await producer.close();
  const [low] = await admin.deleteRecords([{ topic: 'dr', partition: 0, offset: 4n }]);
  assert.equal(low!.lowWatermark, 4n);
  const [earliest] = await admin.listOffsets([{ topic: 'dr', partition: 0, timestamp: -2n }]);
  assert.equal(earliest!.offset, 4n);
  const dirs = await admin.describeLogDirs();
  assert.ok(dirs.length >= 1);
  assert.ok(dirs.some((d) => d.partitions.some((p) => p.topic === 'dr' && p.partition === 0 && p.sizeBytes > 0n)));
});

test('consumer group offsets: alter, list, delete (a group with no members)', async () => {
  await admin.createTopics([{ name: 'go', numPartitions: 2, replicationFactor: 1 }]);
  await admin.alterConsumerGroupOffsets('offsets-group', [{ topic: 'go', partition: 0, offset: 3n }, { topic: 'go', partition: 1, offset: 5n }]);
  const listed = await admin.listConsumerGroupOffsets('offsets-group');
  assert.deepEqual(listed.map((o) => [o.topic, o.partition, o.offset]).sort(), [['go', 0, 3n], ['go', 1, 5n]]);
  assert.ok((await admin.listGroups()).some((g) => g.groupId === 'offsets-group'));
  await admin.deleteConsumerGroupOffsets('offsets-group', [{ topic: 'go', partition: 0 }]);
  const after = await admin.listConsumerGroupOffsets('offsets-group', [{ topic: 'go', partition: 0 }, { topic: 'go', partition: 1 }]);
  assert.deepEqual(after.map((o) => o.offset), [-1n, 5n]);
  const [deleted] = await admin.deleteGroups(['offsets-group']);
  assert.equal(deleted!.errorCode, 0);
  const [gone] = await admin.deleteGroups(['offsets-group']);
  assert.notEqual(gone!.errorCode, 0);
});

test('electLeaders: preferred election where the preferred replica already leads is not needed; unknown partitions say so', async () => {
  await admin.createTopics([{ name: 'elect', numPartitions: 2, replicationFactor: 1 }]);
  const res = await admin.electLeaders('preferred', [{ topic: 'elect', partition: 0 }, { topic: 'elect', partition: 1 }, { topic: 'no-such-topic', partition: 0 }]);
  const byKey = new Map(res.map((r) => [`${r.topic}-${r.partition}`, r.errorCode]));
  assert.equal(byKey.get('elect-0'), 84); // ELECTION_NOT_NEEDED
  assert.equal(byKey.get('elect-1'), 84);
  assert.equal(byKey.get('no-such-topic-0'), 3); // UNKNOWN_TOPIC_OR_PARTITION
});
