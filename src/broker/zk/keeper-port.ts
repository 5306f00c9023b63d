/**
 * The slice of a ZooKeeper client the broker's keeper integration needs, in one small
 * interface. The production implementation adapts src/keeper/client (./keeper-client-port.ts);
 * tests use an in-memory keeper (test/broker/zk/sim-keeper.ts). Failures reject with
 * `KeeperError` (src/jute/errors.ts) carrying ZooKeeper's error code.
 */
import type { Stat } from '../../jute/generated/records.js';
import { CreateMode } from '../../jute/constants.js';

export type { Stat };
export { CreateMode };
export type CreateModeValue = (typeof CreateMode)[keyof typeof CreateMode];

/** A one-shot watch callback; the event says what happened to which path. */
export type ZkWatcher = (event: { readonly type: string; readonly path: string }) => void;

export type ZkOp =
  | { readonly type: 'create'; readonly path: string; readonly data: Buffer | null; readonly mode: CreateModeValue }
  | { readonly type: 'setData'; readonly path: string; readonly data: Buffer; readonly version: number }
  | { readonly type: 'delete'; readonly path: string; readonly version: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

/** A multi either commits all ops or none; on failure, the first failing op and its code. */
export type MultiOutcome =
  | { readonly ok: true; readonly results: ReadonlyArray<{ readonly path?: string; readonly stat?: Stat }> }
  | { readonly ok: false; readonly failedIndex: number; readonly errorCode: number };

/** Session state changes that matter here ('Expired' ends the session for good). */
export type SessionState = 'SyncConnected' | 'Disconnected' | 'Expired' | 'Closed' | 'AuthFailed';

export interface KeeperSession {
  /** The session id (owner of this session's ephemeral znodes). */
  sessionId(): bigint;
  create(path: string, data: Buffer | null, mode: CreateModeValue): Promise<string>;
  getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: Stat }>;
  getChildren(path: string, watch?: ZkWatcher): Promise<string[]>;
  exists(path: string, watch?: ZkWatcher): Promise<Stat | null>;
  setData(path: string, data: Buffer, version: number): Promise<Stat>;
  delete(path: string, version: number): Promise<void>;
  /** Atomic multi. Connection failures reject; op failures resolve with ok false. */
  multi(ops: readonly ZkOp[]): Promise<MultiOutcome>;
  onStateChange(listener: (state: SessionState) => void): () => void;
  close(): Promise<void>;
}

/** Makes a new session (after expiry a ZooKeeper client is finished and a new one is needed). */
export type KeeperSessionFactory = () => Promise<KeeperSession>;
