/** A PartitionLog of opaque one-record entries, for Partition / ISR tests without storage. */
import type { LogAppendResult, LogReadResult, PartitionLog } from '../../../src/broker/replica/partition-log.js';

export class MemoryLog implements PartitionLog {
  readonly entries: string[] = [];
  private hw = 0n;
  logStartOffset = 0n;
  latestEpoch: number | undefined = undefined;
  get highWatermark(): bigint {
    return this.hw;
  }
  set highWatermark(v: bigint) {
    this.hw = v < 0n ? 0n : v > this.logEndOffset ? this.logEndOffset : v;
  }
  get logEndOffset(): bigint {
    return BigInt(this.entries.length);
  }
  get lastStableOffset(): bigint {
    return this.hw;
  }
  append(records: Buffer): LogAppendResult {
    const offset = this.logEndOffset;
    this.entries.push(records.toString());
    return { firstOffset: offset, lastOffset: offset, maxTimestamp: -1n, logAppendTimeMs: -1n, logStartOffset: 0n, duplicate: false, recordCount: 1, validBytes: records.length };
  }
  /** The entries from `offset` up to the HW (or the LEO for followers), joined. */
  read(offset: bigint, o: { upperBound?: 'hw' | 'lso' | 'leo' | bigint } = {}): LogReadResult {
    const end = o.upperBound === 'leo' ? this.entries.length : Number(this.hw);
    const records = Buffer.from(this.entries.slice(Number(offset), end).join(''));
    return { records, highWatermark: this.hw, lastStableOffset: this.hw, logStartOffset: 0n, logEndOffset: this.logEndOffset, abortedTransactions: null };
  }
  offsetForTimestamp() {
    return null;
  }
  deleteRecordsBefore() {}
  endOffsetForEpoch() {
    return null;
  }
  truncateTo(offset: bigint) {
    this.entries.length = Math.min(this.entries.length, Number(offset));
    if (this.hw > this.logEndOffset) this.hw = this.logEndOffset;
  }
}
