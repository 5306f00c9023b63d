import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import { recordCountOf } from '../../src/broker/metrics/record-count.js';

test('recordCountOf sums whole batches and ignores a trailing partial batch', () => {
  const batch = (n: number) => encodeRecordBatch({ records: Array.from({ length: n }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: 0n })) });
  const two = Buffer.concat([batch(3), batch(5)]);
  assert.equal(recordCountOf(two), 8);
  assert.equal(recordCountOf(two.subarray(0, two.length - 1)), 3);
  assert.equal(recordCountOf(two.subarray(0, 20)), 0);
  assert.equal(recordCountOf(Buffer.alloc(0)), 0);
});
