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
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../protocol/records/layout.js';
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

/** Undefined when no batch of this segment reaches `startOffset` (try the next segment). */
export function readSegmentBatches(
  seg: LogSegment,
  p: SegmentReadParams,
  onCorrupt: (position: number, reason: string) => void,
): { records: Buffer; firstEntryIncomplete: boolean } | undefined {
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
  const bytes = seg.readBytes(loc.position, Math.min(limit, maxPosition - loc.position));
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
