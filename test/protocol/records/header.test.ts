import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from '../../../src/protocol/errors.js';
import {
  RECORD_BATCH_OVERHEAD,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setMaxTimestamp,
  setPartitionLeaderEpoch,
  splitBatches,
  timestampTypeOf,
  validateBatch,
  compressionOf,
  isTransactional,
  isControlBatch,
  hasDeleteHorizon,
  computeAttributes,
  updateBatchCrc,
  lastSequenceOf,
} from '../../../src/protocol/records/index.js';
import { DecodeError } from '../../../src/util/errors.js';

/** A header-only batch plus `extra` record bytes, with a correct CRC. */
function rawBatch(extra = Buffer.alloc(0), attributes = 0): Buffer {
  const b = Buffer.alloc(RECORD_BATCH_OVERHEAD + extra.length);
  b.writeBigInt64BE(100n, 0);
  b.writeInt32BE(b.length - 12, 8);
  b.writeInt32BE(7, 12);
  b.writeInt8(2, 16);
  b.writeInt16BE(attributes, 21);
  b.writeInt32BE(4, 23);
  b.writeBigInt64BE(1000n, 27);
  b.writeBigInt64BE(1004n, 35);
  b.writeBigInt64BE(55n, 43);
  b.writeInt16BE(3, 51);
  b.writeInt32BE(9, 53);
  b.writeInt32BE(5, 57);
  extra.copy(b, RECORD_BATCH_OVERHEAD);
  updateBatchCrc(b);
  return b;
}

function corruptCode(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KafkaError, `expected KafkaError, got ${String(e)}`);
    return e.errorCode;
  }
  assert.fail('expected a KafkaError');
}

test('readBatchHeader reads every field', () => {
  const h = readBatchHeader(rawBatch(Buffer.from('abc')));
  assert.deepEqual(
    { ...h, crc: 0 },
    {
      baseOffset: 100n,
      batchLength: 52,
      partitionLeaderEpoch: 7,
      magic: 2,
      crc: 0,
      attributes: 0,
      lastOffsetDelta: 4,
      baseTimestamp: 1000n,
      maxTimestamp: 1004n,
      producerId: 55n,
      producerEpoch: 3,
      baseSequence: 9,
      recordCount: 5,
    },
  );
  assert.throws(() => readBatchHeader(Buffer.alloc(60)), DecodeError);
  assert.throws(() => readBatchHeader(rawBatch(), 1), DecodeError);
});

test('attribute helpers', () => {
  const a = computeAttributes({ compression: 'zstd', timestampType: 'LogAppendTime', isTransactional: true, isControl: true, hasDeleteHorizon: true });
  assert.equal(a, 4 | 8 | 16 | 32 | 64);
  assert.equal(compressionOf(a), 'zstd');
  assert.equal(timestampTypeOf(a), 'LogAppendTime');
  assert.equal(timestampTypeOf(0), 'CreateTime');
  assert.ok(isTransactional(a) && isControlBatch(a) && hasDeleteHorizon(a));
  assert.ok(!isTransactional(0) && !isControlBatch(0) && !hasDeleteHorizon(0));
  assert.deepEqual([0, 1, 2, 3, 4].map(compressionOf), ['none', 'gzip', 'snappy', 'lz4', 'zstd']);
  assert.equal(corruptCode(() => compressionOf(5)), 2);
});

test('validateBatch accepts a good batch and rejects each kind of damage with Kafka codes', () => {
  const good = rawBatch(Buffer.from('records'));
  assert.equal(validateBatch(good).recordCount, 5);
  // a batch followed by other bytes validates on its own length
  assert.equal(validateBatch(Buffer.concat([Buffer.alloc(3), good, Buffer.alloc(9)]), 3).baseOffset, 100n);

  for (let i = 17; i < good.length; i++) {
    const bad = Buffer.from(good);
    bad[i]! ^= 0x01;
    assert.equal(corruptCode(() => validateBatch(bad)), 2, `flipped byte ${i}`);
  }
  const magic1 = Buffer.from(good);
  magic1.writeInt8(1, 16);
  assert.equal(corruptCode(() => validateBatch(magic1)), 87);
  const magic0 = Buffer.from(good);
  magic0.writeInt8(0, 16);
  assert.equal(corruptCode(() => validateBatch(magic0)), 87);
  const short = Buffer.from(good);
  short.writeInt32BE(48, 8);
  assert.equal(corruptCode(() => validateBatch(short)), 2);
  const long = Buffer.from(good);
  long.writeInt32BE(good.length, 8);
  assert.equal(corruptCode(() => validateBatch(long)), 2);
  assert.equal(corruptCode(() => validateBatch(good.subarray(0, 60))), 2);
});

test('in-place rewrites keep the batch valid', () => {
  const b = rawBatch(Buffer.from('xyz'));
  setBaseOffset(b, 123456789012345n);
  setPartitionLeaderEpoch(b, 42);
  let h = validateBatch(b);
  assert.equal(h.baseOffset, 123456789012345n);
  assert.equal(h.partitionLeaderEpoch, 42);
  setLogAppendTime(b, 99999n);
  h = validateBatch(b);
  assert.equal(timestampTypeOf(h.attributes), 'LogAppendTime');
  assert.equal(h.maxTimestamp, 99999n);
  assert.equal(h.baseTimestamp, 1000n, 'baseTimestamp stays as the producer wrote it');
  setMaxTimestamp(b, 'CreateTime', 5n);
  h = validateBatch(b);
  assert.equal(timestampTypeOf(h.attributes), 'CreateTime');
  assert.equal(h.maxTimestamp, 5n);
});

test('splitBatches slices without copying and reports a partial trailing batch', () => {
  const a = rawBatch(Buffer.from('a'));
  const b = rawBatch(Buffer.from('bbbb'));
  const all = Buffer.concat([a, b, a.subarray(0, 30)]);
  const { batches, trailingBytes } = splitBatches(all);
  assert.equal(batches.length, 2);
  assert.equal(trailingBytes, 30);
  assert.deepEqual(batches[1], b);
  batches[0]![0] = 0xff;
  assert.equal(all[0], 0xff, 'slices share memory with the input');
  assert.deepEqual(splitBatches(Buffer.concat([a, Buffer.alloc(5)])).trailingBytes, 5);
  assert.deepEqual(splitBatches(Buffer.alloc(0)), { batches: [], trailingBytes: 0 });
  const bad = Buffer.from(a);
  bad.writeInt32BE(10, 8);
  assert.equal(corruptCode(() => splitBatches(bad)), 2);
});

test('lastSequenceOf wraps at Integer.MAX_VALUE', () => {
  assert.equal(lastSequenceOf({ baseSequence: 5, lastOffsetDelta: 3 }), 8);
  assert.equal(lastSequenceOf({ baseSequence: 0x7fffffff, lastOffsetDelta: 1 }), 0);
  assert.equal(lastSequenceOf({ baseSequence: -1, lastOffsetDelta: 3 }), -1);
});
