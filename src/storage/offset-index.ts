/**
 * OffsetIndex — the `.index` file: a sparse map from offset to byte position in the segment's
 * `.log`. Each entry is 8 bytes:
 *
 *   relativeOffset: int32   offset - segment base offset (so a segment spans < 2^31 offsets)
 *   position:       int32   byte position in the .log of the batch holding that offset
 *
 * As in Kafka, an entry is added after at least `index.interval.bytes` of batches, keyed by the
 * last offset of the batch that starts at `position`. Lookup returns the largest entry whose
 * offset is <= the target, and the reader scans batch headers forward from its position.
 */
import { IndexFile, CorruptIndexError } from './index-file.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  offset: bigint;
  position: number;
}

export class OffsetIndex extends IndexFile {
  constructor(path: string, baseOffset: bigint, maxIndexBytes: number) {
    super(path, baseOffset, maxIndexBytes, OFFSET_INDEX_ENTRY_BYTES);
  }

  private relAt(i: number): number {
    return this.buf.readInt32BE(i * 8);
  }

  private posAt(i: number): number {
    return this.buf.readInt32BE(i * 8 + 4);
  }

  get lastOffset(): bigint {
    const n = this.entries;
    return n === 0 ? this.baseOffset : this.baseOffset + BigInt(this.relAt(n - 1));
  }

  /** Adds (offset, position) if it is past the last entry. */
  append(offset: bigint, position: number): void {
    const rel = Number(offset - this.baseOffset);
    const n = this.entries;
    if (n > 0 && rel <= this.relAt(n - 1)) return;
    this.appendEntry((buf, at) => {
      buf.writeInt32BE(rel, at);
      buf.writeInt32BE(position, at + 4);
    });
  }

  /** The largest entry with offset <= target, else (baseOffset, 0). */
  lookup(target: bigint): OffsetPosition {
    if (target < this.baseOffset) return { offset: this.baseOffset, position: 0 };
    const rel = target - this.baseOffset > 0x7fffffffn ? 0x7fffffff : Number(target - this.baseOffset);
    const i = this.floorIndex(rel, (k) => this.relAt(k));
    if (i < 0) return { offset: this.baseOffset, position: 0 };
    return { offset: this.baseOffset + BigInt(this.relAt(i)), position: this.posAt(i) };
  }

  /** Removes entries for offsets >= `offset`. */
  truncateTo(offset: bigint): void {
    const rel = offset - this.baseOffset;
    if (rel <= 0n) return this.truncateEntries(0);
    const i = this.floorIndex(Number(rel) - 1, (k) => this.relAt(k));
    this.truncateEntries(i + 1);
  }

  /** Removes entries whose position is >= `position`. */
  truncateToPosition(position: number): void {
    const i = this.floorIndex(position - 1, (k) => this.posAt(k));
    this.truncateEntries(i + 1);
  }

  /** Kafka's sanity check: strictly increasing offsets, non-decreasing positions within the log size. */
  sanityCheck(logSizeBytes: number): void {
    const n = this.entries;
    for (let i = 0; i < n; i++) {
      const rel = this.relAt(i);
      const pos = this.posAt(i);
      if (rel < 0 || pos < 0 || pos >= Math.max(1, logSizeBytes)) throw new CorruptIndexError(`${this.path}: entry ${i} (${rel}, ${pos}) out of range`);
      if (i > 0 && (rel <= this.relAt(i - 1) || pos < this.posAt(i - 1))) throw new CorruptIndexError(`${this.path}: entry ${i} is not after entry ${i - 1}`);
    }
  }
}
