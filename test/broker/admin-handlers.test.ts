/**
 * The admin handlers over raw frames: DeleteRecords, DescribeLogDirs, DescribeCluster,
 * DescribeTopicPartitions paging, OffsetForLeaderEpoch, ListOffsets special timestamps,
 * DescribeConfigs sources/synonyms, IncrementalAlterConfigs, CreateTopics validateOnly and
 * errors, DeleteTopics by id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
let c: RawClient;

before(async () => {
  cluster = await testCluster({ brokerConfig: { 'log.retention.minutes': 30 } });
  c = await RawClient.connect(cluster.bootstrapServers);
});
after(async () => {
  c?.close();
  await cluster?.stop();
});

async function create(name: string, numPartitions: number, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await c.request(19, 7, { topics: [{ name, numPartitions, replicationFactor: 1, assignments: [], configs: [], ...extra }], timeoutMs: 5000, validateOnly: false });
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get(name)?.partitions.every((p) => p.leader === 0) === true, 5000);
  return r.topics[0];
}

async function produceValues(topic: string, partition: number, values: string[], timestamp = BigInt(Date.now())): Promise<void> {
  const records = encodeRecordBatch({ records: values.map((v, i) => ({ key: null, value: Buffer.from(v), timestamp: timestamp + BigInt(i) })) });
  const r = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: partition, records }] }] }));
  assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
}

test('CreateTopics: validateOnly writes nothing; errors carry Kafka codes; v7 returns configs and a topic id', async () => {
  const v = await c.request(19, 7, { topics: [{ name: 'dry', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: true });
  assert.equal(v.topics[0].errorCode, 0);
  assert.ok(!cluster.brokers[0]!.metadata.snapshot().topics.has('dry'));
  const bad = await c.request(19, 7, {
    topics: [
      { name: 'bad!', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
      { name: 'badcfg', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: 'soon' }] },
      { name: 'rf', numPartitions: 1, replicationFactor: 4, assignments: [], configs: [] },
    ],
    timeoutMs: 5000,
    validateOnly: false,
  });
  assert.deepEqual(bad.topics.map((t: any) => t.errorCode), [ErrorCode.INVALID_TOPIC_EXCEPTION, ErrorCode.INVALID_CONFIG, ErrorCode.INVALID_REPLICATION_FACTOR]);
  const t = await create('created', 2, { configs: [{ name: 'cleanup.policy', value: 'compact' }] });
  assert.equal(t.errorCode, 0);
  assert.notEqual(t.topicId, 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(t.numPartitions, 2);
  const policy = t.configs.find((x: any) => x.name === 'cleanup.policy');
  assert.deepEqual([policy.value, policy.configSource], ['compact', 1]);
  const retention = t.configs.find((x: any) => x.name === 'retention.ms');
  assert.deepEqual([retention.value, retention.configSource], ['1800000', 4], 'log.retention.minutes=30 from server.properties');
  const again = await c.request(19, 7, { topics: [{ name: 'created', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(again.topics[0].errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});

test('ListOffsets -1/-2/-3 and timestamps; DeleteRecords raises the log start offset', async () => {
  await create('offsets', 1);
  const base = BigInt(Date.now()) - 10_000n;
  await produceValues('offsets', 0, ['a', 'b', 'c', 'd', 'e'], base);
  const list = async (timestamp: bigint) => (await c.request(2, 7, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }] }] })).topics[0].partitions[0];
  assert.equal((await list(-1n)).offset, 5n);
  assert.equal((await list(-2n)).offset, 0n);
  const max = await list(-3n);
  assert.deepEqual([max.offset, max.timestamp], [4n, base + 4n]);
  const at = await list(base + 2n);
  assert.deepEqual([at.offset, at.timestamp], [2n, base + 2n]);
  assert.equal((await list(base + 100n)).offset, -1n, 'no record that late');

  const del = await c.request(21, 2, { topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 5000 });
  assert.deepEqual([del.topics[0].partitions[0].errorCode, del.topics[0].partitions[0].lowWatermark], [0, 3n]);
  assert.equal((await list(-2n)).offset, 3n);
  const beyond = await c.request(21, 2, { topics: [{ name: 'offsets', partitions: [{ partitionIndex: 0, offset: 99n }] }], timeoutMs: 5000 });
  assert.equal(beyond.topics[0].partitions[0].errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('DescribeCluster, DescribeLogDirs, OffsetForLeaderEpoch', async () => {
  await create('dirs', 2);
  await produceValues('dirs', 1, ['x']);
  const cl = await c.request(60, 1, { includeClusterAuthorizedOperations: false, endpointType: 1 });
  assert.equal(cl.errorCode, 0);
  assert.equal(cl.controllerId, 0);
  assert.deepEqual(cl.brokers.map((b: any) => b.brokerId), [0]);
  const dirs = await c.request(35, 4, { topics: [{ topic: 'dirs', partitions: [0, 1] }] });
  assert.equal(dirs.results.length, 1);
  const parts = dirs.results[0].topics[0].partitions.sort((a: any, b: any) => a.partitionIndex - b.partitionIndex);
  assert.deepEqual(parts.map((p: any) => p.partitionIndex), [0, 1]);
  assert.ok(parts[1].partitionSize > 0n);
  assert.ok(dirs.results[0].totalBytes > 0n);
  const e = await c.request(23, 4, { replicaId: -1, topics: [{ topic: 'dirs', partitions: [{ partition: 1, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] });
  assert.deepEqual([e.topics[0].partitions[0].errorCode, e.topics[0].partitions[0].endOffset], [0, 1n]);
});

test('DescribeTopicPartitions pages with a cursor', async () => {
  await create('paged-a', 3);
  await create('paged-b', 2);
  const first = await c.request(75, 0, { topics: [{ name: 'paged-a' }, { name: 'paged-b' }], responsePartitionLimit: 4, cursor: null });
  assert.deepEqual(first.topics.map((t: any) => [t.name, t.partitions.length]), [['paged-a', 3], ['paged-b', 1]]);
  assert.deepEqual(first.nextCursor, { topicName: 'paged-b', partitionIndex: 1 });
  const second = await c.request(75, 0, { topics: [{ name: 'paged-a' }, { name: 'paged-b' }], responsePartitionLimit: 4, cursor: first.nextCursor });
  assert.deepEqual(second.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.partitionIndex)]), [['paged-b', [1]]]);
  assert.equal(second.nextCursor, null);
});

test('DescribeConfigs with synonyms; IncrementalAlterConfigs on topics and read-only broker keys', async () => {
  await create('cfg', 1);
  const inc = await c.request(44, 1, { resources: [{ resourceType: 2, resourceName: 'cfg', configs: [{ name: 'retention.ms', configOperation: 0, value: '60000' }] }], validateOnly: false });
  assert.equal(inc.responses[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get('cfg')?.configs['retention.ms'] === '60000', 5000);
  const d = await c.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: ['retention.ms'] }], includeSynonyms: true, includeDocumentation: true });
  const entry = d.results[0].configs[0];
  assert.equal(entry.value, '60000');
  assert.equal(entry.configSource, 1);
  assert.deepEqual(entry.synonyms.map((s: any) => [s.name, s.source]), [['retention.ms', 1], ['log.retention.minutes', 4]]);
  assert.ok(entry.documentation.length > 0);
  const ro = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '0', configs: [{ name: 'broker.id', configOperation: 0, value: '7' }] }], validateOnly: false });
  assert.equal(ro.responses[0].errorCode, ErrorCode.INVALID_REQUEST);
  const broker = await c.request(32, 4, { resources: [{ resourceType: 4, resourceName: '0', configurationKeys: ['log.retention.minutes', 'num.partitions'] }], includeSynonyms: false, includeDocumentation: false });
  assert.deepEqual(broker.results[0].configs.map((x: any) => [x.name, x.value, x.configSource]).sort(), [['log.retention.minutes', '30', 4], ['num.partitions', '1', 5]]);
  const unknown = await c.request(32, 4, { resources: [{ resourceType: 2, resourceName: 'nope', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
  assert.equal(unknown.results[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('DeleteTopics by topic id (v6) and by name', async () => {
  const t = await create('gone', 1);
  const byId = await c.request(20, 6, { topics: [{ name: null, topicId: t.topicId }], topicNames: [], timeoutMs: 5000 });
  assert.deepEqual([byId.responses[0].errorCode, byId.responses[0].name], [0, 'gone']);
  const missing = await c.request(20, 6, { topics: [{ name: 'never-was', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 5000 });
  assert.equal(missing.responses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('dynamic cluster-wide broker default: set through IncrementalAlterConfigs, described with its source, and obeyed (min.insync.replicas)', async () => {
  await create('dyn', 1);
  const set = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'min.insync.replicas', configOperation: 0, value: '2' }] }], validateOnly: false });
  assert.equal(set.responses[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.brokerConfigs.get('<default>')?.['min.insync.replicas'] === '2', 5000);
  const d = await c.request(32, 4, { resources: [{ resourceType: 4, resourceName: '', configurationKeys: null }], includeSynonyms: false, includeDocumentation: false });
  assert.deepEqual(d.results[0].configs.map((x: any) => [x.name, x.value, x.configSource]), [['min.insync.replicas', '2', 3]]);
  const own = await c.request(32, 4, { resources: [{ resourceType: 4, resourceName: '0', configurationKeys: ['min.insync.replicas'] }], includeSynonyms: true, includeDocumentation: false });
  assert.deepEqual(own.results[0].configs[0].synonyms.map((s: any) => [s.value, s.source]), [['2', 3], ['1', 5]]);
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: BigInt(Date.now()) }] });
  const r = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: 'dyn', partitionData: [{ index: 0, records }] }] }));
  assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  const unset = await c.request(44, 1, { resources: [{ resourceType: 4, resourceName: '', configs: [{ name: 'min.insync.replicas', configOperation: 1, value: null }] }], validateOnly: false });
  assert.equal(unset.responses[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.brokerConfigs.get('<default>')?.['min.insync.replicas'] === undefined, 5000);
});

test('ElectLeaders: a preferred election where the preferred replica leads answers ELECTION_NOT_NEEDED', async () => {
  await create('elect', 1);
  const r = await c.request(43, 2, { electionType: 0, topicPartitions: [{ topic: 'elect', partitions: [0] }], timeoutMs: 5000 });
  assert.equal(r.errorCode, 0);
  assert.deepEqual(r.replicaElectionResults.map((t: any) => [t.topic, t.partitionResult.map((p: any) => [p.partitionId, p.errorCode])]), [['elect', [[0, ErrorCode.ELECTION_NOT_NEEDED]]]]);
});
