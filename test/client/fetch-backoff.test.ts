/**
 * A consumer whose partition leader cannot be reached (a broker that died while the metadata still
 * names it) waits retry.backoff.ms, growing to retry.backoff.max.ms, between attempts — as the Java
 * consumer does with its reconnect backoff — instead of reconnecting and refreshing the metadata in
 * a tight loop for as long as the leader is gone. And close() does not wait for a fetch in flight.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Consumer } from '../../src/client/consumer/consumer.js';
import { freePort } from '../helpers/ports.js';
import { startFakeBroker } from './fake-broker.js';

test('fetching from an unreachable leader backs off between attempts instead of spinning', async () => {
  const broker = await startFakeBroker({ t: 1 }, () => ({ errorCode: 0, baseOffset: 0n }), { otherBrokers: [{ nodeId: 1, port: await freePort() }], leaderId: 1 });
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, retryBackoffMs: 100, retryBackoffMaxMs: 1000 });
  try {
    const tp = { topic: 't', partition: 0 };
    consumer.assign([tp]);
    consumer.seek(tp, 0);
    const until = performance.now() + 1500;
    while (performance.now() < until) assert.deepEqual(await consumer.poll({ timeoutMs: 300 }), []);
    // Each failed attempt refreshes the metadata once. Backing off 100, 200, 400, 800 ms allows a
    // handful in 1.5 s; without a backoff it is one per connection refusal, hundreds or more.
    assert.ok(broker.metadataRequests >= 2, `the failed fetches refreshed the metadata (${broker.metadataRequests})`);
    assert.ok(broker.metadataRequests <= 12, `${broker.metadataRequests} metadata requests in 1.5 s of polling`);
  } finally {
    await consumer.close();
    await broker.close();
  }
});

test('close() does not wait for a fetch the broker is still holding', { timeout: 20_000 }, async () => {
  const broker = await startFakeBroker({ t: 1 }, () => ({ errorCode: 0, baseOffset: 0n }), { holdFetches: true });
  // A parked fetch would otherwise hold close() until request.timeout.ms + fetch.max.wait.ms.
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, requestTimeoutMs: 60_000, fetchMaxWaitMs: 60_000 });
  try {
    const tp = { topic: 't', partition: 0 };
    consumer.assign([tp]);
    consumer.seek(tp, 0);
    while (broker.fetchRequests === 0) assert.deepEqual(await consumer.poll({ timeoutMs: 100 }), []);
    await consumer.close();
  } finally {
    await broker.close();
  }
});

test('an aborted signal ends poll() while a fetch is held, without waiting for its timeout', { timeout: 20_000 }, async () => {
  const broker = await startFakeBroker({ t: 1 }, () => ({ errorCode: 0, baseOffset: 0n }), { holdFetches: true });
  const consumer = new Consumer({ bootstrapServers: broker.bootstrap, requestTimeoutMs: 60_000, fetchMaxWaitMs: 60_000 });
  try {
    const tp = { topic: 't', partition: 0 };
    consumer.assign([tp]);
    consumer.seek(tp, 0);
    const stop = new AbortController();
    const polled = consumer.poll({ timeoutMs: 60_000, signal: stop.signal });
    while (broker.fetchRequests === 0) await new Promise((r) => setTimeout(r, 10));
    stop.abort();
    assert.deepEqual(await polled, []);
  } finally {
    await consumer.close();
    await broker.close();
  }
});
