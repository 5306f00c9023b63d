/**
 * ZooKeeper's protocol constants. Most are generated from constants.json (./generated); the
 * few that file does not carry (watcher types, special xids, protocol magic numbers) are
 * written here with the ZooKeeper class they come from.
 */
export {
  AddWatchMode,
  CreateMode,
  EventType,
  KeeperState,
  OpCode,
  Perms,
  ZkErrorCode,
  createModeInfo,
} from './generated/constants.js';

/** Watcher.WatcherType, sent in CheckWatchesRequest / RemoveWatchesRequest.type. */
export const WatcherType = {
  Children: 1,
  Data: 2,
  Any: 3,
  Persistent: 4,
  PersistentRecursive: 5,
} as const;
export type WatcherType = (typeof WatcherType)[keyof typeof WatcherType];

/** Reserved xids (ClientCnxn): the server answers these with the same xid. */
export const SpecialXid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
  sasl: -5,
} as const;

/** Magic numbers of ZooKeeper's persistence files (FileTxnLog.TXNLOG_MAGIC, FileSnap.SNAP_MAGIC). */
export const TXNLOG_MAGIC = 0x5a4b4c47; // "ZKLG"
export const SNAP_MAGIC = 0x5a4b534e; // "ZKSN"
export const PERSISTENCE_VERSION = 2;
