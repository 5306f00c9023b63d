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

test('fixed-width writes store what Buffer.write*BE stores, and refuse what it refuses', () => {
  const cases = [
    { name: 'int8', min: -0x80, max: 0x7f, size: 1, put: (b: Buffer, v: number) => b.writeInt8(v, 0), get: (r: Reader) => r.int8() },
    { name: 'int16', min: -0x8000, max: 0x7fff, size: 2, put: (b: Buffer, v: number) => b.writeInt16BE(v, 0), get: (r: Reader) => r.int16() },
    { name: 'uint16', min: 0, max: 0xffff, size: 2, put: (b: Buffer, v: number) => b.writeUInt16BE(v, 0), get: (r: Reader) => r.uint16() },
    { name: 'int32', min: -0x80000000, max: 0x7fffffff, size: 4, put: (b: Buffer, v: number) => b.writeInt32BE(v, 0), get: (r: Reader) => r.int32() },
    { name: 'uint32', min: 0, max: 0xffffffff, size: 4, put: (b: Buffer, v: number) => b.writeUInt32BE(v, 0), get: (r: Reader) => r.uint32() },
  ] as const;
  for (const c of cases) {
    const write = (w: Writer, v: number): Writer => (w[c.name] as (v: number) => Writer).call(w, v);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: c.min, max: c.max }), fc.constantFrom(c.min, c.max, 0, -0)), (v) => {
        const want = Buffer.alloc(c.size);
        c.put(want, v);
        const got = write(new Writer(16), v).finish();
        assert.deepEqual(got, want, `${c.name} ${v}`);
        assert.equal(c.get(new Reader(got)), v === 0 ? 0 : v);
      }),
      { numRuns: 300, seed: 11 },
    );
    // A fractional value is truncated, as Buffer does.
    assert.equal(c.get(new Reader(write(new Writer(), 1.75).finish())), 1);
    for (const bad of [c.min - 1, c.max + 1, NaN, Infinity, -Infinity, undefined as unknown as number]) {
      assert.throws(() => write(new Writer(), bad), RangeError, `${c.name} ${String(bad)}`);
    }
    // A refused value writes nothing.
    const w = new Writer();
    assert.throws(() => write(w, c.max + 1), RangeError);
    assert.equal(w.offset, 0);
  }
  // Writes that cross the growth boundary land intact.
  const w = new Writer(16);
  for (let i = 0; i < 100; i++) w.int32(-i | 0).uint16(i).int8(-1);
  const r = new Reader(w.finish());
  for (let i = 0; i < 100; i++) assert.deepEqual([r.int32(), r.uint16(), r.int8()], [-i | 0, i, -1]);
});
