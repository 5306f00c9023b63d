/**
 * TransactionIndex — the `.txnindex` file: the aborted transactions whose abort marker is in
 * this segment, in marker order, for read_committed fetches. Each entry is 34 bytes:
 *
 *   version:          int16   0
 *   producerId:       int64
 *   firstOffset:      int64   first offset of the aborted transaction (may be in an earlier segment)
 *   lastOffset:       int64   offset of the abort marker
 *   lastStableOffset: int64   the LSO right after the abort was written
 *
 * Aborts are rare, so an entry is written to the file when it is added (no batching). The file
 * is rebuilt from the log by recovery, like the other indexes.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export const TXN_INDEX_ENTRY_BYTES = 34;

export interface AbortedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  lastStableOffset: bigint;
}

export class TransactionIndex {
  path: string;
  private entries: AbortedTxn[] | undefined;

  constructor(path: string, readonly baseOffset: bigint) {
    this.path = path;
  }

  private load(): AbortedTxn[] {
    if (this.entries !== undefined) return this.entries;
    const out: AbortedTxn[] = [];
    if (existsSync(this.path)) {
      const buf = readFileSync(this.path);
      for (let at = 0; at + TXN_INDEX_ENTRY_BYTES <= buf.length; at += TXN_INDEX_ENTRY_BYTES) {
        out.push({
          producerId: buf.readBigInt64BE(at + 2),
          firstOffset: buf.readBigInt64BE(at + 10),
          lastOffset: buf.readBigInt64BE(at + 18),
          lastStableOffset: buf.readBigInt64BE(at + 26),
        });
      }
    }
    this.entries = out;
    return out;
  }

  static encode(txn: AbortedTxn): Buffer {
    const b = Buffer.alloc(TXN_INDEX_ENTRY_BYTES);
    b.writeInt16BE(0, 0);
    b.writeBigInt64BE(txn.producerId, 2);
    b.writeBigInt64BE(txn.firstOffset, 10);
    b.writeBigInt64BE(txn.lastOffset, 18);
    b.writeBigInt64BE(txn.lastStableOffset, 26);
    return b;
  }

  append(txn: AbortedTxn): void {
    const entries = this.load();
    entries.push(txn);
    appendFileSync(this.path, TransactionIndex.encode(txn));
  }

  all(): readonly AbortedTxn[] {
    return this.load();
  }

  /** Aborted transactions overlapping [fetchOffset, upperBoundOffset). */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    return this.load().filter((t) => t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset);
  }

  /** Removes entries whose marker is at or after `offset`. */
  truncateTo(offset: bigint): void {
    const entries = this.load();
    const kept = entries.filter((t) => t.lastOffset < offset);
    if (kept.length === entries.length) return;
    this.entries = kept;
    this.rewrite();
  }

  reset(): void {
    this.entries = [];
    rmSync(this.path, { force: true });
  }

  private rewrite(): void {
    const entries = this.load();
    if (entries.length === 0) rmSync(this.path, { force: true });
    else writeFileSync(this.path, Buffer.concat(entries.map((t) => TransactionIndex.encode(t))));
  }

  release(): void {
    this.entries = undefined;
  }

  renameTo(path: string): void {
    if (existsSync(this.path)) renameSync(this.path, path);
    this.path = path;
  }

  deleteFile(): void {
    rmSync(this.path, { force: true });
    this.entries = [];
  }
}
