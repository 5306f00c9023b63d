/** The keeper client: a ZooKeeper-protocol client for the keeper or a real ZooKeeper ensemble. See README.md. */
export { ZooKeeperClient, Transaction, type WatchOptions, type WatchOption, type PersistentWatchMode } from './zookeeper-client.js';
export { ClientCnxn, type ZooKeeperClientOptions, type SessionState, type RequestSpec } from './cnxn.js';
export { op, MultiError, OPEN_ACL_UNSAFE, CREATOR_ALL_ACL, READ_ACL_UNSAFE, type Op, type OpResult, type CreateOptions } from './ops.js';
export type { WatchedEvent, Watcher, EventTypeName, KeeperStateName, WatcherTypeName } from './watch-registry.js';
export { parseConnectString, validatePath, type ConnectString, type ServerAddress } from './connect-string.js';
export { CreateMode, Perms, ZkErrorCode, KeeperError, type ACL, type Id, type Stat } from '../../jute/index.js';
