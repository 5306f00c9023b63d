/**
 * FileTxnSnapLog: restore = newest valid snapshot + replay of the logged txns after it (with
 * the session table kept alongside, as ZooKeeper does); purge = PurgeTxnLog's retention.
 */
import { join } from 'node:path';
import { OpCode, ZkErrorCode } from '../../jute/constants.js';
import { GregorError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { DataTree, type DataTreeOptions } from '../server/data-tree.js';
import { parentOf } from '../server/path-utils.js';
import { listByZxid, versionDir } from './file-names.js';
import { loadNewestSnapshot, removeFile } from './snapshot.js';
import { readTxnLogs, truncateTornTail } from './txn-log.js';

export interface RestoredDatabase {
  tree: DataTree;
  sessions: Map<bigint, number>;
  /** Whether a snapshot was found (a fresh dataDir gets snapshot.0 written by the caller). */
  hadSnapshot: boolean;
  replayed: number;
}

export function restore(dataDir: string, dataLogDir: string, options: DataTreeOptions, log: Logger): RestoredDatabase {
  const snap = loadNewestSnapshot(dataDir, options, (name, why) => log.warn({ name, why }, 'skipping snapshot'));
  const tree = snap?.tree ?? new DataTree(options);
  const sessions = snap?.sessions ?? new Map<bigint, number>();
  const from = snap?.zxid ?? 0n;
  const { txns, lastFile } = readTxnLogs(dataLogDir, from);
  checkContiguous(from, txns.map((t) => t.hdr.zxid));
  for (const t of txns) {
    if (t.hdr.type === OpCode.createSession && t.body.type === OpCode.createSession) sessions.set(t.hdr.clientId, t.body.record.timeOut);
    if (t.hdr.type === OpCode.closeSession) sessions.delete(t.hdr.clientId);
    // NONODE / NODEEXISTS here are the fuzzy-snapshot overlap ZooKeeper also tolerates.
    const rc = tree.processTxn(t.hdr, t.body);
    if (rc.err === ZkErrorCode.NODEEXISTS && 'parentCVersion' in t.body.record) {
      // The snapshot already had the node but not necessarily its parent's child counters
      // (FileTxnSnapLog.processTransaction -> DataTree.setCversionPzxid).
      tree.setCversionPzxid(parentOf(t.body.record.path), t.body.record.parentCVersion, t.hdr.zxid);
    }
  }
  tree.events = [];
  if (lastFile !== null && lastFile.validEnd < lastFile.size && truncateTornTail(lastFile)) {
    log.warn({ file: lastFile.path, validEnd: lastFile.validEnd }, 'truncated a torn txn log tail');
  }
  log.info({ snapshot: snap?.name ?? null, replayed: txns.length, zxid: `0x${tree.lastProcessedZxid.toString(16)}` }, 'restored keeper database');
  return { tree, sessions, hadSnapshot: snap !== null, replayed: txns.length };
}

/** A txn log that skips zxids: an entry in the middle is lost or corrupt. */
export class TxnLogGapError extends GregorError {
  constructor(afterZxid: bigint, nextZxid: bigint) {
    super('GREGOR_ERR_KEEPER_TXNLOG_GAP', `txn log jumps from zxid 0x${afterZxid.toString(16)} to 0x${nextZxid.toString(16)}: a log entry is missing or corrupt; refusing to start`);
  }
}

/**
 * zxids are (epoch << 32 | counter) and, replayed after a snapshot, must follow one another:
 * the next counter in the same epoch, or counter 1 of a later epoch. Anything else means txns
 * are missing, and applying what follows would build a tree no server ever had.
 */
function checkContiguous(from: bigint, zxids: readonly bigint[]): void {
  let prev = from;
  for (const z of zxids) {
    const next = z === prev + 1n || (z >> 32n > prev >> 32n && (z & 0xffffffffn) === 1n);
    if (!next) throw new TxnLogGapError(prev, z);
    prev = z;
  }
}

/**
 * PurgeTxnLog.purge: keep the newest `retainCount` snapshots (at least 3) and the logs needed
 * to replay from the oldest of them (the newest log starting at or before its zxid, and all
 * later logs); delete the rest.
 */
export function purge(dataDir: string, dataLogDir: string, retainCount: number): string[] {
  const keep = Math.max(3, retainCount);
  const snapDir = versionDir(dataDir);
  const logDir = versionDir(dataLogDir);
  const snaps = listByZxid(snapDir, 'snapshot');
  if (snaps.length <= keep) return [];
  const oldestKept = snaps[snaps.length - keep]!.zxid;
  const removed: string[] = [];
  for (const s of snaps.slice(0, snaps.length - keep)) {
    removeFile(join(snapDir, s.name));
    removed.push(s.name);
  }
  const logs = listByZxid(logDir, 'log');
  let needed = -1;
  for (let i = 0; i < logs.length; i++) if (logs[i]!.zxid <= oldestKept) needed = i;
  for (let i = 0; i < needed; i++) {
    removeFile(join(logDir, logs[i]!.name));
    removed.push(logs[i]!.name);
  }
  return removed;
}
