/**
 * KafkaJS (npm devDependency, always runs) against an embedded keeper + broker: admin
 * (create/list/describe/alter/delete topics, partitions, offsets) and the producer (acks,
 * gzip, idempotence).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs from 'kafkajs';
import { testCluster } from '../broker/helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

const { Kafka, logLevel, CompressionTypes, ConfigResourceTypes } = kafkajs;
let cluster: EmbeddedCluster;
let kafka: InstanceType<typeof Kafka>;

before(async () => {
  cluster = await testCluster();
  kafka = new Kafka({ clientId: 'gregor-test', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 5, initialRetryTime: 100 } });
});
after(async () => {
  await cluster?.stop();
});

/** KafkaJS errors carry Kafka's error name in `type`, aggregated ones in `errors`. */
function errorType(type: string): (e: unknown) => boolean {
  return (e: unknown) => {
    const err = e as { type?: string; errors?: { type?: string }[] };
    const types = [err.type, ...(err.errors ?? []).map((x) => x.type)];
    assert.ok(types.includes(type), `expected ${type}, got ${JSON.stringify(types)}`);
    return true;
  };
}

test('admin: create, list, describe, alter, grow and delete topics', async () => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] }], waitForLeaders: true }), true);
    assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false, 'already exists');
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] }), errorType('INVALID_TOPIC_EXCEPTION'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] }), errorType('INVALID_PARTITIONS'));
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'rf3', numPartitions: 1, replicationFactor: 3 }] }), errorType('INVALID_REPLICATION_FACTOR'));
    assert.ok((await admin.listTopics()).includes('orders'));
    const md = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.equal(md.topics[0]!.partitions.length, 3);
    assert.deepEqual(md.topics[0]!.partitions.map((p) => p.leader), [0, 0, 0]);

    const described = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['retention.ms', 'cleanup.policy'] }], includeSynonyms: false });
    const entries = described.resources[0]!.configEntries;
    assert.equal(entries.find((e) => e.configName === 'retention.ms')?.configValue, '3600000');
    assert.equal(entries.find((e) => e.configName === 'cleanup.policy')?.configValue, 'delete');

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
    const after2 = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: 'orders', configNames: ['retention.ms'] }], includeSynonyms: false });
    assert.equal(after2.resources[0]!.configEntries[0]!.configValue, '7200000');

    await admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 5 }] });
    const grown = await admin.fetchTopicMetadata({ topics: ['orders'] });
    assert.equal(grown.topics[0]!.partitions.length, 5);
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'orders', count: 2 }] }), errorType('INVALID_PARTITIONS'));

    await admin.deleteTopics({ topics: ['orders'], timeout: 5000 });
    assert.ok(!(await admin.listTopics()).includes('orders'));
  } finally {
    await admin.disconnect();
  }
});

test('producer: acks 1 and -1, gzip, idempotent; offsets advance by what was sent', async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'events', numPartitions: 2 }], waitForLeaders: true });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const messages = Array.from({ length: 100 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2, headers: { n: String(i) } }));
    const r1 = await producer.send({ topic: 'events', messages: messages.slice(0, 50), acks: -1 });
    assert.ok(r1.every((r) => r.errorCode === 0));
    const r2 = await producer.send({ topic: 'events', messages: messages.slice(50), acks: -1, compression: CompressionTypes.GZIP });
    assert.ok(r2.every((r) => r.errorCode === 0));
    const offsets = await admin.fetchTopicOffsets('events');
    assert.deepEqual(offsets.map((o) => [o.partition, o.high, o.low]).sort(), [[0, '50', '0'], [1, '50', '0']]);
    const byTime = await admin.fetchTopicOffsetsByTimestamp('events', Date.now() + 60_000);
    assert.deepEqual(byTime.map((o) => o.offset).sort(), ['50', '50']);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
