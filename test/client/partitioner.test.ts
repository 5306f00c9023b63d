import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DefaultPartitioner, murmur2, partitionForKey, toPositive } from '../../src/client/partitioner.js';

// Values from Kafka's UtilsTest.testMurmur2 (the Java client's own expectations).
test('murmur2 matches Kafka Utils.murmur2 test vectors', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ];
  for (const [s, expected] of cases) assert.equal(murmur2(Buffer.from(s)), expected, s);
  assert.equal(murmur2(Buffer.from([0x61, 0x62, 0x63])), murmur2(Buffer.from('abc')));
});

test('toPositive clears the sign bit, including for MIN_VALUE', () => {
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(5), 5);
});

test('keyed records always go to the same partition; null keys stick until a new batch', () => {
  const p = new DefaultPartitioner(() => 0.5);
  assert.equal(p.partition('t', Buffer.from('k1'), 7), partitionForKey(Buffer.from('k1'), 7));
  const first = p.partition('t', null, 4);
  assert.equal(p.partition('t', null, 4), first);
  p.onNewBatch('t', 4, first);
  assert.notEqual(p.partition('t', null, 4), first);
});
