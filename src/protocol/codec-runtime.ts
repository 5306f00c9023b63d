/**
 * The small runtime the generated codecs (src/protocol/generated) call: Kafka's variable-length
 * primitives in their classic (int16/int32 length) and compact (unsigned varint length + 1)
 * forms, UUIDs, and the tagged-field section of flexible versions.
 *
 * Decoding bounds every length by the bytes that remain before allocating anything, so a
 * hostile length or count fails at once with a DecodeError. Bytes and records come back as
 * zero-copy slices of the input buffer: they keep that buffer alive as long as they live.
 *
 * UUIDs are strings in Kafka's own text form (`Uuid.toString()`: URL-safe base64 of the 16
 * bytes, no padding, 22 characters), the form Kafka also uses in ZooKeeper and meta.properties.
 */
import { Reader, Writer, uvarintSize } from '../util/bytes.js';
import { DecodeError, EncodeError } from '../util/errors.js';

export const EMPTY_BUFFER: Buffer = Buffer.alloc(0);
/** Kafka's Uuid.ZERO_UUID in text form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export interface UnknownTaggedField {
  tag: number;
  data: Buffer;
}

// ---------------------------------------------------------------- zero-copy output

/**
 * A Writer whose output is a list of chunks: byte fields of at least `zeroCopyMinBytes`
 * (record sets, above all) are not copied but become chunks of their own, so a Fetch response
 * goes to the socket as [fields, stored batches, fields, ...] without copying the batches.
 * Inside a tagged field everything is copied (its size is inserted in front of it afterwards).
 */
export class ChunkedWriter extends Writer {
  readonly zeroCopyMinBytes: number;
  /** Depth of tagged fields being written (bytes inside them are copied). */
  taggedDepth = 0;
  private readonly chunks: Buffer[] = [];
  private segmentStart = 0;
  private externalBytes = 0;

  constructor(initialBytes = 256, zeroCopyMinBytes = 4096) {
    super(initialBytes);
    this.zeroCopyMinBytes = zeroCopyMinBytes;
  }

  override bytes(b: Uint8Array): this {
    if (b.length < this.zeroCopyMinBytes || this.taggedDepth > 0) return super.bytes(b);
    this.cutSegment();
    this.chunks.push(Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.length));
    this.externalBytes += b.length;
    return this;
  }

  /** Bytes written so far, copied and zero-copy. */
  get totalBytes(): number {
    return this.offset + this.externalBytes;
  }

  /** The output. Chunks cut earlier stay valid if the buffer grows later (they keep the old memory). */
  finishChunks(): Buffer[] {
    this.cutSegment();
    return this.chunks;
  }

  private cutSegment(): void {
    if (this.offset > this.segmentStart) this.chunks.push(this.buf.subarray(this.segmentStart, this.offset));
    this.segmentStart = this.offset;
  }
}

// ---------------------------------------------------------------- strings

export function readString(r: Reader): string {
  const n = r.int16();
  if (n < 0) throw new DecodeError(`non-nullable string has length ${n} at offset ${r.offset - 2}`);
  return r.utf8(n);
}

export function readNullableString(r: Reader): string | null {
  const n = r.int16();
  if (n === -1) return null;
  if (n < 0) throw new DecodeError(`invalid string length ${n} at offset ${r.offset - 2}`);
  return r.utf8(n);
}

/** Kafka's limit for every string field, classic or compact. */
export const MAX_STRING_BYTES = 0x7fff;

export function readCompactString(r: Reader): string {
  const n = r.uvarint() - 1;
  if (n < 0) throw new DecodeError(`non-nullable compact string is null at offset ${r.offset}`);
  if (n > MAX_STRING_BYTES) throw new DecodeError(`string of ${n} bytes exceeds ${MAX_STRING_BYTES}`);
  return r.utf8(n);
}

export function readCompactNullableString(r: Reader): string | null {
  const n = r.uvarint() - 1;
  if (n < 0) return null;
  if (n > MAX_STRING_BYTES) throw new DecodeError(`string of ${n} bytes exceeds ${MAX_STRING_BYTES}`);
  return r.utf8(n);
}

/**
 * UTF-8 bytes of `s` at the writer's position, given its byte length `n` (already computed for
 * the length prefix). Short ASCII strings (most topic names, ids, hosts; byte length equal
 * to UTF-16 length means every char is ASCII) are written by a plain loop, several times
 * cheaper than Buffer.write's native call.
 */
function writeUtf8(w: Writer, s: string, n: number): void {
  w.ensure(n);
  const buf = w.buf;
  let at = w.offset;
  if (n === s.length && n <= 64) {
    for (let i = 0; i < n; i++) buf[at++] = s.charCodeAt(i);
  } else {
    buf.write(s, at, n, 'utf8');
  }
  w.offset += n;
}

function stringBytes(s: string | null): number {
  if (typeof s !== 'string') throw new EncodeError(`expected a string, got ${s === null ? 'null' : typeof s}`);
  return Buffer.byteLength(s, 'utf8');
}

export function writeString(w: Writer, s: string | null): void {
  const n = stringBytes(s);
  if (n > MAX_STRING_BYTES) throw new EncodeError(`string of ${n} bytes exceeds ${MAX_STRING_BYTES}`);
  w.int16(n);
  writeUtf8(w, s!, n);
}

export function writeNullableString(w: Writer, s: string | null): void {
  if (s === null) w.int16(-1);
  else writeString(w, s);
}

export function writeCompactString(w: Writer, s: string | null): void {
  const n = stringBytes(s);
  if (n > MAX_STRING_BYTES) throw new EncodeError(`string of ${n} bytes exceeds ${MAX_STRING_BYTES}`);
  w.uvarint(n + 1);
  writeUtf8(w, s!, n);
}

export function writeCompactNullableString(w: Writer, s: string | null): void {
  if (s === null) w.uvarint(0);
  else writeCompactString(w, s);
}

// ---------------------------------------------------------------- bytes and records

export function readBytes(r: Reader): Buffer {
  const n = r.int32();
  if (n < 0) throw new DecodeError(`non-nullable bytes has length ${n} at offset ${r.offset - 4}`);
  return r.bytes(n);
}

export function readNullableBytes(r: Reader): Buffer | null {
  const n = r.int32();
  if (n === -1) return null;
  if (n < 0) throw new DecodeError(`invalid bytes length ${n} at offset ${r.offset - 4}`);
  return r.bytes(n);
}

export function readCompactBytes(r: Reader): Buffer {
  const n = r.uvarint() - 1;
  if (n < 0) throw new DecodeError(`non-nullable compact bytes is null at offset ${r.offset}`);
  return r.bytes(n);
}

export function readCompactNullableBytes(r: Reader): Buffer | null {
  const n = r.uvarint() - 1;
  if (n < 0) return null;
  return r.bytes(n);
}

function checkBuffer(b: Buffer | null): asserts b is Buffer {
  if (!(b instanceof Uint8Array)) throw new EncodeError(`expected a Buffer, got ${b === null ? 'null' : typeof b}`);
}

export function writeBytes(w: Writer, b: Buffer | null): void {
  checkBuffer(b);
  w.int32(b.length);
  w.bytes(b);
}

export function writeNullableBytes(w: Writer, b: Buffer | null): void {
  if (b === null) w.int32(-1);
  else writeBytes(w, b);
}

export function writeCompactBytes(w: Writer, b: Buffer | null): void {
  checkBuffer(b);
  w.uvarint(b.length + 1);
  w.bytes(b);
}

export function writeCompactNullableBytes(w: Writer, b: Buffer | null): void {
  if (b === null) w.uvarint(0);
  else writeCompactBytes(w, b);
}

// ---------------------------------------------------------------- uuid

export function readUuid(r: Reader): string {
  r.need(16);
  const s = r.buf.toString('base64url', r.offset, r.offset + 16);
  r.offset += 16;
  return s;
}

const UUID_TEXT = /^[A-Za-z0-9_-]{22}$/;

export function writeUuid(w: Writer, id: string): void {
  if (typeof id !== 'string' || !UUID_TEXT.test(id)) throw new EncodeError(`invalid uuid ${String(id)}`);
  w.ensure(16);
  const n = w.buf.write(id, w.offset, 16, 'base64url');
  if (n !== 16) throw new EncodeError(`invalid uuid ${id}`);
  w.offset += 16;
}

// ---------------------------------------------------------------- arrays

/**
 * Reads an int32 array count and checks that `count` elements of at least `minElementBytes`
 * each fit in what remains. Returns -1 for a null array (only when `nullable`).
 */
export function readArrayCount(r: Reader, minElementBytes: number, nullable: boolean): number {
  const n = r.int32();
  return checkCount(r, n, minElementBytes, nullable);
}

export function readCompactArrayCount(r: Reader, minElementBytes: number, nullable: boolean): number {
  const n = r.uvarint() - 1;
  return checkCount(r, n, minElementBytes, nullable);
}

function checkCount(r: Reader, n: number, minElementBytes: number, nullable: boolean): number {
  if (n < 0) {
    if (n === -1 && nullable) return -1;
    throw new DecodeError(n === -1 ? `non-nullable array is null at offset ${r.offset}` : `invalid array length ${n}`);
  }
  if (n * minElementBytes > r.remaining || (minElementBytes === 0 && n > r.remaining)) {
    throw new DecodeError(`array of ${n} elements cannot fit in the ${r.remaining} bytes that remain`);
  }
  return n;
}

export function writeArrayCount(w: Writer, a: readonly unknown[] | null): void {
  if (a === null) w.int32(-1);
  else {
    if (!Array.isArray(a)) throw new EncodeError(`expected an array, got ${typeof a}`);
    w.int32(a.length);
  }
}

export function writeCompactArrayCount(w: Writer, a: readonly unknown[] | null): void {
  if (a === null) w.uvarint(0);
  else {
    if (!Array.isArray(a)) throw new EncodeError(`expected an array, got ${typeof a}`);
    w.uvarint(a.length + 1);
  }
}

/** Throws when a non-nullable array, string or struct value is null at this version. */
export function requireNonNull<T>(v: T | null, what: string): T {
  if (v === null || v === undefined) throw new EncodeError(`${what} is not nullable in this version`);
  return v;
}

// ---------------------------------------------------------------- nullable structs

/** Nullable structs are preceded by an int8: -1 for null, 1 for present (Kafka's generated code). */
export function readStructPresence(r: Reader): boolean {
  return r.int8() >= 0;
}

/** As the value of a tagged field, a nullable struct's marker is an unsigned varint: 0 null, 1 present. */
export function readTaggedStructPresence(r: Reader): boolean {
  return r.uvarint() > 0;
}

// ---------------------------------------------------------------- tagged fields

/** Number of tagged fields in a flexible struct, bounded by the bytes that remain (each takes >= 2). */
export function readTaggedFieldCount(r: Reader): number {
  const n = r.uvarint();
  if (n * 2 > r.remaining) throw new DecodeError(`${n} tagged fields cannot fit in the ${r.remaining} bytes that remain`);
  return n;
}

/** Reads a tagged field's size and returns a Reader bounded to its value; advances `r` past it. */
export function taggedFieldReader(r: Reader, size: number): Reader {
  r.need(size);
  const sub = new Reader(r.buf, r.offset, r.offset + size);
  r.offset += size;
  return sub;
}

/** A known tagged field must fill exactly the size its header declared. */
export function checkTaggedFieldEnd(sub: Reader, tag: number): void {
  if (sub.offset !== sub.end) throw new DecodeError(`tagged field ${tag} has ${sub.end - sub.offset} unread bytes`);
}

/** Marks the start of a tagged field's value; call `endTaggedField` after writing it. */
export function beginTaggedField(w: Writer, tag: number): number {
  w.uvarint(tag);
  if (w instanceof ChunkedWriter) w.taggedDepth++;
  return w.offset;
}

/**
 * Inserts the uvarint size in front of the value written since `start` (moving the value up
 * by the size's width), so a tagged field is written once, without a temporary buffer.
 */
export function endTaggedField(w: Writer, start: number): void {
  if (w instanceof ChunkedWriter) w.taggedDepth--;
  const size = w.offset - start;
  const width = uvarintSize(size);
  w.ensure(width);
  const buf = w.buf;
  buf.copyWithin(start + width, start, w.offset);
  // Written by hand: Writer.uvarint() at `start` could grow the buffer and drop the moved value.
  let x = size;
  let at = start;
  while (x >= 0x80) {
    buf[at++] = (x & 0x7f) | 0x80;
    x >>>= 7;
  }
  buf[at] = x;
  w.offset += width;
}

export function writeUnknownTaggedField(w: Writer, f: UnknownTaggedField): void {
  w.uvarint(f.tag);
  w.uvarint(f.data.length);
  w.bytes(f.data);
}

/** Writes unknown tagged fields whose tag is below `beforeTag`, starting at index `i`; returns the next index. */
export function writeUnknownTaggedFieldsBefore(
  w: Writer,
  unknown: readonly UnknownTaggedField[],
  i: number,
  beforeTag: number,
): number {
  while (i < unknown.length && unknown[i]!.tag < beforeTag) {
    writeUnknownTaggedField(w, unknown[i]!);
    i++;
  }
  return i;
}

/** The tagged section of a struct with no known tagged fields in this version. */
export function writeUnknownTaggedFieldsOnly(w: Writer, unknown: readonly UnknownTaggedField[] | undefined): void {
  if (unknown === undefined || unknown.length === 0) {
    w.uint8(0);
    return;
  }
  w.uvarint(unknown.length);
  for (const f of unknown) writeUnknownTaggedField(w, f);
}

/** Keeps a tagged field this version does not know, as raw bytes (zero copy), for re-encoding. */
export function pushUnknownTaggedField(
  r: Reader,
  o: { _unknownTaggedFields?: UnknownTaggedField[] },
  tag: number,
  size: number,
): void {
  const data = r.bytes(size);
  if (o._unknownTaggedFields === undefined) o._unknownTaggedFields = [{ tag, data }];
  else o._unknownTaggedFields.push({ tag, data });
}

/** Reads a tagged section in which every field is unknown to this version. */
export function readUnknownTaggedFields(r: Reader, o: { _unknownTaggedFields?: UnknownTaggedField[] }): void {
  const n = readTaggedFieldCount(r);
  for (let i = 0; i < n; i++) {
    const tag = r.uvarint();
    const size = r.uvarint();
    pushUnknownTaggedField(r, o, tag, size);
  }
}

// ---------------------------------------------------------------- errors

export function nonDefaultFieldError(struct: string, field: string, version: number): EncodeError {
  return new EncodeError(`${struct}.${field} has a non-default value but is not present in version ${version}`);
}

export function taggedFieldsUnsupportedError(struct: string, version: number): EncodeError {
  return new EncodeError(`${struct} has tagged fields, but version ${version} does not support them`);
}

export function unsupportedVersionError(message: string, version: number): EncodeError {
  return new EncodeError(`${message} has no version ${version}`);
}

export function unsupportedDecodeVersionError(message: string, version: number): DecodeError {
  return new DecodeError(`${message} has no version ${version}`);
}
