/**
 * The file channel's log record. A transaction is written as ONE record when it commits, so a
 * crash either leaves the whole transaction on disk or (a torn tail) none of it:
 *
 *   uint32 bodyLength | uint32 crc32c(body) | body
 *   body = uint8 type | uint32 count | entries
 *     type 1 PUT:  count × (uint64 eventId | uint32 headerCount | headerCount × (uint32 keyLen key uint32 valueLen value) | uint32 bodyLen body)
 *     type 2 TAKE: count × uint64 eventId
 *
 * Event ids grow by one per event put, across the channel's life (replay restores the next id).
 * Every length is bounded by MAX_RECORD_BYTES before anything is allocated. A queued event is
 * kept in memory only as (file, position, length) of its entry; take() reads the entry back
 * (decodeEntry), so the channel's memory does not grow with the events it holds.
 */
import { Reader, Writer } from '../../../util/bytes.js';
import { crc32c } from '../../../util/crc32c.js';
import { DecodeError } from '../../../util/errors.js';
import { setHeader, type AgentEvent } from '../../event.js';

export const RECORD_TYPE = { put: 1, take: 2 } as const;
export const RECORD_HEADER_BYTES = 8;
/** Upper bound on one transaction record (a batch of events). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface PutEntry {
  id: bigint;
  event: AgentEvent;
}

/** Where an entry lies, relative to the start of its record (encoding) or file (replay). */
export interface EntryLocation {
  id: bigint;
  position: number;
  length: number;
}

export type LogRecord = { type: 'put'; entries: EntryLocation[] } | { type: 'take'; ids: bigint[] };

/** A put record and where each of its entries lies within it. */
export function encodePut(entries: readonly PutEntry[]): { record: Buffer; locations: EntryLocation[] } {
  const w = new Writer(64 + entries.reduce((n, e) => n + e.event.body.length + 32, 0));
  const start = w.reserve(RECORD_HEADER_BYTES);
  w.uint8(RECORD_TYPE.put).uint32(entries.length);
  const locations: EntryLocation[] = [];
  for (const { id, event } of entries) {
    const at = w.offset;
    w.int64(id);
    const headers = Object.entries(event.headers);
    w.uint32(headers.length);
    for (const [k, v] of headers) {
      w.uint32(Buffer.byteLength(k)).utf8(k);
      w.uint32(Buffer.byteLength(v)).utf8(v);
    }
    w.uint32(event.body.length).bytes(event.body);
    locations.push({ id, position: at - start, length: w.offset - at });
  }
  return { record: seal(w, start), locations };
}

export function encodeTake(ids: readonly bigint[]): Buffer {
  const w = new Writer(16 + ids.length * 8);
  const start = w.reserve(RECORD_HEADER_BYTES);
  w.uint8(RECORD_TYPE.take).uint32(ids.length);
  for (const id of ids) w.int64(id);
  return seal(w, start);
}

function seal(w: Writer, start: number): Buffer {
  const buf = Buffer.from(w.finish());
  const body = buf.subarray(start + RECORD_HEADER_BYTES);
  buf.writeUInt32BE(body.length, start);
  buf.writeUInt32BE(crc32c(body), start + 4);
  return buf;
}

/**
 * Decodes the record at `offset` (put entries as locations relative to `buf`, bodies not
 * copied). Returns null when the bytes there are not a complete, intact record (a torn or
 * corrupt tail); the caller truncates there.
 */
export function decodeRecord(buf: Buffer, offset: number): { record: LogRecord; next: number } | null {
  if (offset + RECORD_HEADER_BYTES > buf.length) return null;
  const length = buf.readUInt32BE(offset);
  if (length < 5 || length > MAX_RECORD_BYTES || offset + RECORD_HEADER_BYTES + length > buf.length) return null;
  const body = buf.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length);
  if (crc32c(body) !== buf.readUInt32BE(offset + 4)) return null;
  try {
    return { record: decodeBody(new Reader(body), offset + RECORD_HEADER_BYTES), next: offset + RECORD_HEADER_BYTES + length };
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
}

function decodeBody(r: Reader, base: number): LogRecord {
  const type = r.uint8();
  const count = r.uint32();
  if (type === RECORD_TYPE.take) {
    r.need(count * 8);
    const ids: bigint[] = [];
    for (let i = 0; i < count; i++) ids.push(r.int64());
    return { type: 'take', ids };
  }
  if (type !== RECORD_TYPE.put) throw new DecodeError(`unknown file channel record type ${type}`);
  // Each entry takes at least 16 bytes: bound the count before looping.
  if (count * 16 > r.remaining) throw new DecodeError(`put record claims ${count} events in ${r.remaining} bytes`);
  const entries: EntryLocation[] = [];
  for (let i = 0; i < count; i++) {
    const at = r.offset;
    const id = r.int64();
    const n = r.uint32();
    if (n * 8 > r.remaining) throw new DecodeError(`event claims ${n} headers in ${r.remaining} bytes`);
    for (let h = 0; h < 2 * n; h++) r.skip(r.uint32());
    r.skip(r.uint32());
    entries.push({ id, position: base + at, length: r.offset - at });
  }
  return { type: 'put', entries };
}

/** One put entry's bytes (as located by encodePut or a replay) back to its id and event. */
export function decodeEntry(buf: Buffer): PutEntry {
  const r = new Reader(buf);
  const id = r.int64();
  const n = r.uint32();
  if (n * 8 > r.remaining) throw new DecodeError(`event claims ${n} headers in ${r.remaining} bytes`);
  const headers: Record<string, string> = {};
  for (let h = 0; h < n; h++) {
    const k = r.utf8(r.uint32());
    setHeader(headers, k, r.utf8(r.uint32()));
  }
  const body = Buffer.from(r.bytes(r.uint32()));
  if (r.remaining !== 0) throw new DecodeError(`${r.remaining} bytes after the event`);
  return { id, event: { headers, body } };
}
