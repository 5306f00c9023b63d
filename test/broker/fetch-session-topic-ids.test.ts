/**
 * Fetch sessions by topic id (v13+, KIP-516) through the broker's Fetch handler: a session opened
 * while the broker's metadata does not know a topic id yet (a topic just created; the consumer's
 * metadata came from another broker) answers UNKNOWN_TOPIC_ID only until the broker learns the
 * id — the cached partition keeps its id and is resolved again on every request, as Kafka's
 * FetchSession does — and a cached partition whose id the broker no longer knows answers
 * UNKNOWN_TOPIC_ID instead of being read under its old name.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import type { ClusterMetadata } from '../../src/broker/metadata/metadata-service.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
const clients: RawClient[] = [];

before(async () => {
  cluster = await testCluster();
});
after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

async function client(): Promise<RawClient> {
  const c = await RawClient.connect(cluster.bootstrapServers);
  clients.push(c);
  return c;
}

/** Creates a one-partition topic holding one record; returns its topic id. */
async function topicWithOneRecord(c: RawClient, name: string): Promise<string> {
  const created = await c.request(19, 7, { topics: [{ name, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0].errorCode, 0);
  assert.ok(await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get(name)?.partitions[0]?.leader === 0, 5000));
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('v'), timestamp: BigInt(Date.now()) }] });
  const p = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name, partitionData: [{ index: 0, records }] }] }));
  assert.equal(p.responses[0].partitionResponses[0].errorCode, 0);
  return created.topics[0].topicId as string;
}

/** The broker's metadata as if it did not know `topic` (yet, or any more). */
function hideTopic(topic: string): () => void {
  const metadata = cluster.brokers[0]!.metadata;
  const real = metadata.snapshot.bind(metadata);
  const without = (): ClusterMetadata => {
    const md = real();
    const t = md.topics.get(topic);
    if (t === undefined) return md;
    const topics = new Map(md.topics);
    topics.delete(topic);
    const topicsById = new Map(md.topicsById);
    topicsById.delete(t.topicId.toString('base64url'));
    return { ...md, topics, topicsById };
  };
  Object.defineProperty(metadata, 'snapshot', { value: without, configurable: true, writable: true });
  return () => {
    delete (metadata as { snapshot?: unknown }).snapshot;
  };
}

const part = (fetchOffset: bigint) => ({ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' });
const fetch = (sessionId: number, sessionEpoch: number, topics: { topic: string; topicId: string; partitions: ReturnType<typeof part>[] }[]) =>
  createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId, sessionEpoch, topics });

for (const version of [13, 16]) {
  test(`v${version}: a session opened before the broker knew the topic id reads the partition once the broker learns it`, async () => {
    const c = await client();
    const topicId = await topicWithOneRecord(c, `late-id-v${version}`);
    const restore = hideTopic(`late-id-v${version}`);
    let full;
    try {
      full = await c.request(1, version, fetch(0, 0, [{ topic: '', topicId, partitions: [part(0n)] }]));
    } finally {
      restore();
    }
    assert.notEqual(full.sessionId, 0, 'a session was opened');
    assert.equal(full.responses[0].topicId, topicId);
    assert.equal(full.responses[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);

    // The broker knows the id now: the next incremental request (nothing changed on the client's
    // side) must read the partition, not answer UNKNOWN_TOPIC_ID for the session's life.
    const inc = await c.request(1, version, fetch(full.sessionId, 1, []));
    assert.equal(inc.errorCode, 0);
    assert.equal(inc.sessionId, full.sessionId);
    assert.equal(inc.responses.length, 1);
    assert.equal(inc.responses[0].topicId, topicId);
    const p = inc.responses[0].partitions[0];
    assert.deepEqual([p.errorCode, p.highWatermark], [0, 1n]);
    assert.ok(p.records.length > 0, 'the record is returned');

    // The client moves its offset by the id it knows; the session updates the same partition
    // (nothing new to read and nothing changed: an incremental response leaves it out).
    const next = await c.request(1, version, fetch(full.sessionId, 2, [{ topic: '', topicId, partitions: [part(1n)] }]));
    assert.equal(next.errorCode, 0);
    assert.deepEqual(next.responses, []);

    // Forgetting it by id removes it from the session: an incremental request answers nothing.
    const forgot = await c.request(1, version, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: full.sessionId, sessionEpoch: 3, topics: [], forgottenTopicsData: [{ topic: '', topicId, partitions: [0] }] }));
    assert.deepEqual(forgot.responses, []);
  });
}

test('v13: a cached partition whose topic id the broker no longer knows answers UNKNOWN_TOPIC_ID, and reads again when it is back', async () => {
  const c = await client();
  const topicId = await topicWithOneRecord(c, 'gone-id');
  const full = await c.request(1, 13, fetch(0, 0, [{ topic: '', topicId, partitions: [part(0n)] }]));
  assert.notEqual(full.sessionId, 0);
  assert.equal(full.responses[0].partitions[0].errorCode, 0);
  const restore = hideTopic('gone-id');
  try {
    const inc = await c.request(1, 13, fetch(full.sessionId, 1, []));
    assert.equal(inc.responses[0].topicId, topicId);
    assert.equal(inc.responses[0].partitions[0].errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  } finally {
    restore();
  }
  const back = await c.request(1, 13, fetch(full.sessionId, 2, []));
  assert.equal(back.responses[0].partitions[0].errorCode, 0);
});
