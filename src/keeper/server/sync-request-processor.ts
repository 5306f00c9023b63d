/**
 * SyncRequestProcessor: the stage between prep and final. It appends a group of txns to the
 * txn log and makes them durable with one fdatasync (group commit); only then may the final
 * stage apply them and reply. It also counts logged txns to decide when to roll the log and
 * snapshot: after snapCount/2 + random(snapCount/2) txns, so that servers of an ensemble do
 * not all snapshot at once.
 *
 * In an ensemble, a ZAB stage (proposal, quorum of acks, commit) takes this place: `commit`
 * would hand the txns to the leader's broadcast and the group would reach the final stage
 * once committed.
 */
import type { FileTxnLog } from '../persist/txn-log.js';
import type { Txn } from './txn.js';

export interface CommitStage {
  /** Makes `txns` durable, in order. Returns once they may be applied; throws on I/O failure. */
  commit(txns: readonly Txn[]): void;
}

export class SyncRequestProcessor implements CommitStage {
  private txnsSinceSnapshot = 0;
  private randRoll: number;

  constructor(
    private readonly txnLog: FileTxnLog,
    private readonly snapCount: number,
    private readonly random: () => number,
  ) {
    this.randRoll = this.nextRoll();
  }

  private nextRoll(): number {
    return Math.floor(this.random() * (this.snapCount / 2));
  }

  commit(txns: readonly Txn[]): void {
    if (txns.length === 0) return;
    for (const t of txns) this.txnLog.append(t);
    this.txnLog.commit();
    this.txnsSinceSnapshot += txns.length;
  }

  /** True when enough txns were logged since the last snapshot (checked after applying). */
  snapshotDue(): boolean {
    return this.txnsSinceSnapshot > this.snapCount / 2 + this.randRoll;
  }

  /** Starts a new log file for the txns after the snapshot the caller is about to write. */
  rollForSnapshot(): void {
    this.txnsSinceSnapshot = 0;
    this.randRoll = this.nextRoll();
    this.txnLog.rollLog();
  }

  close(): void {
    this.txnLog.close();
  }
}
