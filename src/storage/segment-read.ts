/**
 * Reading whole batches from one segment file for a fetch: locate the batch holding the start
 * offset (sparse index + header scan), bound the read by the upper offset (HW / LSO: only
 * batches entirely below it) and max bytes (the first batch even past it with minOneMessage,
 * KIP-74), read the bytes into a page-aligned buffer and keep whole batches only.
 *
 * CRCs: Kafka checks them on append and on recovery, never when serving a fetch (the consumer
 * checks). We also check each batch the first time it is read from disk after the segment was
 * opened (LogSegment.verifiedStart/verifiedEnd): corruption is reported where it is found (a logged
 * line), the batches before it are served, and a corrupt first batch is CORRUPT_MESSAGE. Bytes
 * already checked in this process are not checked again, so repeated reads cost a read(2) only.
 */
import { validateBatch } from '../protocol/records/index.js';
import { BATCH_LENGTH_OFFSET, CURRENT_MAGIC, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, MAGIC_OFFSET, RECORD_BATCH_OVERHEAD } from '../protocol/records/layout.js';
import { KafkaError, ErrorCode } from '../protocol/errors.js';
import type { LogSegment } from './log-segment.js';

export interface SegmentReadParams {
  startOffset: bigint;
  maxBytes: number;
  /** Exclusive: a batch is returned only if its last offset is below this. */
  maxOffset: bigint;
  minOneMessage: boolean;
  logEndOffset: bigint;
}

/** Bytes read past `maxBytes` by the one-read path, for the batches between the index entry and the start. */
const LOOKAHEAD_BYTES = 8 * 1024;

type SegmentReadResult = { records: Buffer; firstEntryIncomplete: boolean };

/** Undefined when no batch of this segment reaches `startOffset` (try the next segment). */
export function readSegmentBatches(seg: LogSegment, p: SegmentReadParams, onCorrupt: (position: number, reason: string) => void): SegmentReadResult | undefined {
  return readInOneCall(seg, p, onCorrupt) ?? readLocatingFirst(seg, p, onCorrupt);
}

/**
 * The common case in one read(2): read from the sparse index entry's position (at most about
 * index.interval.bytes before the start), skip the batches before the start offset in memory
 * and stop at the upper bound. Undefined (use readLocatingFirst) when the buffer does not hold
 * the first wanted batch whole or the headers do not look like batches.
 */
function readInOneCall(seg: LogSegment, p: SegmentReadParams, onCorrupt: (position: number, reason: string) => void): SegmentReadResult | undefined {
  const memo = seg.lastReadEnd;
  let from = memo !== undefined && memo.nextOffset === p.startOffset && memo.position <= seg.size ? memo.position : seg.offsetIndex.lookup(p.startOffset).position;
  if (from >= seg.size) return undefined;
  let bytes = seg.readBytes(from, Math.min(seg.size - from, p.maxBytes + LOOKAHEAD_BYTES));
  let at = 0;
  let firstLast = -1n;
  let firstSize = 0;
  for (;;) {
    if (at + RECORD_BATCH_OVERHEAD > bytes.length) return undefined;
    firstSize = bytes.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (firstSize < RECORD_BATCH_OVERHEAD || bytes.readInt8(at + MAGIC_OFFSET) !== CURRENT_MAGIC) return undefined;
    firstLast = bytes.readBigInt64BE(at) + BigInt(bytes.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET));
    if (firstLast >= p.startOffset) break;
    at += firstSize;
  }
  if (firstLast >= p.maxOffset) return { records: Buffer.alloc(0), firstEntryIncomplete: false };
  const limit = p.minOneMessage ? Math.max(p.maxBytes, firstSize) : p.maxBytes;
  if (firstSize > limit) return { records: Buffer.alloc(0), firstEntryIncomplete: true };
  if (at + firstSize > bytes.length) {
    // A first batch larger than what was read (minOneMessage): read again from it.
    from += at;
    at = 0;
    bytes = seg.readBytes(from, Math.min(seg.size - from, limit));
  }
  // Whole batches below the upper bound and within the limit.
  let end = at;
  while (end + RECORD_BATCH_OVERHEAD <= bytes.length) {
    const size = bytes.readInt32BE(end + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || end + size > bytes.length || end + size - at > limit) break;
    if (p.maxOffset < p.logEndOffset && bytes.readBigInt64BE(end) + BigInt(bytes.readInt32BE(end + LAST_OFFSET_DELTA_OFFSET)) >= p.maxOffset) break;
    end += size;
  }
  const result = checkBatches(seg, from + at, bytes.subarray(at, end), onCorrupt);
  const n = result.records.length;
  if (n > 0) {
    // The batch that ends the result: its last offset + 1 is where a sequential reader asks next.
    let last = 0;
    while (last + bytes.readInt32BE(at + last + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD < n) last += bytes.readInt32BE(at + last + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    seg.lastReadEnd = { nextOffset: bytes.readBigInt64BE(at + last) + BigInt(bytes.readInt32BE(at + last + LAST_OFFSET_DELTA_OFFSET)) + 1n, position: from + at + n };
  }
  return result;
}

/** Locates the first batch with a header scan, then reads from it (large batches, odd layouts). */
function readLocatingFirst(seg: LogSegment, p: SegmentReadParams, onCorrupt: (position: number, reason: string) => void): SegmentReadResult | undefined {
  const loc = seg.translateOffset(p.startOffset);
  if (loc === undefined) return undefined;
  if (loc.lastOffset >= p.maxOffset) return { records: Buffer.alloc(0), firstEntryIncomplete: false };
  const limit = p.minOneMessage ? Math.max(p.maxBytes, loc.size) : p.maxBytes;
  if (loc.size > limit) return { records: Buffer.alloc(0), firstEntryIncomplete: true };
  let maxPosition = seg.size;
  if (p.maxOffset < p.logEndOffset) {
    const bound = seg.translateOffset(p.maxOffset, loc.position);
    if (bound !== undefined) maxPosition = bound.position;
  }
  return checkBatches(seg, loc.position, seg.readBytes(loc.position, Math.min(limit, maxPosition - loc.position)), onCorrupt);
}

/** Keeps the whole batches of `bytes` (read at `position`) that pass their first-touch CRC check. */
function checkBatches(seg: LogSegment, position: number, bytes: Buffer, onCorrupt: (position: number, reason: string) => void): SegmentReadResult {
  const loc = { position };
  let end = 0;
  // Batches entirely below this (relative) position were checked by an earlier read or recovery.
  const verifiedStart = seg.verifiedStart - loc.position;
  const verifiedEnd = seg.verifiedEnd - loc.position;
  while (end + LOG_OVERHEAD <= bytes.length) {
    const size = bytes.readInt32BE(end + 8) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || end + size > bytes.length) break;
    if (end >= verifiedStart && end + size <= verifiedEnd) {
      end += size;
      continue;
    }
    try {
      validateBatch(bytes.subarray(end, end + size), 0);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      onCorrupt(loc.position + end, e.message);
      if (end === 0) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `corrupt batch at position ${loc.position} of ${seg.logPath}: ${e.message}`);
      break;
    }
    end += size;
  }
  seg.markVerified(loc.position, loc.position + end);
  return { records: bytes.subarray(0, end), firstEntryIncomplete: false };
}
