import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseOrder } from '../../src/broker/network/response-order.js';

test('responses leave in request order even when a later one finishes first', () => {
  const o = new ResponseOrder();
  const produce = o.reserve();
  const fetch = o.reserve();
  const noResponse = o.reserve();
  const meta = o.reserve();
  assert.deepEqual(o.fill(fetch, [Buffer.from('fe'), Buffer.from('tch')]), []);
  assert.deepEqual(o.fill(meta, [Buffer.from('meta')]), []);
  assert.deepEqual(o.fill(noResponse, null), []);
  assert.equal(o.outstanding, 4);
  assert.deepEqual(o.fill(produce, [Buffer.from('produce')]).map((chunks) => Buffer.concat(chunks).toString()), ['produce', 'fetch', 'meta']);
  assert.equal(o.outstanding, 0);
  assert.throws(() => o.fill(produce, null));
});
