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
 * Every length is bounded by MAX_RECORD_BYTES before anything is allocated.
 */
import { Reader, Writer } from '../../../util/bytes.js';
import { crc32c } from '../../../util/crc32c.js';
import { DecodeError } from '../../../util/errors.js';
import type { AgentEvent } from '../../event.js';

export const RECORD_TYPE = { put: 1, take: 2 } as const;
export const RECORD_HEADER_BYTES = 8;
/** Upper bound on one transaction record (a batch of events). */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface PutEntry {
  id: bigint;
  event: AgentEvent;
}

export type LogRecord = { type: 'put'; entries: PutEntry[] } | { type: 'take'; ids: bigint[] };

export function encodePut(entries: readonly PutEntry[]): Buffer {
  const w = new Writer(64 + entries.reduce((n, e) => n + e.event.body.length + 32, 0));
  const start = w.reserve(RECORD_HEADER_BYTES);
  w.uint8(RECORD_TYPE.put).uint32(entries.length);
  for (const { id, event } of entries) {
    w.int64(id);
    const headers = Object.entries(event.headers);
    w.uint32(headers.length);
    for (const [k, v] of headers) {
      w.uint32(Buffer.byteLength(k)).utf8(k);
      w.uint32(Buffer.byteLength(v)).utf8(v);
    }
    w.uint32(event.body.length).bytes(event.body);
  }
  return seal(w, start);
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
 * Decodes the record at `offset`. Returns null when the bytes there are not a complete, intact
 * record (a torn or corrupt tail); the caller truncates there.
 */
export function decodeRecord(buf: Buffer, offset: number): { record: LogRecord; next: number } | null {
  if (offset + RECORD_HEADER_BYTES > buf.length) return null;
  const length = buf.readUInt32BE(offset);
  if (length < 5 || length > MAX_RECORD_BYTES || offset + RECORD_HEADER_BYTES + length > buf.length) return null;
  const body = buf.subarray(offset + RECORD_HEADER_BYTES, offset + RECORD_HEADER_BYTES + length);
  if (crc32c(body) !== buf.readUInt32BE(offset + 4)) return null;
  try {
    return { record: decodeBody(new Reader(body)), next: offset + RECORD_HEADER_BYTES + length };
  } catch (err) {
    if (err instanceof DecodeError) return null;
    throw err;
  }
}

function decodeBody(r: Reader): LogRecord {
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
  const entries: PutEntry[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.int64();
    const n = r.uint32();
    if (n * 8 > r.remaining) throw new DecodeError(`event claims ${n} headers in ${r.remaining} bytes`);
    const headers: Record<string, string> = {};
    for (let h = 0; h < n; h++) {
      const k = r.utf8(r.uint32());
      headers[k] = r.utf8(r.uint32());
    }
    const body = Buffer.from(r.bytes(r.uint32()));
    entries.push({ id, event: { headers, body } });
  }
  return { type: 'put', entries };
}
