/**
 * One record inside a RecordBatch v2 (Kafka's DefaultRecord):
 *
 *   length: varint                 bytes after this field
 *   attributes: int8               unused, 0
 *   timestampDelta: varlong        from the batch's baseTimestamp
 *   offsetDelta: varint            from the batch's baseOffset
 *   keyLength: varint, key         -1 for a null key
 *   valueLength: varint, value     -1 for a null value
 *   headerCount: varint
 *   headers: [keyLength varint, key utf8 (never null), valueLength varint (-1 = null), value]
 *
 * `timestampDelta` is a JS number: it is a difference of millisecond timestamps, far inside
 * 2^53; a delta beyond that is refused as an invalid record rather than silently rounded.
 */
import { assert } from '../../util/assert.js';
import { Reader, uvarintSize, type Writer } from '../../util/bytes.js';
import { ErrorCode, KafkaError } from '../errors.js';

export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

export interface Record {
  attributes: number;
  timestampDelta: number;
  offsetDelta: number;
  /** For decoded records, a slice sharing memory with the batch (or its decompressed records). */
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded record with its absolute offset and timestamp resolved from the batch header. */
export interface DecodedRecord extends Record {
  offset: bigint;
  timestamp: bigint;
}

/** The smallest encoded record: 1-byte length, attributes, deltas, null key/value, no headers. */
export const MIN_RECORD_BYTES = 7;
/** The smallest encoded header: empty key, null value. */
const MIN_HEADER_BYTES = 2;

function zigzagSize(v: number): number {
  // Exact for |v| <= 2^53: the zig-zag value is 2v or -2v-1, counted in 7-bit groups.
  let z = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (z >= 128) {
    z = Math.floor(z / 128);
    n++;
  }
  return n;
}

function writeVarlong(w: Writer, v: number): void {
  // A varlong of a value in int32 range is the same bytes as its varint, which is cheaper.
  if (v >= -0x80000000 && v <= 0x7fffffff) w.varint(v);
  else w.varlong(v);
}

function bytesFieldSize(b: Buffer | null): number {
  return b === null ? 1 : zigzagSize(b.length) + b.length;
}

/** Size of the record body (everything after its length prefix). */
export function recordBodySize(r: Record): number {
  let n = 1 + zigzagSize(r.timestampDelta) + zigzagSize(r.offsetDelta) + bytesFieldSize(r.key) + bytesFieldSize(r.value);
  n += zigzagSize(r.headers.length);
  for (const h of r.headers) {
    const keyBytes = Buffer.byteLength(h.key, 'utf8');
    n += zigzagSize(keyBytes) + keyBytes + bytesFieldSize(h.value);
  }
  return n;
}

function writeBytesField(w: Writer, b: Buffer | null): void {
  if (b === null) {
    w.varint(-1);
  } else {
    w.varint(b.length);
    w.bytes(b);
  }
}

/** Writes one record with its length prefix. */
export function writeRecord(w: Writer, r: Record): void {
  const body = recordBodySize(r);
  w.ensure(uvarintSize(body * 2) + body);
  w.varint(body);
  const start = w.offset;
  w.int8(r.attributes);
  writeVarlong(w, r.timestampDelta);
  w.varint(r.offsetDelta);
  writeBytesField(w, r.key);
  writeBytesField(w, r.value);
  w.varint(r.headers.length);
  for (const h of r.headers) {
    w.varint(Buffer.byteLength(h.key, 'utf8'));
    w.utf8(h.key);
    writeBytesField(w, h.value);
  }
  assert(w.offset - start === body, `record size mismatch: computed ${body}, wrote ${w.offset - start}`);
}

function invalid(detail: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_RECORD, detail);
}

function readBytesField(r: Reader, what: string): Buffer | null {
  const len = r.varint();
  if (len === -1) return null;
  if (len < 0) throw invalid(`invalid ${what} length ${len}`);
  if (len > r.remaining) throw invalid(`${what} length ${len} exceeds the ${r.remaining} bytes left in the record`);
  return r.bytes(len);
}

/**
 * Reads one record (length prefix included). The Reader must be bounded to the records section;
 * every length is checked against what is left before slicing, and the record must use exactly
 * the bytes its length says (Kafka's "Invalid record size" check).
 */
export function readRecord(r: Reader): Record {
  const length = r.varint();
  if (length < MIN_RECORD_BYTES - 1 || length > r.remaining) {
    throw invalid(`record length ${length} is invalid with ${r.remaining} bytes left`);
  }
  const end = r.offset + length;
  const body = new Reader(r.buf, r.offset, end);
  const attributes = body.int8();
  const timestampDelta = body.varlongNumber();
  const offsetDelta = body.varint();
  const key = readBytesField(body, 'key');
  const value = readBytesField(body, 'value');
  const headerCount = body.varint();
  if (headerCount < 0 || headerCount * MIN_HEADER_BYTES > body.remaining) {
    throw invalid(`invalid number of record headers ${headerCount}`);
  }
  const headers: RecordHeader[] = new Array(headerCount);
  for (let i = 0; i < headerCount; i++) {
    const keyLength = body.varint();
    if (keyLength < 0) throw invalid(`invalid negative header key size ${keyLength}`);
    if (keyLength > body.remaining) throw invalid(`header key length ${keyLength} exceeds the record`);
    const hkey = body.utf8(keyLength);
    headers[i] = { key: hkey, value: readBytesField(body, 'header value') };
  }
  if (body.offset !== end) {
    throw invalid(`invalid record size: expected to read ${length} bytes in record payload, but read ${length - (end - body.offset)}`);
  }
  r.offset = end;
  return { attributes, timestampDelta, offsetDelta, key, value, headers };
}
