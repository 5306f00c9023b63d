/**
 * Server switches a deployment sets in server.properties: advertised.listeners (what Metadata
 * publishes), auto.create.topics.enable=false (Metadata for a missing topic creates nothing)
 * and delete.topic.enable=false (DeleteTopics answers TOPIC_DELETION_DISABLED, the topic stays).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
let c: RawClient;

before(async () => {
  cluster = await testCluster({
    brokerConfig: { 'advertised.listeners': 'PLAINTEXT://gregor.example:19999', 'auto.create.topics.enable': false, 'delete.topic.enable': false },
  });
  // The bootstrap string is the advertised one; connect to the bound port instead.
  c = await RawClient.connect(`127.0.0.1:${cluster.brokers[0]!.listeners[0]!.port}`);
});
after(async () => {
  c?.close();
  await cluster?.stop();
});

const metadata = (name: string, allowAutoTopicCreation: boolean) =>
  c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name }], allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });

test('advertised.listeners is what Metadata publishes; no auto-creation when auto.create.topics.enable=false', async () => {
  const md = await metadata('not-created', true);
  assert.deepEqual(md.brokers.map((b: any) => [b.nodeId, b.host, b.port]), [[0, 'gregor.example', 19999]]);
  assert.equal(md.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal(cluster.brokers[0]!.metadata.snapshot().topics.has('not-created'), false);
});

test('delete.topic.enable=false: DeleteTopics answers TOPIC_DELETION_DISABLED and the topic stays', async () => {
  const created = await c.request(19, 7, { topics: [{ name: 'kept', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0].errorCode, 0);
  const del = await c.request(20, 6, { topics: [{ name: 'kept', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], topicNames: [], timeoutMs: 5000 });
  assert.equal(del.responses[0].errorCode, ErrorCode.TOPIC_DELETION_DISABLED);
  const md = await metadata('kept', false);
  assert.equal(md.topics[0].errorCode, 0);
});
