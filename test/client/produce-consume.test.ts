import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { Producer } from '../../src/client/producer/producer.js';

let cluster: EmbeddedCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster({ brokers: 1 });
  admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
});
after(async () => {
  await admin.close();
  await cluster.stop();
});

async function collect(consumer: Consumer, n: number, timeoutMs = 15000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.poll({ timeoutMs: 500 })));
  return out;
}

test('every codec: produced records (keys, values, headers) come back intact and in order', async () => {
  await admin.createTopics([{ name: 'codecs', numPartitions: 2, replicationFactor: 1 }]);
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, lingerMs: 2 });
    const sends = [];
    for (let i = 0; i < 300; i++) {
      sends.push(producer.send({ topic: 'codecs', partition: i % 2, key: `${compression}-${i}`, value: Buffer.from(`value-${i}`.repeat(5)), headers: { codec: compression, i: String(i) } }));
    }
    const mds = await Promise.all(sends);
    assert.ok(mds.every((m) => m.offset >= 0n));
    await producer.close();
  }
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, autoOffsetReset: 'earliest', fetchMaxWaitMs: 100 });
  consumer.assign([{ topic: 'codecs', partition: 0 }, { topic: 'codecs', partition: 1 }]);
  const records = await collect(consumer, 1500);
  for (let i = 0; i < 3; i++) await consumer.poll({ timeoutMs: 300 });
  // KIP-227: the broker gave us a session and the later fetches were incremental.
  const session = (consumer as unknown as { sessions: Map<number, { sessionId: number; nextEpoch: number }> }).sessions.get(0)!;
  assert.ok(session.sessionId !== 0, 'a fetch session was created');
  assert.ok(session.nextEpoch > 1, 'incremental fetches followed');
  await consumer.close();
  assert.equal(records.length, 1500);
  for (const p of [0, 1]) {
    const mine = records.filter((r) => r.partition === p);
    assert.deepEqual(mine.map((r) => r.offset), mine.map((_, i) => BigInt(i)));
  }
  const first = records.find((r) => r.key?.toString() === 'zstd-7')!;
  assert.equal(first.value!.toString(), 'value-7'.repeat(5));
  assert.deepEqual(first.headers.map((h) => [h.key, h.value?.toString()]), [['codec', 'zstd'], ['i', '7']]);
});

test('seek, pause/resume, offsetsForTimes and auto.offset.reset=latest', async () => {
  await admin.createTopics([{ name: 'seeks', numPartitions: 1, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  const t0 = Date.now();
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'seeks', value: `v${i}`, timestamp: t0 + i * 1000 });
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, autoOffsetReset: 'latest' });
  const tp = { topic: 'seeks', partition: 0 };
  consumer.assign([tp]);
  assert.equal(await consumer.position(tp), 10n);
  const [byTime] = await consumer.offsetsForTimes([{ ...tp, timestamp: t0 + 4500 }]);
  assert.equal(byTime!.offset, 5n);
  consumer.seek(tp, byTime!.offset!);
  const got = await collect(consumer, 5);
  assert.deepEqual(got.map((r) => r.value!.toString()), ['v5', 'v6', 'v7', 'v8', 'v9']);
  consumer.pause([tp]);
  await producer.send({ topic: 'seeks', value: 'v10' });
  assert.deepEqual(await consumer.poll({ timeoutMs: 300 }), []);
  consumer.resume([tp]);
  assert.deepEqual((await collect(consumer, 1)).map((r) => r.value!.toString()), ['v10']);
  await consumer.close();
  await producer.close();
});

test('acks=0 and acks=1 deliver; acks=0 reports offset -1 as Kafka does', async () => {
  await admin.createTopics([{ name: 'acks', numPartitions: 1, replicationFactor: 1 }]);
  for (const acks of [0, 1] as const) {
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, acks });
    const mds = await Promise.all(Array.from({ length: 50 }, (_, i) => producer.send({ topic: 'acks', value: `a${acks}-${i}` })));
    assert.ok(mds.every((m) => (acks === 0 ? m.offset === -1n : m.offset >= 0n)));
    await producer.close();
  }
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 'acks', partition: 0 }]);
  const got = await collect(consumer, 100);
  await consumer.close();
  assert.equal(got.length, 100);
  assert.deepEqual(got.slice(0, 50).map((r) => r.value!.toString()), Array.from({ length: 50 }, (_, i) => `a0-${i}`));
});

test('async iteration and AbortSignal: for await over a consumer, stopped by a signal', async () => {
  await admin.createTopics([{ name: 'iter', numPartitions: 1, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'iter', value: `i${i}` })));
  await producer.close();
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, autoOffsetReset: 'earliest' });
  consumer.assign([{ topic: 'iter', partition: 0 }]);
  const values: string[] = [];
  for await (const r of consumer) {
    values.push(r.value!.toString());
    if (values.length === 10) break;
  }
  const stop = new AbortController();
  for await (const r of consumer.messages({ signal: stop.signal })) {
    values.push(r.value!.toString());
    if (values.length === 20) stop.abort();
  }
  await consumer.close();
  assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => `i${i}`));
});

test('the producer asks for auto topic creation as the Java producer does', async () => {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  const md = await producer.send({ topic: 'created-on-first-send', value: 'x' });
  await producer.close();
  assert.equal(md.offset, 0n);
  assert.ok((await admin.listTopics()).includes('created-on-first-send'));
});
