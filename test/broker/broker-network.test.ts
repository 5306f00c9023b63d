/**
 * The broker's network layer and core handlers over raw frames: ApiVersions (and KIP-511's
 * fallback), limits and bad input (the connection closes, the broker keeps serving), response
 * order under pipelining, idempotent produce answers, fetch sessions and errors.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createFetchRequest } from '../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { decodeRecordBatch, encodeRecordBatch } from '../../src/protocol/records/index.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

let cluster: EmbeddedCluster;
const clients: RawClient[] = [];

before(async () => {
  cluster = await testCluster({ brokerConfig: { 'socket.request.max.bytes': 1 << 20, 'message.max.bytes': 100_000 } });
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

async function createTopic(name: string, partitions = 1): Promise<void> {
  const c = await client();
  const r = await c.request(19, 5, { topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(r.topics[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get(name)?.partitions.every((p) => p.leader === 0) === true, 5000);
}

function batch(values: string[], producer?: { id: bigint; epoch: number; seq: number }): Buffer {
  return encodeRecordBatch({
    producerId: producer?.id ?? -1n,
    producerEpoch: producer?.epoch ?? -1,
    baseSequence: producer?.seq ?? -1,
    records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: BigInt(Date.now()) })),
  });
}

function produce(topic: string, records: Buffer, acks = -1) {
  return createProduceRequest({ acks, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] });
}

async function assertStillServing(): Promise<void> {
  const c = await client();
  const r = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
  assert.equal(r.errorCode, 0);
}

test('ApiVersions advertises the implemented APIs within the Kafka 4.0 baseline', async () => {
  const c = await client();
  const r = await c.request(18, 3, { clientSoftwareName: 'test', clientSoftwareVersion: '1.0' });
  assert.equal(r.errorCode, 0);
  const byKey = new Map<number, { minVersion: number; maxVersion: number }>(r.apiKeys.map((k: any) => [k.apiKey, k]));
  assert.equal(byKey.get(0)!.minVersion, 3, 'Produce >= 3');
  assert.equal(byKey.get(1)!.minVersion, 4, 'Fetch >= 4');
  for (const key of [2, 3, 18, 19, 20, 22, 32, 33, 37, 44]) assert.ok(byKey.has(key), `API ${key} advertised`);
});

test('KIP-511: an ApiVersions version the broker does not know gets v0 UNSUPPORTED_VERSION with the ranges', async () => {
  const c = await client();
  // Hand-built v99 request: header v1 fields (the broker must not try to parse the body).
  const body = Buffer.from([0x00, 0x12, 0x00, 0x63, 0, 0, 0, 7, 0x00, 0x01, 0x78, 0xff, 0xff]);
  const frame = Buffer.alloc(4 + body.length);
  frame.writeInt32BE(body.length, 0);
  body.copy(frame, 4);
  c.write(frame);
  const r = await c.response(18, 0);
  assert.equal(r.correlationId, 7);
  assert.equal(r.body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  assert.ok(r.body.apiKeys.some((k: any) => k.apiKey === 18 && k.maxVersion >= 3));
});

test('bad input closes that connection only: unknown API key, unsupported version, huge and negative sizes, garbage', async () => {
  const unknownKey = await client();
  unknownKey.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  const header = Buffer.from([0x03, 0xe7, 0, 0, 0, 0, 0, 1, 0, 0]); // API key 999
  const f = Buffer.alloc(4 + header.length);
  f.writeInt32BE(header.length, 0);
  header.copy(f, 4);
  unknownKey.write(f);
  assert.ok(await unknownKey.waitClosed(), 'unknown API key closes');

  const oldProduce = await client();
  oldProduce.write(Buffer.from([0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0])); // Produce v2: below the baseline
  assert.ok(await oldProduce.waitClosed(), 'Produce v2 closes');

  const huge = await client();
  huge.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  assert.ok(await huge.waitClosed(), 'a size over socket.request.max.bytes closes');

  const negative = await client();
  negative.write(Buffer.from([0xff, 0xff, 0xff, 0xfe]));
  assert.ok(await negative.waitClosed(), 'a negative size closes');

  let seed = 42;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < 30; i++) {
    const c = await client();
    const len = 8 + Math.floor(rand() * 200);
    const junk = Buffer.alloc(4 + len);
    junk.writeInt32BE(len, 0);
    for (let j = 4; j < junk.length; j++) junk[j] = Math.floor(rand() * 256);
    junk.writeInt16BE([0, 1, 3, 19, 18][i % 5]!, 4); // real API keys, so the body decoders meet the garbage
    junk.writeInt16BE(Math.floor(rand() * 12), 6);
    c.write(junk);
    const frame = await c.nextFrame(3000).catch(() => null);
    if (frame !== null) assert.ok(frame.length >= 4, 'an answer is a well-formed frame');
    c.close();
  }
  await assertStillServing();
});

test('unknown topics get the protocol error (no auto-creation when the request forbids it)', async () => {
  const c = await client();
  const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'nope' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.equal(md.topics[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const bad = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'bad/name' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.equal(bad.topics[0].errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  const p = await c.request(0, 9, produce('nope', batch(['x'])));
  assert.equal(p.responses[0].partitionResponses[0].errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('responses leave in request order: a long-poll fetch is not overtaken by a later ApiVersions', async () => {
  await createTopic('ordering');
  const c = await client();
  const fetchId = c.send(1, 12, createFetchRequest({ maxWaitMs: 300, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'ordering', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] }));
  const apiId = c.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' });
  const first = await c.response(1, 12);
  assert.equal(first.correlationId, fetchId);
  const second = await c.response(18, 3);
  assert.equal(second.correlationId, apiId);
});

test('a waiting fetch completes when data arrives (not at max.wait.ms); MESSAGE_TOO_LARGE above max.message.bytes', { timeout: 20_000 }, async () => {
  await createTopic('longpoll');
  const consumer = await client();
  const fetchId = consumer.send(1, 12, createFetchRequest({ maxWaitMs: 60_000, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'longpoll', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }] }));
  const producer = await client();
  const p = await producer.request(0, 9, produce('longpoll', batch(['hello'])));
  assert.equal(p.responses[0].partitionResponses[0].errorCode, 0);
  const f = await consumer.response(1, 12);
  assert.equal(f.correlationId, fetchId);
  assert.equal(f.body.responses[0].partitions[0].highWatermark, 1n);
  assert.ok(f.body.responses[0].partitions[0].records.length > 0);

  const big = await producer.request(0, 9, produce('longpoll', batch(['x'.repeat(150_000)])));
  assert.equal(big.responses[0].partitionResponses[0].errorCode, ErrorCode.MESSAGE_TOO_LARGE);
});

test('idempotent produce: a retried batch gets its original offset; a gap gets OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
  await createTopic('idem-raw');
  const c = await client();
  const pid = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
  assert.equal(pid.errorCode, 0);
  const producer = { id: pid.producerId as bigint, epoch: pid.producerEpoch as number };
  const b0 = batch(['a', 'b'], { ...producer, seq: 0 });
  const r0 = await c.request(0, 9, produce('idem-raw', b0));
  const r1 = await c.request(0, 9, produce('idem-raw', batch(['c'], { ...producer, seq: 2 })));
  const retry = await c.request(0, 9, produce('idem-raw', b0));
  assert.equal(r0.responses[0].partitionResponses[0].baseOffset, 0n);
  assert.equal(r1.responses[0].partitionResponses[0].baseOffset, 2n);
  assert.equal(retry.responses[0].partitionResponses[0].errorCode, 0);
  assert.equal(retry.responses[0].partitionResponses[0].baseOffset, 0n, 'the duplicate is acknowledged with its original offset');
  const gap = await c.request(0, 9, produce('idem-raw', batch(['d'], { ...producer, seq: 10 })));
  assert.equal(gap.responses[0].partitionResponses[0].errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  const lo = await c.request(2, 7, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: 'idem-raw', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
  assert.equal(lo.topics[0].partitions[0].offset, 3n, 'nothing was written twice');
});

test('a produce partition must carry exactly one batch (Kafka 4.0): none or two are INVALID_RECORD and nothing is written', async () => {
  await createTopic('one-batch');
  const c = await client();
  const empty = await c.request(0, 9, produce('one-batch', Buffer.alloc(0)));
  assert.equal(empty.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_RECORD);
  const two = await c.request(0, 9, produce('one-batch', Buffer.concat([batch(['a']), batch(['b'])])));
  assert.equal(two.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_RECORD);
  const one = await c.request(0, 9, produce('one-batch', batch(['c'])));
  assert.equal(one.responses[0].partitionResponses[0].errorCode, 0);
  assert.equal(one.responses[0].partitionResponses[0].baseOffset, 0n, 'the refused requests wrote nothing');
});

test('a failed acks=0 produce closes the connection; requests pipelined behind it are dropped, not appended', async () => {
  await createTopic('acks0');
  const c = await client();
  const { encodeRequestFrame } = await import('../../src/protocol/api.js');
  const frame = (topic: string, id: number) => encodeRequestFrame({ requestApiKey: 0, requestApiVersion: 9, correlationId: id, clientId: 'acks0' }, produce(topic, batch(['x']), 0));
  c.write(Buffer.concat([frame('acks0', 1), frame('no-such-topic', 2), frame('acks0', 3), frame('acks0', 4)]));
  assert.ok(await c.waitClosed(), 'the failed acks=0 produce closes the connection');
  const check = await client();
  const lo = await check.request(2, 7, { replicaId: -1, isolationLevel: 0, timeoutMs: 0, topics: [{ name: 'acks0', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }] }] });
  assert.equal(lo.topics[0].partitions[0].offset, 1n, 'only the produce before the failure was appended');
});

test('fetch sessions: a full fetch opens one, incremental fetches answer only changes, a wrong epoch is refused', async () => {
  await createTopic('sessions', 2);
  const c = await client();
  await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: 'sessions', partitionData: [{ index: 0, records: batch(['p0']) }, { index: 1, records: batch(['p1']) }] }] }));
  const part = (partition: number, fetchOffset: bigint) => ({ partition, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' });
  const full = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: 0, sessionEpoch: 0, topics: [{ topic: 'sessions', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part(0, 0n), part(1, 0n)] }] }));
  assert.equal(full.errorCode, 0);
  assert.notEqual(full.sessionId, 0);
  assert.equal(full.responses[0].partitions.length, 2);
  const inc = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: full.sessionId, sessionEpoch: 1, topics: [{ topic: 'sessions', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part(0, 1n), part(1, 1n)] }] }));
  assert.equal(inc.errorCode, 0);
  assert.equal(inc.sessionId, full.sessionId);
  assert.equal(inc.responses.length, 0, 'nothing changed');
  await c.request(0, 9, produce('sessions', batch(['more'])));
  const inc2 = await c.request(1, 12, createFetchRequest({ maxWaitMs: 1000, minBytes: 1, maxBytes: 1 << 20, sessionId: full.sessionId, sessionEpoch: 2, topics: [] }));
  assert.deepEqual(inc2.responses.map((t: any) => t.partitions.map((p: any) => p.partitionIndex)), [[0]]);
  const stale = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: full.sessionId, sessionEpoch: 2, topics: [] }));
  assert.equal(stale.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
  const unknown = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionId: 12345, sessionEpoch: 1, topics: [] }));
  assert.equal(unknown.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
});

test('fetch byte limits (KIP-74): the first partition returns one whole batch even above its limit; the response limit holds for the rest', async () => {
  await createTopic('limits', 2);
  const c = await client();
  const big = (tag: string) => batch([tag + 'x'.repeat(1000)]);
  for (const p of [0, 1]) {
    for (let i = 0; i < 3; i++) {
      const r = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: 'limits', partitionData: [{ index: p, records: big(`${p}-${i}`) }] }] }));
      assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
    }
  }
  const part = (partition: number, partitionMaxBytes: number) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' });
  const one = big('0-0').length;
  const small = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'limits', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part(0, 10), part(1, 10)] }] }));
  const sizes = small.responses[0].partitions.map((p: any) => p.records.length);
  assert.deepEqual(sizes, [one, 0], 'one batch for the first partition, nothing over the limit for the second');
  const capped = await c.request(1, 12, createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: one * 2, sessionEpoch: -1, topics: [{ topic: 'limits', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part(0, 1 << 20), part(1, 1 << 20)] }] }));
  const total = capped.responses[0].partitions.reduce((n: number, p: any) => n + p.records.length, 0);
  assert.ok(total <= one * 2 && total >= one, `response maxBytes bounds the answer (${total} bytes)`);
});

test('fetch answers carrying large record sets (written as their own chunks) arrive intact, in order, between pipelined requests', async () => {
  await createTopic('chunks', 3);
  const c = await client();
  // Partition 0: two 20 KB batches, partition 1: one small batch (copied), partition 2: one 60 KB batch.
  const values = new Map<number, string[]>([
    [0, ['a'.repeat(20_000), 'b'.repeat(20_000)]],
    [1, ['small']],
    [2, ['c'.repeat(30_000) + 'd'.repeat(30_000)]],
  ]);
  for (const [p, vs] of values) {
    for (const v of vs) {
      const r = await c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: 'chunks', partitionData: [{ index: p, records: batch([v]) }] }] }));
      assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
    }
  }
  const part = (partition: number) => ({ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' });
  const fetch = createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'chunks', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part(0), part(1), part(2)] }] });
  // Pipelined: fetch, ApiVersions, fetch (v4 and v12: response header v0 and v1), ApiVersions.
  const ids = [c.send(1, 12, fetch), c.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }), c.send(1, 4, fetch), c.send(18, 3, { clientSoftwareName: 'x', clientSoftwareVersion: '1' })];
  const answers = [await c.response(1, 12), await c.response(18, 3), await c.response(1, 4), await c.response(18, 3)];
  assert.deepEqual(answers.map((a) => a.correlationId), ids);
  for (const f of [answers[0]!, answers[2]!]) {
    const got = new Map<number, string[]>();
    for (const p of f.body.responses[0].partitions) {
      const out: string[] = [];
      const records: Buffer = p.records;
      for (let pos = 0; pos < records.length; ) {
        const b = decodeRecordBatch(records, { position: pos });
        out.push(...b.records.map((r) => r.value!.toString()));
        pos += 12 + b.header.batchLength;
      }
      got.set(p.partitionIndex, out);
    }
    assert.deepEqual(got, values);
  }
});

test('auto-creation: Metadata for a missing topic creates it and answers with its elected leader', async () => {
  const c = await client();
  const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'auto-ok' }], allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.equal(md.topics[0].errorCode, 0);
  assert.equal(md.topics[0].partitions[0].leaderId, 0);
});

test('mutated valid requests (seeded byte flips) get an answer or a closed connection, never a dead broker', { timeout: 60_000 }, async () => {
  await createTopic('mutate');
  const { encodeRequestFrame } = await import('../../src/protocol/api.js');
  const header = (apiKey: number, version: number) => ({ requestApiKey: apiKey, requestApiVersion: version, correlationId: 9, clientId: 'fuzz' });
  const part = { partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' };
  const seeds = [
    encodeRequestFrame(header(0, 9), produce('mutate', batch(['a', 'b', 'c']))),
    encodeRequestFrame(header(1, 12), createFetchRequest({ maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1, topics: [{ topic: 'mutate', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [part] }] })),
    encodeRequestFrame(header(3, 12), { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'mutate' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
    encodeRequestFrame(header(19, 7), { topics: [{ name: 'mutant', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 1000, validateOnly: true }),
  ];
  let seed = 7;
  const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n;
  let answered = 0;
  let unanswered = 0; // closed, or still waiting (a mutated max.wait.ms)
  for (let i = 0; i < 80; i++) {
    const frame = Buffer.from(seeds[i % seeds.length]!);
    for (let flips = 1 + rand(4); flips > 0; flips--) frame[8 + rand(frame.length - 8)] = rand(256); // keep the size prefix and API key
    const c = await client();
    c.write(frame);
    const reply = await c.nextFrame(3000).catch(() => null);
    if (reply === null) unanswered++;
    else answered++;
    c.close();
  }
  // Flips in names, ids or record bytes still decode: those requests must be answered, not dropped.
  assert.ok(answered > 0, `no mutated request was answered (${unanswered} closed or waiting)`);
  await assertStillServing();
  const c = await client();
  const md = await c.request(3, 12, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'mutate' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false });
  assert.equal(md.topics[0].errorCode, 0, 'the topic is intact');
});
