import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer, uvarintSize, varintSize } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';

test('varint / varlong / uvarint round-trip and sizes match', () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.bigInt(-(1n << 63n), (1n << 63n) - 1n), fc.nat(), (i, l, u) => {
      const w = new Writer(4);
      w.varint(i).varlong(l).uvarint(u);
      const r = new Reader(w.finish());
      assert.equal(r.varint(), i);
      assert.equal(r.varlong(), l);
      assert.equal(r.uvarint(), u);
      assert.equal(r.remaining, 0);
      assert.equal(uvarintSize(u) + varintSize(i) <= 10, true);
    }),
  );
});

test('known varint encodings (Kafka / protobuf zig-zag)', () => {
  assert.deepEqual([...new Writer().varint(0).finish()], [0]);
  assert.deepEqual([...new Writer().varint(-1).finish()], [1]);
  assert.deepEqual([...new Writer().varint(1).finish()], [2]);
  assert.deepEqual([...new Writer().varint(-64).finish()], [127]);
  assert.deepEqual([...new Writer().varint(64).finish()], [0x80, 0x01]);
  assert.deepEqual([...new Writer().uvarint(300).finish()], [0xac, 0x02]);
});

test('reads past the end throw DecodeError', () => {
  const r = new Reader(Buffer.from([1, 2, 3]));
  assert.throws(() => r.int32(), DecodeError);
  assert.throws(() => new Reader(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])).uvarint(), DecodeError);
  assert.throws(() => new Reader(Buffer.from([0x80])).varlong(), DecodeError);
  assert.throws(() => new Reader(Buffer.alloc(2)).bytes(5), DecodeError);
});
