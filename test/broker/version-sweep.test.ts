/**
 * Every advertised version of the data-path APIs and the topic admin APIs answers a well-formed
 * request (encoders refuse fields a version does not have, so this checks that handlers fill
 * version-dependent fields correctly).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
import { createMetadataRequest } from '../../src/protocol/generated/metadata.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
let c: RawClient;
let versions: Map<number, { minVersion: number; maxVersion: number }>;

before(async () => {
  cluster = await testCluster();
  c = await RawClient.connect(cluster.bootstrapServers);
  const av = await c.request(18, 3, { clientSoftwareName: 'sweep', clientSoftwareVersion: '1' });
  versions = new Map(av.apiKeys.map((k: any) => [k.apiKey, k]));
  const created = await c.request(19, 5, { topics: [{ name: 'sweep', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get('sweep')?.partitions[0]?.leader === 0, 5000);
});
after(async () => {
  c?.close();
  await cluster?.stop();
});

function range(apiKey: number): number[] {
  const v = versions.get(apiKey)!;
  return Array.from({ length: v.maxVersion - v.minVersion + 1 }, (_, i) => v.minVersion + i);
}

test('Produce, Fetch, Metadata and ListOffsets answer at every advertised version', async () => {
  const topicId = cluster.brokers[0]!.metadata.snapshot().topics.get('sweep')!.topicId.toString('base64url');
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: BigInt(Date.now()) }] });
  for (const v of range(0)) {
    const r = await c.request(0, v, createProduceRequest({ acks: -1, timeoutMs: 1000, topicData: [{ name: 'sweep', partitionData: [{ index: 0, records }] }] }));
    assert.equal(r.responses[0].partitionResponses[0].errorCode, 0, `Produce v${v}`);
  }
  for (const v of range(1)) {
    const f = await c.request(1, v, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: v >= 13 ? '' : 'sweep', topicId: v >= 13 ? topicId : 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: v >= 5 ? 0n : -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] }));
    assert.equal(f.responses[0].partitions[0].errorCode, 0, `Fetch v${v}`);
    assert.ok(f.responses[0].partitions[0].records.length > 0, `Fetch v${v} returns records`);
  }
  for (const v of range(3)) {
    const m = await c.request(3, v, createMetadataRequest({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'sweep' }], allowAutoTopicCreation: v < 4 }));
    assert.deepEqual([m.topics[0].errorCode, m.topics[0].partitions[0].leaderId], [0, 0], `Metadata v${v}`);
  }
  for (const v of range(2)) {
    const l = await c.request(2, v, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: 'sweep', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
    const p = l.topics[0].partitions[0];
    const offset = v === 0 ? p.oldStyleOffsets[0] : p.offset; // v0 answers a list of offsets
    assert.deepEqual([v, p.errorCode, offset], [v, 0, BigInt(range(0).length)]);
  }
});

test('CreateTopics, DeleteTopics, DescribeConfigs and InitProducerId answer at every advertised version', async () => {
  for (const v of range(19)) {
    const r = await c.request(19, v, { topics: [{ name: `sweep-${v}`, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
    assert.equal(r.topics[0].errorCode, 0, `CreateTopics v${v}`);
  }
  for (const v of range(20)) {
    const r = await c.request(20, v, v >= 6 ? { topics: [{ name: `sweep-${v}`, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 5000 } : { topics: [], topicNames: [`sweep-${v}`], timeoutMs: 5000 });
    assert.equal(r.responses[0].errorCode, 0, `DeleteTopics v${v}`);
  }
  for (const v of range(32)) {
    const r = await c.request(32, v, { resources: [{ resourceType: 2, resourceName: 'sweep', configurationKeys: ['retention.ms'] }], includeSynonyms: v >= 1, includeDocumentation: v >= 3 });
    assert.deepEqual([r.results[0].errorCode, r.results[0].configs[0].name], [0, 'retention.ms'], `DescribeConfigs v${v}`);
  }
  for (const v of range(22)) {
    const r = await c.request(22, v, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    assert.equal(r.errorCode, 0, `InitProducerId v${v}`);
  }
});
