/**
 * TimeIndex — the `.timeindex` file: a sparse map from timestamp to offset. Each entry is
 * 12 bytes:
 *
 *   timestamp:      int64   the largest record timestamp seen in the segment so far
 *   relativeOffset: int32   offset - segment base offset of the batch holding that timestamp
 *
 * Entries are added together with offset-index entries and only when the timestamp grows, so
 * both columns are monotonic. Lookup(ts) returns the last entry with timestamp <= ts; the
 * search for the first record with timestamp >= ts scans forward from there.
 */
import { IndexFile, CorruptIndexError } from './index-file.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestampMs: number;
  offset: bigint;
}

export class TimeIndex extends IndexFile {
  constructor(path: string, baseOffset: bigint, maxIndexBytes: number) {
    super(path, baseOffset, maxIndexBytes, TIME_INDEX_ENTRY_BYTES);
  }

  private tsAt(i: number): number {
    return Number(this.buf.readBigInt64BE(i * 12));
  }

  private relAt(i: number): number {
    return this.buf.readInt32BE(i * 12 + 8);
  }

  /** The last entry, or undefined. */
  lastEntry(): TimestampOffset | undefined {
    const n = this.entries;
    if (n === 0) return undefined;
    return { timestampMs: this.tsAt(n - 1), offset: this.baseOffset + BigInt(this.relAt(n - 1)) };
  }

  /** Adds an entry when the timestamp is larger than the last one's. */
  maybeAppend(timestampMs: number, offset: bigint): void {
    const n = this.entries;
    const rel = Number(offset - this.baseOffset);
    if (n > 0 && (timestampMs <= this.tsAt(n - 1) || rel < this.relAt(n - 1))) return;
    this.appendEntry((buf, at) => {
      buf.writeBigInt64BE(BigInt(timestampMs), at);
      buf.writeInt32BE(rel, at + 8);
    });
  }

  /** The last entry with timestamp <= target; (-1, baseOffset) if none. */
  lookup(targetMs: number): TimestampOffset {
    const i = this.floorIndex(targetMs, (k) => this.tsAt(k));
    if (i < 0) return { timestampMs: -1, offset: this.baseOffset };
    return { timestampMs: this.tsAt(i), offset: this.baseOffset + BigInt(this.relAt(i)) };
  }

  /** Removes entries for offsets >= `offset`. */
  truncateTo(offset: bigint): void {
    const rel = offset - this.baseOffset;
    if (rel <= 0n) return this.truncateEntries(0);
    const i = this.floorIndex(Number(rel) - 1, (k) => this.relAt(k));
    this.truncateEntries(i + 1);
  }

  sanityCheck(): void {
    const n = this.entries;
    for (let i = 1; i < n; i++) {
      if (this.tsAt(i) < this.tsAt(i - 1) || this.relAt(i) < this.relAt(i - 1)) throw new CorruptIndexError(`${this.path}: entry ${i} is not after entry ${i - 1}`);
    }
  }
}
