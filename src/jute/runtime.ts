/**
 * Jute's primitive encodings (BinaryInputArchive / BinaryOutputArchive), used by the generated
 * record codecs in ./generated and by the persistence code.
 *
 *   int     int32 big-endian          long    int64 big-endian (bigint)
 *   boolean one byte (0 / 1)          ustring int32 byte length + UTF-8, -1 = null
 *   buffer  int32 length + bytes, -1 = null
 *   vector  int32 count + elements, -1 = null
 *
 * Mapping of nulls: a null `buffer` decodes to `null` (ZooKeeper distinguishes null data from
 * empty data), a null `ustring` decodes to '' and a null `vector` to [] (no ZooKeeper record
 * gives those a meaning of their own; the server treats them as empty).
 *
 * Every length and count is bounded by the bytes that remain before anything is allocated, so
 * a hostile prefix fails with a DecodeError (the frame itself is bounded by jute.maxbuffer).
 */
import type { Reader, Writer } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';

/** ZooKeeper's default jute.maxbuffer: 0xfffff bytes (1 MiB - 1). */
export const DEFAULT_JUTE_MAX_BUFFER_BYTES = 0xfffff;

function readLength(r: Reader, what: string, minElementBytes: number): number {
  const n = r.int32();
  if (n < -1) throw new DecodeError(`negative ${what} length ${n}`);
  if (n > 0 && n * minElementBytes > r.remaining) {
    throw new DecodeError(`${what} length ${n} exceeds the ${r.remaining} bytes that remain`);
  }
  return n;
}

export function readUstring(r: Reader): string {
  const n = readLength(r, 'ustring', 1);
  if (n <= 0) return '';
  return r.utf8(n);
}

/** Like readUstring but keeps null apart from ''. */
export function readNullableUstring(r: Reader): string | null {
  const n = readLength(r, 'ustring', 1);
  if (n === -1) return null;
  if (n === 0) return '';
  return r.utf8(n);
}

/** A copy of the bytes (records outlive the frame they came in). */
export function readBuffer(r: Reader): Buffer | null {
  const n = readLength(r, 'buffer', 1);
  if (n === -1) return null;
  return Buffer.from(r.bytes(n));
}

/** Vector count; -1 (null) becomes 0. `minElementBytes` bounds count * size by what remains. */
export function readVectorCount(r: Reader, minElementBytes: number): number {
  const n = readLength(r, 'vector', Math.max(1, minElementBytes));
  return n === -1 ? 0 : n;
}

export function writeUstring(w: Writer, s: string | null): void {
  if (s === null) {
    w.int32(-1);
    return;
  }
  w.int32(Buffer.byteLength(s, 'utf8'));
  w.utf8(s);
}

export function writeBuffer(w: Writer, b: Uint8Array | null): void {
  if (b === null) {
    w.int32(-1);
    return;
  }
  w.int32(b.length);
  w.bytes(b);
}

/** Decodes a jute vector whose elements take at least `minElementBytes` each. */
export function readVector<T>(r: Reader, minElementBytes: number, decode: (r: Reader) => T): T[] {
  const n = readVectorCount(r, minElementBytes);
  const out: T[] = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = decode(r);
  return out;
}

export function writeVector<T>(w: Writer, items: readonly T[] | null, encode: (w: Writer, v: T) => void): void {
  if (items === null) {
    w.int32(-1);
    return;
  }
  w.int32(items.length);
  for (const item of items) encode(w, item);
}
