import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KafkaError } from '../../../src/protocol/errors.js';
import {
  compressionOf,
  decodeRecordBatch,
  iterateRecordBatch,
  encodeRecordBatch,
  readBatchHeader,
  setBaseOffset,
  setLogAppendTime,
  setPartitionLeaderEpoch,
  splitBatches,
  timestampTypeOf,
  isTransactional,
  isControlBatch,
  hasDeleteHorizon,
  validateBatch,
  updateBatchCrc,
  type Compression,
  type RecordInput,
} from '../../../src/protocol/records/index.js';

const COMPRESSIONS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

const bytesOrNull = fc.option(fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)), { nil: null });
const recordArb: fc.Arbitrary<RecordInput> = fc.record({
  key: bytesOrNull,
  value: bytesOrNull,
  headers: fc.array(fc.record({ key: fc.string({ maxLength: 20 }), value: bytesOrNull }).map((h) => ({ key: h.key, value: h.value })), { maxLength: 4 }),
  timestamp: fc.bigInt({ min: 0n, max: 1n << 45n }),
});

function codeOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KafkaError, `expected KafkaError, got ${String(e)}`);
    return e.errorCode;
  }
  assert.fail('expected a KafkaError');
}

for (const compression of COMPRESSIONS) {
  test(`encode -> decode round trip with ${compression}`, () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.bigInt({ min: 0n, max: (1n << 62n) }),
        fc.integer({ min: -1, max: 0x7fffffff }),
        fc.bigInt({ min: -1n, max: (1n << 62n) }),
        fc.integer({ min: -1, max: 0x7fff }),
        fc.integer({ min: -1, max: 0x7fffffff }),
        fc.boolean(),
        (records, baseOffset, partitionLeaderEpoch, producerId, producerEpoch, baseSequence, transactional) => {
          const batch = encodeRecordBatch({
            baseOffset,
            partitionLeaderEpoch,
            producerId,
            producerEpoch,
            baseSequence,
            isTransactional: transactional,
            compression,
            records,
          });
          const { header, records: decoded } = decodeRecordBatch(batch);
          assert.equal(header.baseOffset, baseOffset);
          assert.equal(header.batchLength, batch.length - 12);
          assert.equal(header.partitionLeaderEpoch, partitionLeaderEpoch);
          assert.equal(header.magic, 2);
          assert.equal(compressionOf(header.attributes), compression);
          assert.equal(isTransactional(header.attributes), transactional);
          assert.equal(isControlBatch(header.attributes), false);
          assert.equal(timestampTypeOf(header.attributes), 'CreateTime');
          assert.equal(header.lastOffsetDelta, records.length - 1);
          assert.equal(header.baseTimestamp, records[0]!.timestamp);
          assert.equal(header.maxTimestamp, records.reduce((m, r) => (r.timestamp! > m ? r.timestamp! : m), -1n));
          assert.equal(header.producerId, producerId);
          assert.equal(header.producerEpoch, producerEpoch);
          assert.equal(header.baseSequence, baseSequence);
          assert.equal(header.recordCount, records.length);
          assert.equal(decoded.length, records.length);
          decoded.forEach((d, i) => {
            const r = records[i]!;
            assert.equal(d.offset, baseOffset + BigInt(i));
            assert.equal(d.offsetDelta, i);
            assert.equal(d.timestamp, r.timestamp);
            assert.deepEqual(d.key, r.key);
            assert.deepEqual(d.value, r.value);
            assert.deepEqual(d.headers, r.headers);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
}

test('in-place rewrites keep encoded batches valid and decodable (every codec)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...COMPRESSIONS),
      fc.array(recordArb, { minLength: 1, maxLength: 10 }),
      fc.bigInt({ min: 0n, max: 1n << 62n }),
      fc.integer({ min: 0, max: 0x7fffffff }),
      fc.bigInt({ min: 0n, max: 1n << 45n }),
      (compression, records, offset, epoch, appendTime) => {
        const batch = encodeRecordBatch({ compression, records });
        setBaseOffset(batch, offset);
        setPartitionLeaderEpoch(batch, epoch);
        const before = decodeRecordBatch(batch);
        assert.equal(before.header.baseOffset, offset);
        assert.equal(before.header.partitionLeaderEpoch, epoch);
        assert.equal(before.records.at(-1)!.offset, offset + BigInt(records.length - 1));
        setLogAppendTime(batch, appendTime);
        const after = decodeRecordBatch(batch);
        assert.equal(timestampTypeOf(after.header.attributes), 'LogAppendTime');
        assert.equal(after.header.maxTimestamp, appendTime);
        assert.equal(after.header.baseTimestamp, before.header.baseTimestamp);
        for (const r of after.records) assert.equal(r.timestamp, appendTime);
      },
    ),
    { numRuns: 50 },
  );
});

test('null keys and values, empty values and headers with null values survive', () => {
  const batch = encodeRecordBatch({
    baseTimestamp: 5n,
    records: [
      { key: null, value: null },
      { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [{ key: '', value: null }, { key: 'ключ', value: Buffer.from('v') }] },
    ],
  });
  const { records } = decodeRecordBatch(batch);
  assert.equal(records[0]!.key, null);
  assert.equal(records[0]!.value, null);
  assert.equal(records[0]!.timestamp, 5n);
  assert.deepEqual(records[1]!.key, Buffer.alloc(0));
  assert.deepEqual(records[1]!.headers, [{ key: '', value: null }, { key: 'ключ', value: Buffer.from('v') }]);
});

test('LogAppendTime, delete horizon, control flag and compaction-style offset gaps', () => {
  const b = encodeRecordBatch({
    timestampType: 'LogAppendTime',
    baseTimestamp: 1234n,
    deleteHorizonMs: 9999n,
    isControl: true,
    lastOffsetDelta: 9,
    records: [
      { key: Buffer.from('a'), value: null, offsetDelta: 2 },
      { key: Buffer.from('b'), value: null, offsetDelta: 7 },
    ],
  });
  const { header, records } = decodeRecordBatch(b);
  assert.equal(header.lastOffsetDelta, 9);
  assert.ok(hasDeleteHorizon(header.attributes) && isControlBatch(header.attributes));
  assert.equal(header.baseTimestamp, 9999n);
  assert.equal(header.maxTimestamp, 1234n);
  assert.deepEqual(records.map((r) => [r.offset, r.timestamp]), [[2n, 1234n], [7n, 1234n]]);
  assert.throws(() => encodeRecordBatch({ records: [{ key: null, value: null, offsetDelta: 3 }, { key: null, value: null, offsetDelta: 3 }] }));
});

test('an empty batch (as compaction leaves) encodes and decodes', () => {
  const b = encodeRecordBatch({ baseOffset: 10n, lastOffsetDelta: 4, producerId: 7n, records: [] });
  assert.equal(b.length, 61);
  const { header, records } = decodeRecordBatch(b);
  assert.equal(header.lastOffsetDelta, 4);
  assert.equal(header.maxTimestamp, -1n);
  assert.deepEqual(records, []);
});

test('one flipped byte anywhere in the CRC coverage fails with CORRUPT_MESSAGE', () => {
  for (const compression of COMPRESSIONS) {
    const batch = encodeRecordBatch({ compression, records: [{ key: Buffer.from('k'), value: Buffer.from('value'.repeat(20)), timestamp: 1n }] });
    for (let i = 17; i < batch.length; i++) {
      const bad = Buffer.from(batch);
      bad[i]! ^= 0x40;
      assert.equal(codeOf(() => decodeRecordBatch(bad)), 2, `${compression} byte ${i}`);
    }
  }
});

test('record structure lies are refused before allocating (valid CRC, bad contents)', () => {
  const good = encodeRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 1n }] });
  const withCount = (n: number): Buffer => {
    const b = Buffer.from(good);
    b.writeInt32BE(n, 57);
    updateBatchCrc(b);
    return b;
  };
  assert.equal(codeOf(() => decodeRecordBatch(withCount(0x7fffffff))), 87);
  assert.equal(codeOf(() => decodeRecordBatch(withCount(-1))), 87);
  assert.equal(codeOf(() => decodeRecordBatch(withCount(0))), 87, 'bytes left over');
  // record length varint claims more than is there
  const longRecord = Buffer.from(good);
  longRecord[61] = 0x7e;
  updateBatchCrc(longRecord);
  assert.equal(codeOf(() => decodeRecordBatch(longRecord)), 87);
  // key length claims beyond the record
  const r = readBatchHeader(good);
  assert.equal(r.recordCount, 1);
  const badKey = Buffer.from(good);
  badKey[61 + 4] = 0x7e; // length, attributes, tsDelta, offsetDelta, then key length
  updateBatchCrc(badKey);
  assert.equal(codeOf(() => decodeRecordBatch(badKey)), 87);
});

test('a decompression bomb is refused with CORRUPT_MESSAGE for every compressing codec', () => {
  const big = Buffer.alloc(4 * 1024 * 1024);
  for (const compression of COMPRESSIONS.slice(1)) {
    const batch = encodeRecordBatch({ compression, records: [{ key: null, value: big, timestamp: 1n }] });
    assert.equal(codeOf(() => decodeRecordBatch(batch, { maxDecompressedBytes: 1024 * 1024 })), 2, compression);
    assert.equal(decodeRecordBatch(batch, { maxDecompressedBytes: 8 * 1024 * 1024 }).records[0]!.value!.length, big.length);
  }
});

test('batches concatenate and split back, each one valid', () => {
  const batches = COMPRESSIONS.map((compression, i) =>
    encodeRecordBatch({ compression, baseOffset: BigInt(i * 10), records: [{ key: null, value: Buffer.from(compression), timestamp: 3n }] }),
  );
  const all = Buffer.concat(batches);
  const split = splitBatches(all);
  assert.equal(split.trailingBytes, 0);
  assert.equal(split.batches.length, 5);
  split.batches.forEach((b, i) => {
    assert.equal(validateBatch(b).baseOffset, BigInt(i * 10));
    assert.deepEqual(decodeRecordBatch(b).records[0]!.value, Buffer.from(COMPRESSIONS[i]!));
  });
  let position = 0;
  for (const b of batches) {
    assert.equal(decodeRecordBatch(all, { position }).header.batchLength, b.length - 12);
    position += b.length;
  }
});

test('iterateRecordBatch validates up front and decodes records lazily', () => {
  const batch = encodeRecordBatch({ baseOffset: 7n, compression: 'lz4', records: Array.from({ length: 100 }, (_, i) => ({ key: null, value: Buffer.from(`v${i}`), timestamp: BigInt(i) })) });
  const { header, records } = iterateRecordBatch(batch);
  assert.equal(header.recordCount, 100);
  let n = 0;
  for (const r of records) {
    assert.equal(r.offset, 7n + BigInt(n));
    assert.deepEqual(r.value, Buffer.from(`v${n}`));
    if (++n === 10) break;
  }
  assert.equal([...records].length, 100, 'iterable again from the start');
  const bad = Buffer.from(batch);
  bad[70]! ^= 1;
  assert.equal(codeOf(() => iterateRecordBatch(bad)), 2);
});
