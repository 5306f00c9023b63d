import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferPool } from '../../src/client/producer/accumulator.js';
import { ClientError } from '../../src/client/errors.js';

const code = (c: string) => (e: unknown): boolean => e instanceof ClientError && e.code === c;

test('BufferPool: a full pool with an already-aborted signal rejects at once as aborted, not after max.block.ms', async () => {
  const pool = new BufferPool(100);
  assert.equal(pool.reserve(100, 60_000), null);
  const ac = new AbortController();
  ac.abort(new Error('stop'));
  // With max.block.ms of a minute, only an immediate rejection lets this test end.
  await assert.rejects(pool.reserve(10, 60_000, ac.signal)!, code('GREGOR_ERR_ABORTED'));
  assert.equal(pool.waiting, 0);
  assert.equal(pool.usedBytes, 100);
});

test('BufferPool: a timed-out wait leaves no listener on a long-lived signal; abort while waiting rejects', async () => {
  const pool = new BufferPool(100);
  assert.equal(pool.reserve(100, 60_000), null);
  const ac = new AbortController();
  let listeners = 0;
  const add = ac.signal.addEventListener.bind(ac.signal);
  const remove = ac.signal.removeEventListener.bind(ac.signal);
  ac.signal.addEventListener = ((...a: Parameters<typeof add>) => { listeners++; add(...a); }) as typeof add;
  ac.signal.removeEventListener = ((...a: Parameters<typeof remove>) => { listeners--; remove(...a); }) as typeof remove;
  for (let i = 0; i < 3; i++) await assert.rejects(pool.reserve(10, 5, ac.signal)!, code('GREGOR_ERR_BUFFER_EXHAUSTED'));
  assert.equal(listeners, 0);
  const waiting = pool.reserve(10, 60_000, ac.signal)!;
  assert.equal(pool.waiting, 1);
  ac.abort();
  await assert.rejects(waiting, code('GREGOR_ERR_ABORTED'));
  assert.equal(pool.waiting, 0);
  pool.release(100);
  assert.equal(pool.usedBytes, 0);
});
