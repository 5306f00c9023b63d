/**
 * Limits and the remaining produce/fetch paths: max.connections, connections.max.idle.ms,
 * min.insync.replicas (NOT_ENOUGH_REPLICAS), fetch by topic id (v13+) and UNKNOWN_TOPIC_ID,
 * and the Prometheus endpoint's counters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import { startMetricsServer, type MetricsServer } from '../../src/console/metrics-server.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
let metrics: MetricsServer;
const clients: RawClient[] = [];

before(async () => {
  cluster = await testCluster({ brokerConfig: { 'max.connections': 4, 'connections.max.idle.ms': 400, 'default.replication.factor': 3 } });
  metrics = await startMetricsServer({ host: '127.0.0.1', port: 0, sources: cluster.brokers.map((b) => b.metrics) });
});
after(async () => {
  for (const c of clients) c.close();
  await metrics?.close();
  await cluster?.stop();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(cluster.bootstrapServers);
  clients.push(c);
  return c;
}

const apiVersions = { clientSoftwareName: 'limits', clientSoftwareVersion: '1' };

test('max.connections: connections beyond the limit are closed; idle ones close after connections.max.idle.ms', async () => {
  const open = [await client(), await client(), await client(), await client()];
  for (const c of open) assert.equal((await c.request(18, 3, apiVersions)).errorCode, 0);
  const extra = await client();
  assert.ok(await extra.waitClosed(2000), 'the fifth connection is refused');
  for (const c of open) assert.ok(await c.waitClosed(5000), 'idle connections are closed');
  const again = await client();
  assert.equal((await again.request(18, 3, apiVersions)).errorCode, 0, 'served again once below the limit');
  again.close();
});

test('acks=all below min.insync.replicas: NOT_ENOUGH_REPLICAS, nothing written; acks=1 still succeeds', async () => {
  const c = await client();
  const created = await c.request(19, 7, { topics: [{ name: 'minisr', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'min.insync.replicas', value: '2' }] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get('minisr')?.partitions[0]?.leader === 0, 5000);
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: BigInt(Date.now()) }] });
  const produce = (acks: number) => c.request(0, 9, createProduceRequest({ acks, timeoutMs: 2000, topicData: [{ name: 'minisr', partitionData: [{ index: 0, records }] }] }));
  assert.equal((await produce(-1)).responses[0].partitionResponses[0].errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  const ok = (await produce(1)).responses[0].partitionResponses[0];
  assert.deepEqual([ok.errorCode, ok.baseOffset], [0, 0n], 'the refused batch was not written');

  // Fetch v13 names topics by id; an unknown id gets UNKNOWN_TOPIC_ID.
  const topicId = created.topics[0].topicId as string;
  const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' };
  const f = await c.request(1, 13, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: '', topicId, partitions: [part] }, { topic: '', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [part] }] }));
  assert.equal(f.responses[0].topicId, topicId);
  assert.deepEqual([f.responses[0].partitions[0].errorCode, f.responses[0].partitions[0].highWatermark], [0, 1n]);
  assert.equal(f.responses[1].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
});

test('auto-creation that cannot succeed (default.replication.factor 3 on one broker) answers INVALID_REPLICATION_FACTOR', async () => {
  const c = await client();
  const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto-rf3' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.equal(md.topics[0].errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  c.close();
});

test('Prometheus endpoint: bytes/messages in per topic, request counts and latency, partition count, log size, under-replicated partitions', async () => {
  const res = await fetch(metrics.url);
  assert.equal(res.status, 200);
  const text = await res.text();
  const expected = [
    /^kafka_server_brokertopicmetrics_messagesin_total\{topic="minisr",broker="0"\} 1$/m,
    /^kafka_server_brokertopicmetrics_bytesin_total\{topic="minisr",broker="0"\} \d+$/m,
    /^kafka_server_brokertopicmetrics_messagesout_total\{topic="minisr",broker="0"\} 1$/m,
    /^kafka_server_brokertopicmetrics_bytesout_total\{topic="minisr",broker="0"\} [1-9]\d*$/m,
    /^kafka_network_requestmetrics_requests_total\{request="Produce",version="9",broker="0"\} 2$/m,
    /^kafka_network_requestmetrics_totaltimems_count\{[^}]*request="ApiVersions"[^}]*\} \d+$/m,
    /^kafka_server_replicamanager_partitioncount\{broker="0"\} 1$/m,
    /^kafka_server_replicamanager_underreplicatedpartitions\{broker="0"\} 0$/m,
    /^kafka_network_requestmetrics_errors_total\{[^}]*error="NOT_ENOUGH_REPLICAS"[^}]*\} 1$/m,
    /^kafka_log_log_size\{topic="minisr",partition="0",broker="0"\} \d+$/m,
  ];
  for (const re of expected) assert.match(text, re, `missing ${re}`);
  assert.equal((await fetch(metrics.url.replace('/metrics', '/nope'))).status, 404);
});
