/**
 * Big-endian byte Reader and Writer with the primitive encodings Kafka and ZooKeeper share:
 * fixed-width integers (int64 as bigint), float64, zig-zag varints (Kafka record fields),
 * unsigned varints (Kafka's compact lengths and tagged fields) and UUIDs.
 *
 * The Reader never reads past its end: every read checks the remaining length first and
 * throws a DecodeError, so a truncated or hostile input fails in a typed way without
 * allocating. Slices returned by `bytes()` share memory with the input (zero copy).
 */
import { DecodeError } from './errors.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

export class Reader {
  readonly buf: Buffer;
  offset: number;
  readonly end: number;

  constructor(buf: Buffer, offset = 0, end = buf.length) {
    this.buf = buf;
    this.offset = offset;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  /** Throws unless `n` more bytes are available. */
  need(n: number): void {
    if (n < 0 || this.offset + n > this.end) {
      throw new DecodeError(`need ${n} bytes at offset ${this.offset}, only ${this.end - this.offset} remain`);
    }
  }

  int8(): number {
    this.need(1);
    return this.buf.readInt8(this.offset++);
  }

  uint8(): number {
    this.need(1);
    return this.buf[this.offset++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  int64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes (32 bits), as Kafka's ByteUtils.readUnsignedVarint. */
  uvarint(): number {
    let value = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1);
      const b = this.buf[this.offset++]!;
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value >>> 0;
      shift += 7;
    }
    throw new DecodeError(`unsigned varint longer than 5 bytes at offset ${this.offset}`);
  }

  /** Zig-zag varint (32-bit signed). */
  varint(): number {
    const raw = this.uvarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zig-zag varlong (64-bit signed), at most 10 bytes. */
  varlong(): bigint {
    let raw = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.offset++]!;
      raw |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return (raw >> 1n) ^ -(raw & 1n);
      shift += 7n;
    }
    throw new DecodeError(`varlong longer than 10 bytes at offset ${this.offset}`);
  }

  /**
   * Zig-zag varlong returned as a JS number: the common case in record batches (offset and
   * timestamp deltas) where values fit in 53 bits. Throws if it does not fit.
   */
  varlongNumber(): number {
    const v = this.varlong();
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new DecodeError(`varlong ${v} does not fit a safe integer`);
    }
    return Number(v);
  }

  uuid(): Buffer {
    return this.bytes(16);
  }

  /** A zero-copy slice of the next `n` bytes. */
  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  utf8(n: number): string {
    this.need(n);
    const s = this.buf.toString('utf8', this.offset, this.offset + n);
    this.offset += n;
    return s;
  }

  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
}

/** A growable big-endian writer. `finish()` returns a slice of the internal buffer. */
export class Writer {
  buf: Buffer;
  offset = 0;

  constructor(initialBytes = 256) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes));
  }

  ensure(n: number): void {
    const needed = this.offset + n;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  // The fixed-width writes store bytes by hand: Buffer's writeInt32BE & co. validate their
  // arguments in JS and were a third of a field-heavy encode (Metadata). The range check kept
  // here is the one Buffer makes (two comparisons; NaN and undefined fail it too), and, as with
  // Buffer, a fractional value is truncated.

  int8(v: number): this {
    if (!(v >= -0x80 && v <= 0x7f)) throw outOfRange('int8', v);
    this.ensure(1);
    this.buf[this.offset++] = v;
    return this;
  }

  uint8(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v & 0xff;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    if (!(v >= -0x8000 && v <= 0x7fff)) throw outOfRange('int16', v);
    this.ensure(2);
    const buf = this.buf;
    const at = this.offset;
    buf[at] = v >>> 8;
    buf[at + 1] = v;
    this.offset = at + 2;
    return this;
  }

  uint16(v: number): this {
    if (!(v >= 0 && v <= 0xffff)) throw outOfRange('uint16', v);
    this.ensure(2);
    const buf = this.buf;
    const at = this.offset;
    buf[at] = v >>> 8;
    buf[at + 1] = v;
    this.offset = at + 2;
    return this;
  }

  int32(v: number): this {
    if (!(v >= -0x80000000 && v <= 0x7fffffff)) throw outOfRange('int32', v);
    return this.put32(v);
  }

  uint32(v: number): this {
    if (!(v >= 0 && v <= 0xffffffff)) throw outOfRange('uint32', v);
    return this.put32(v);
  }

  /** Four big-endian bytes of a range-checked 32-bit value (signed or not: the low 32 bits are the same). */
  private put32(v: number): this {
    this.ensure(4);
    const buf = this.buf;
    const at = this.offset;
    buf[at] = v >>> 24;
    buf[at + 1] = v >>> 16;
    buf[at + 2] = v >>> 8;
    buf[at + 3] = v;
    this.offset = at + 4;
    return this;
  }

  int64(v: bigint): this {
    if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`int64 out of range: ${v}`);
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.offset);
    this.offset += 8;
    return this;
  }

  float64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleBE(v, this.offset);
    this.offset += 8;
    return this;
  }

  uvarint(v: number): this {
    if (v < 0 || v > 0xffffffff || !Number.isInteger(v)) throw new RangeError(`uvarint out of range: ${v}`);
    this.ensure(5);
    let x = v >>> 0;
    while (x >= 0x80) {
      this.buf[this.offset++] = (x & 0x7f) | 0x80;
      x >>>= 7;
    }
    this.buf[this.offset++] = x;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: bigint | number): this {
    const b = typeof v === 'bigint' ? v : BigInt(v);
    let raw = BigInt.asUintN(64, (b << 1n) ^ (b >> 63n));
    this.ensure(10);
    while (raw >= 0x80n) {
      this.buf[this.offset++] = Number(raw & 0x7fn) | 0x80;
      raw >>= 7n;
    }
    this.buf[this.offset++] = Number(raw);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  utf8(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n);
    this.buf.write(s, this.offset, n, 'utf8');
    this.offset += n;
    return this;
  }

  /** Reserve `n` bytes to be filled later (e.g. a length or CRC); returns their position. */
  reserve(n: number): number {
    this.ensure(n);
    const at = this.offset;
    this.offset += n;
    return at;
  }

  /** The written bytes: a view of the internal buffer (copy it if the writer is reused). */
  finish(): Buffer {
    return this.buf.subarray(0, this.offset);
  }
}

function outOfRange(type: string, v: unknown): RangeError {
  return new RangeError(`${type} out of range: ${String(v)}`);
}

/** Number of bytes `uvarint(v)` takes. */
export function uvarintSize(v: number): number {
  let x = v >>> 0;
  let n = 1;
  while (x >= 0x80) {
    x >>>= 7;
    n++;
  }
  return n;
}

/** Number of bytes `varint(v)` takes. */
export function varintSize(v: number): number {
  return uvarintSize(((v << 1) ^ (v >> 31)) >>> 0);
}
