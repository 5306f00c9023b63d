import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer/producer.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeRecordBatch } from '../../src/protocol/records/batch.js';
import { readBatchHeader } from '../../src/protocol/records/header.js';
import { startFakeBroker, type ProducePartitionResult } from './fake-broker.js';
import { prng as seeded } from '../helpers/prng.js';

/** The broker's idempotent append: in-sequence batches are appended; the rest rejected as Kafka does. */
function idempotentLog(random: () => number, faultRate: number) {
  const log: string[] = [];
  let expectedSequence = 0;
  let faults = 0;
  const handler = (_topic: string, _partition: number, records: Buffer): ProducePartitionResult => {
    const header = readBatchHeader(records);
    if (random() < faultRate) {
      faults++;
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n };
    }
    if (header.baseSequence === expectedSequence) {
      const base = BigInt(log.length);
      for (const r of decodeRecordBatch(records).records) log.push(r.value!.toString());
      expectedSequence += header.recordCount;
      return { errorCode: 0, baseOffset: base };
    }
    if (header.baseSequence < expectedSequence) return { errorCode: ErrorCode.DUPLICATE_SEQUENCE_NUMBER, baseOffset: -1n };
    return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n };
  };
  return { log, handler, faults: () => faults };
}

for (const seed of [1, 2, 3]) {
  test(`idempotent, max.in.flight=5: order and exactly-once survive NOT_LEADER_OR_FOLLOWER retries (seed ${seed})`, async () => {
    const model = idempotentLog(seeded(seed), 0.15);
    const broker = await startFakeBroker({ t: 1 }, model.handler);
    const producer = new Producer({ bootstrapServers: broker.bootstrap, maxInFlightRequestsPerConnection: 5, batchSize: 200, lingerMs: 0, retryBackoffMs: 1, retryBackoffMaxMs: 5 });
    try {
      assert.equal(producer.idempotent, true);
      const n = 1500;
      const acks = await Promise.all(Array.from({ length: n }, (_, i) => producer.send({ topic: 't', value: `m${i}` })));
      assert.ok(model.faults() > 0, 'faults were injected');
      assert.deepEqual(model.log, Array.from({ length: n }, (_, i) => `m${i}`));
      assert.deepEqual(acks.map((a) => a.offset), Array.from({ length: n }, (_, i) => BigInt(i)));
      assert.ok(broker.metadataRequests > 1, 'NOT_LEADER_OR_FOLLOWER refreshed the metadata');
      const m = producer.metrics();
      assert.ok((m.retriesByCause.NOT_LEADER_OR_FOLLOWER ?? 0) > 0);
      assert.ok((m.retriesByCause.OUT_OF_ORDER_SEQUENCE_NUMBER ?? 0) > 0, 'batches behind a failed one were retried in order');
    } finally {
      await producer.close();
      await broker.close();
    }
  });
}

test('a non-retriable error fails the records of that batch with the Kafka code', async () => {
  const broker = await startFakeBroker({ t: 1 }, () => ({ errorCode: ErrorCode.RECORD_LIST_TOO_LARGE, baseOffset: -1n }));
  const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 1 });
  try {
    await assert.rejects(producer.send({ topic: 't', value: 'x' }), (e: unknown) => (e as { errorName?: string }).errorName === 'RECORD_LIST_TOO_LARGE');
  } finally {
    await producer.close();
    await broker.close();
  }
});

test('buffer.memory back-pressure: enqueue waits while the buffer is full and max.block.ms bounds the wait', async () => {
  const held: (() => void)[] = [];
  let offset = 0n;
  const broker = await startFakeBroker({ t: 1 }, () => new Promise<ProducePartitionResult>((resolve) => held.push(() => resolve({ errorCode: 0, baseOffset: offset++ }))));
  const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 1, bufferMemory: 10_000, batchSize: 2_000, lingerMs: 0, maxBlockMs: 400 });
  try {
    const value = Buffer.alloc(900);
    let accepted = 0;
    // Fill the buffer: each record is charged ~920 bytes, so about ten fit.
    for (let i = 0; i < 10; i++) {
      await producer.enqueue({ topic: 't', value }, () => undefined);
      accepted++;
    }
    assert.equal(accepted, 10);
    assert.ok(producer.bufferedBytes > 9_000);
    // The next append waits; nothing acknowledges, so max.block.ms expires.
    await assert.rejects(producer.enqueue({ topic: 't', value }), (e: unknown) => e instanceof ClientError && e.code === 'GREGOR_ERR_BUFFER_EXHAUSTED');
    // A waiting append resumes as soon as acknowledgements free memory.
    let resumed = false;
    const waiting = producer.enqueue({ topic: 't', value }).then(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(resumed, false);
    // Acknowledge from now on (polling, so a produce request still on its way on a loaded box is answered too).
    const release = setInterval(() => {
      while (held.length > 0) held.shift()!();
    }, 5);
    try {
      await waiting;
      assert.equal(resumed, true);
      await producer.flush();
    } finally {
      clearInterval(release);
    }
    assert.equal(producer.bufferedBytes, 0);
  } finally {
    const release = setInterval(() => {
      while (held.length > 0) held.shift()!();
    }, 5);
    await producer.close({ timeoutMs: 2000 });
    clearInterval(release);
    await broker.close();
  }
});

test('configuration follows the Java client: idempotence needs acks=all', () => {
  assert.throws(() => new Producer({ bootstrapServers: 'localhost:1', acks: 1, enableIdempotence: true }), /enable.idempotence/);
  const p = new Producer({ bootstrapServers: 'localhost:1', acks: 1 });
  assert.equal(p.idempotent, false);
  void p.close();
});

test('KIP-480: keyless records fill a batch on the sticky partition, then move on without leaving small batches', async () => {
  const batchSizes: number[] = [];
  const perPartition = new Map<number, number>();
  const broker = await startFakeBroker({ t: 4 }, (_topic, partition, records) => {
    const n = readBatchHeader(records).recordCount;
    batchSizes.push(n);
    perPartition.set(partition, (perPartition.get(partition) ?? 0) + n);
    return { errorCode: 0, baseOffset: 0n };
  });
  // Each 100-byte record is charged 121 bytes: 8 fit in a 1,100-byte batch.
  const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 1, batchSize: 1100, lingerMs: 50 });
  try {
    await producer.send({ topic: 't', partition: 0, value: 'warm-up' });
    batchSizes.length = 0;
    perPartition.clear();
    await Promise.all(Array.from({ length: 160 }, () => producer.send({ topic: 't', value: Buffer.alloc(100) })));
    assert.equal(batchSizes.reduce((a, b) => a + b, 0), 160);
    assert.equal(batchSizes.filter((n) => n !== 8).length, 0, `every batch full: ${batchSizes.join(',')}`);
    assert.ok(perPartition.size > 1, 'the sticky partition moved');
  } finally {
    await producer.close();
    await broker.close();
  }
});

test('UNKNOWN_PRODUCER_ID: that batch fails, the producer takes a new producer id and continues from sequence 0', async () => {
  const expected = new Map<bigint, number>();
  const log: string[] = [];
  let lost = false;
  const broker = await startFakeBroker({ t: 1 }, (_topic, _partition, records) => {
    const h = readBatchHeader(records);
    const next = expected.get(h.producerId) ?? 0;
    // The broker forgets producer 1000 once it has written 40 of its records (as when its state expires).
    if (h.producerId === 1000n && next >= 40 && !lost) {
      lost = true;
      return { errorCode: ErrorCode.UNKNOWN_PRODUCER_ID, baseOffset: -1n };
    }
    if (h.producerId === 1000n && lost) return { errorCode: ErrorCode.UNKNOWN_PRODUCER_ID, baseOffset: -1n };
    if (h.baseSequence !== next) return { errorCode: ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, baseOffset: -1n };
    expected.set(h.producerId, next + h.recordCount);
    const base = BigInt(log.length);
    for (const r of decodeRecordBatch(records).records) log.push(r.value!.toString());
    return { errorCode: 0, baseOffset: base };
  });
  const producer = new Producer({ bootstrapServers: broker.bootstrap, batchSize: 100, lingerMs: 0 });
  try {
    const outcomes = await Promise.allSettled(Array.from({ length: 200 }, (_, i) => producer.send({ topic: 't', value: `r${i}` })));
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    assert.ok(failed > 0 && failed < 200, `some records failed (${failed})`);
    const m = producer.metrics();
    assert.equal(m.producerIdResets, 1);
    assert.equal(broker.initProducerIdRequests, 2);
    // Whatever succeeded is in the log exactly once, in send order; later records keep flowing.
    const ok = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [`r${i}`] : []));
    assert.deepEqual(log, ok);
    assert.ok(expected.get(1001n)! > 0, 'the new producer id wrote from sequence 0');
    await producer.send({ topic: 't', value: 'after' });
    assert.equal(log[log.length - 1], 'after');
  } finally {
    await producer.close();
    await broker.close();
  }
});

test('retries bounds the retries of a batch as in Java (delivery.timeout.ms still applies); retries=0 turns default idempotence off', async () => {
  const broker = await startFakeBroker({ t: 1 }, () => ({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n }));
  try {
    const twice = new Producer({ bootstrapServers: broker.bootstrap, acks: 1, retries: 2, retryBackoffMs: 1, retryBackoffMaxMs: 5 });
    await assert.rejects(twice.send({ topic: 't', value: 'x' }), (e: unknown) => (e as { errorName?: string }).errorName === 'NOT_LEADER_OR_FOLLOWER');
    assert.equal(broker.produceRequests, 3, 'the first attempt and two retries');
    await twice.close();
    const never = new Producer({ bootstrapServers: broker.bootstrap, retries: 0 });
    assert.equal(never.idempotent, false, 'idempotence needs retries (Java disables it when not asked for explicitly)');
    await assert.rejects(never.send({ topic: 't', value: 'y' }), (e: unknown) => (e as { errorName?: string }).errorName === 'NOT_LEADER_OR_FOLLOWER');
    assert.equal(broker.produceRequests, 4);
    await never.close();
    assert.throws(() => new Producer({ bootstrapServers: broker.bootstrap, retries: 0, enableIdempotence: true }), /retries/);
  } finally {
    await broker.close();
  }
});

test('flush() and close() cover every record sent before them, also those still waiting for their topic\'s metadata', async () => {
  let received = 0;
  const broker = await startFakeBroker({ t: 1 }, (_topic, _partition, records) => {
    received += readBatchHeader(records).recordCount;
    return { errorCode: 0, baseOffset: 0n };
  });
  try {
    // A fresh producer knows no topic yet: these sends first wait for metadata.
    const producer = new Producer({ bootstrapServers: broker.bootstrap, acks: 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 5; i++) void producer.enqueue({ topic: 't', value: `v${i}` }, (err) => outcomes.push(err === null ? 'ok' : err.message));
    await producer.flush();
    assert.deepEqual(outcomes, ['ok', 'ok', 'ok', 'ok', 'ok'], 'flush() returned only once they were acknowledged');
    assert.equal(received, 5);
    await producer.close();
    // send() then close() (not awaiting the send): close delivers the record, it does not fail it.
    const other = new Producer({ bootstrapServers: broker.bootstrap, acks: 1 });
    const last = other.send({ topic: 't', value: 'last' });
    await other.close();
    assert.equal((await last).partition, 0);
    assert.equal(received, 6);
  } finally {
    await broker.close();
  }
});
