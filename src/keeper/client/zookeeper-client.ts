/**
 * ZooKeeperClient: the promise API over ClientCnxn, one method per ZooKeeper operation, with
 * the Java client's argument checks (paths validated before anything is sent, chroot applied)
 * and watch registration (a watch is registered only when the reply says the read succeeded;
 * `exists` on a missing node registers an exist watch that a create fires).
 */
import {
  AddWatchMode,
  CreateMode,
  KeeperError,
  OpCode,
  WatcherType,
  ZkErrorCode,
  decodeCreate2Response,
  decodeCreateResponse,
  decodeExistsResponse,
  decodeGetACLResponse,
  decodeGetAllChildrenNumberResponse,
  decodeGetChildren2Response,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeGetEphemeralsResponse,
  decodeSetACLResponse,
  decodeSetDataResponse,
  decodeSyncResponse,
  decodeWhoAmIResponse,
  encodeAddWatchRequest,
  encodeCheckWatchesRequest,
  encodeDeleteRequest,
  encodeExistsRequest,
  encodeGetACLRequest,
  encodeGetAllChildrenNumberRequest,
  encodeGetChildren2Request,
  encodeGetChildrenRequest,
  encodeGetDataRequest,
  encodeGetEphemeralsRequest,
  encodeRemoveWatchesRequest,
  encodeSetACLRequest,
  encodeSetDataRequest,
  encodeSyncRequest,
  type ACL,
  type ClientInfo,
  type Stat,
} from '../../jute/index.js';
import { ClientCnxn, type RequestSpec, type WatchRegistration } from './cnxn.js';
import {
  MultiError,
  OPEN_ACL_UNSAFE,
  createOpCode,
  decodeMultiResults,
  encodeCreate,
  encodeMulti,
  isSequentialMode,
  isTtlMode,
  op,
  toBuffer,
  type CreateOptions,
  type Op,
  type OpResult,
} from './ops.js';
import type { WatchKind, Watcher, WatcherTypeName } from './watch-registry.js';

/** `true` = the client's default watcher (its 'event' events); a function = that watcher. */
export type WatchOption = boolean | Watcher | undefined;

export interface WatchOptions {
  watch?: WatchOption;
}

export type PersistentWatchMode = 'persistent' | 'persistentRecursive';

/** Upper bound on ops in one multi (ZooKeeper bounds it by jute.maxbuffer; this bounds our loop). */
const MAX_MULTI_OPS = 100_000;

export class ZooKeeperClient extends ClientCnxn {
  /** Creates a node; resolves with its actual path (sequential nodes get a suffix). */
  create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<string> {
    return this.createNode(path, data, options, false) as Promise<string>;
  }

  /** create2: the path and the new node's Stat. */
  create2(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    return this.createNode(path, data, options, true) as Promise<{ path: string; stat: Stat }>;
  }

  private createNode(path: string, data: Buffer | string | null, options: CreateOptions, wantStat: boolean): Promise<string | { path: string; stat: Stat }> {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    const opCode = createOpCode(mode, wantStat);
    const body = { data: toBuffer(data), acl, mode, ttlMs: options.ttlMs };
    return this.request<string | { path: string; stat: Stat }>({
      opCode,
      path,
      check: () => {
        this.checkPath(path, isSequentialMode(mode));
        if (isTtlMode(mode) && !(options.ttlMs !== undefined && options.ttlMs > 0)) {
          throw new KeeperError(ZkErrorCode.BADARGUMENTS, path, { detail: 'a TTL mode needs ttlMs > 0' });
        }
        if (acl.length === 0) throw new KeeperError(ZkErrorCode.INVALIDACL, path);
      },
      encode: (w, toServer) => encodeCreate(w, opCode, toServer(path), body),
      decode: (r, toClient) => {
        if (opCode === OpCode.create) return toClient(decodeCreateResponse(r).path);
        const c = decodeCreate2Response(r);
        return wantStat ? { path: toClient(c.path), stat: c.stat } : toClient(c.path);
      },
    });
  }

  /** Deletes a node if its version matches (-1 = any version). */
  delete(path: string, version = -1): Promise<void> {
    return this.request({
      opCode: OpCode.delete,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeDeleteRequest(w, { path: toServer(path), version }),
      decode: () => undefined,
    });
  }

  /** The node's Stat, or null if it does not exist; a watch fires on create, delete or data change. */
  exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    const watch = this.registration('data', path, options.watch);
    return this.request<Stat | null>({
      opCode: OpCode.exists,
      check: () => this.checkPath(path),
      path,
      watch,
      watchOnError: [ZkErrorCode.NONODE],
      nullOnError: [ZkErrorCode.NONODE],
      encode: (w, toServer) => encodeExistsRequest(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeExistsResponse(r).stat,
    });
  }

  /** `ignoreChroot`: read the server path as given (ZooKeeper's getConfig reads /zookeeper/config so). */
  getData(path: string, options: WatchOptions & { ignoreChroot?: boolean } = {}): Promise<{ data: Buffer | null; stat: Stat }> {
    const watch = this.registration('data', path, options.watch);
    return this.request({
      opCode: OpCode.getData,
      check: () => this.checkPath(path),
      path,
      watch,
      encode: (w, toServer) => encodeGetDataRequest(w, { path: options.ignoreChroot === true ? path : toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetDataResponse(r),
    });
  }

  setData(path: string, data: Buffer | string | null, version = -1): Promise<Stat> {
    return this.request({
      opCode: OpCode.setData,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeSetDataRequest(w, { path: toServer(path), data: toBuffer(data), version }),
      decode: (r) => decodeSetDataResponse(r).stat,
    });
  }

  /** Child names (unsorted, as the server returns them); with `stat: true`, getChildren2's names and Stat. */
  getChildren(path: string, options: WatchOptions & { stat: true }): Promise<{ children: string[]; stat: Stat }>;
  getChildren(path: string, options?: WatchOptions & { stat?: false }): Promise<string[]>;
  getChildren(path: string, options: WatchOptions & { stat?: boolean } = {}): Promise<string[] | { children: string[]; stat: Stat }> {
    if (options.stat === true) return this.getChildren2(path, options);
    const watch = this.registration('child', path, options.watch);
    return this.request<string[]>({
      opCode: OpCode.getChildren,
      check: () => this.checkPath(path),
      path,
      watch,
      encode: (w, toServer) => encodeGetChildrenRequest(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetChildrenResponse(r).children,
    });
  }

  /** getChildren2: child names and the parent's Stat. */
  getChildren2(path: string, options: WatchOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    const watch = this.registration('child', path, options.watch);
    return this.request({
      opCode: OpCode.getChildren2,
      check: () => this.checkPath(path),
      path,
      watch,
      encode: (w, toServer) => encodeGetChildren2Request(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetChildren2Response(r),
    });
  }

  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.request({
      opCode: OpCode.getACL,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeGetACLRequest(w, { path: toServer(path) }),
      decode: (r) => decodeGetACLResponse(r),
    });
  }

  setACL(path: string, acl: ACL[], version = -1): Promise<Stat> {
    if (acl.length === 0) return Promise.reject(new KeeperError(ZkErrorCode.INVALIDACL, path));
    return this.request({
      opCode: OpCode.setACL,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeSetACLRequest(w, { path: toServer(path), acl, version }),
      decode: (r) => decodeSetACLResponse(r).stat,
    });
  }

  /** Waits until the connected server has applied everything the leader committed before this call. */
  sync(path: string): Promise<string> {
    return this.request({
      opCode: OpCode.sync,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeSyncRequest(w, { path: toServer(path) }),
      decode: (r, toClient) => toClient(decodeSyncResponse(r).path),
    });
  }

  /** Paths of this session's ephemeral nodes under `prefixPath`. */
  getEphemerals(prefixPath = '/'): Promise<string[]> {
    return this.request({
      opCode: OpCode.getEphemerals,
      check: () => this.checkPath(prefixPath),
      path: prefixPath,
      encode: (w, toServer) => encodeGetEphemeralsRequest(w, { prefixPath: toServer(prefixPath) }),
      decode: (r, toClient) => decodeGetEphemeralsResponse(r).ephemerals.map(toClient),
    });
  }

  /** Number of all descendants of `path`. */
  getAllChildrenNumber(path: string): Promise<number> {
    return this.request({
      opCode: OpCode.getAllChildrenNumber,
      check: () => this.checkPath(path),
      path,
      encode: (w, toServer) => encodeGetAllChildrenNumberRequest(w, { path: toServer(path) }),
      decode: (r) => decodeGetAllChildrenNumberResponse(r).totalNumber,
    });
  }

  /** The identities this session has authenticated as. */
  whoAmI(): Promise<ClientInfo[]> {
    return this.request({ opCode: OpCode.whoAmI, path: '', encode: () => {}, decode: (r) => decodeWhoAmIResponse(r).clientInfo });
  }

  /** Applies `ops` atomically; rejects with MultiError (first failing code, per-op results) if any fails. */
  multi(ops: Op[]): Promise<OpResult[]> {
    if (ops.length === 0) return Promise.resolve([]);
    return this.multiRequest(OpCode.multi, ops, () => {
      for (const o of ops) this.checkPath(o.path, o.type === 'create' && isSequentialMode(o.mode));
    });
  }

  /** Reads several nodes in one round trip; failures are `{ type: 'error', err }` entries, not a rejection. */
  multiRead(ops: Op[]): Promise<OpResult[]> {
    return this.multiRequest(OpCode.multiRead, ops, () => {
      for (const o of ops) {
        if (o.type !== 'getData' && o.type !== 'getChildren') throw new KeeperError(ZkErrorCode.BADARGUMENTS, o.path, { detail: 'multiRead takes getData / getChildren ops' });
        this.checkPath(o.path);
      }
    });
  }

  private multiRequest(opCode: number, ops: Op[], check: () => void): Promise<OpResult[]> {
    return this.request<OpResult[]>({
      opCode,
      path: ops[0]?.path ?? '',
      check: () => {
        if (ops.length > MAX_MULTI_OPS) throw new KeeperError(ZkErrorCode.BADARGUMENTS, ops[0]!.path, { detail: `more than ${MAX_MULTI_OPS} ops` });
        check();
      },
      decodeOnError: true,
      encode: (w, toServer) => encodeMulti(w, ops, toServer),
      decode: (r, toClient) => {
        const results = decodeMultiResults(r, toClient, ops.length);
        // A failed multi: every result is an error entry (0 before the failing op, RUNTIMEINCONSISTENCY after).
        if (opCode !== OpCode.multi) return results;
        const failed = results.findIndex((x) => x.type === 'error' && x.err !== 0);
        if (failed === -1) return results;
        const first = results.findIndex((x) => x.type === 'error' && x.err !== 0 && x.err !== ZkErrorCode.RUNTIMEINCONSISTENCY);
        const at = first === -1 ? failed : first;
        return new MultiError((results[at] as { err: number }).err, results, ops[at]?.path) as unknown as OpResult[];
      },
    });
  }

  /** A transaction builder: `zk.transaction().create(...).delete(...).commit()`. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Adds a persistent (optionally recursive) watch that stays until removed. */
  addWatch(path: string, mode: PersistentWatchMode, watcher: Watcher | true): Promise<void> {
    const w = watcher === true ? this.defaultWatcher : watcher;
    return this.request<void>({
      opCode: OpCode.addWatch,
      check: () => this.checkPath(path),
      path,
      watch: { kind: mode, path, watcher: w },
      encode: (wr, toServer) => encodeAddWatchRequest(wr, { path: toServer(path), mode: AddWatchMode[mode] }),
      decode: () => undefined,
    });
  }

  /**
   * Removes watches on `path` (ZooKeeper's removeWatches / removeAllWatches): of one watcher when
   * given, else all of `type`. NOWATCHER if none is registered here. `local` removes them on the
   * client only (also while disconnected).
   */
  removeWatches(path: string, type: WatcherTypeName, watcher?: Watcher, local = false): Promise<void> {
    const check = (): void => {
      this.checkPath(path);
      if (!this.watchRegistry.hasAny(path, type, watcher)) throw new KeeperError(ZkErrorCode.NOWATCHER, path);
    };
    const removeHere = (): void => this.notifyRemoved(path, this.watchRegistry.remove(path, type, watcher));
    if (local) {
      try {
        check();
        removeHere();
        return Promise.resolve();
      } catch (err) {
        return Promise.reject(err);
      }
    }
    const wireType = type === 'children' ? WatcherType.Children : type === 'data' ? WatcherType.Data : WatcherType.Any;
    const opCode = watcher !== undefined ? OpCode.checkWatches : OpCode.removeWatches;
    return this.request<void>({
      opCode,
      check,
      path,
      encode: (w, toServer) =>
        opCode === OpCode.checkWatches
          ? encodeCheckWatchesRequest(w, { path: toServer(path), type: wireType })
          : encodeRemoveWatchesRequest(w, { path: toServer(path), type: wireType }),
      decode: () => removeHere(),
    });
  }

  private registration(kind: WatchKind, path: string, watch: WatchOption): WatchRegistration | undefined {
    if (watch === undefined || watch === false) return undefined;
    return { kind, path, watcher: watch === true ? this.defaultWatcher : watch };
  }

  /** Creates `path` and any missing parents (persistent, open ACL); existing nodes are fine. */
  async mkdirp(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<void> {
    this.checkPath(path);
    const parts = path.split('/').filter((p) => p !== '');
    let current = '';
    for (let i = 0; i < parts.length; i++) {
      current += '/' + parts[i];
      const last = i === parts.length - 1;
      try {
        await this.create(current, last ? data : null, last ? options : {});
      } catch (err) {
        if (!(err instanceof KeeperError && err.errorCode === ZkErrorCode.NODEEXISTS)) throw err;
      }
    }
  }

  /** Deletes `path` and everything below it, children first (zkCli's deleteall). */
  async deleteAll(path: string): Promise<void> {
    this.checkPath(path);
    const order: string[] = [];
    const queue = [path];
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i]!;
      order.push(p);
      const children = await this.getChildren(p).catch((err: unknown) => {
        if (err instanceof KeeperError && err.errorCode === ZkErrorCode.NONODE) return [];
        throw err;
      });
      for (const c of children.sort()) queue.push(p === '/' ? `/${c}` : `${p}/${c}`);
    }
    for (const p of order.reverse()) {
      if (p === '/') continue;
      await this.delete(p).catch((err: unknown) => {
        if (!(err instanceof KeeperError && err.errorCode === ZkErrorCode.NONODE)) throw err;
      });
    }
  }

  /** Exposed for tests and tools: the raw request path (see RequestSpec). */
  override request<T>(spec: RequestSpec<T>): Promise<T> {
    return super.request(spec);
  }
}

/** ZooKeeper's Transaction: ops collected, then committed as one multi. */
export class Transaction {
  private readonly ops: Op[] = [];
  constructor(private readonly client: ZooKeeperClient) {}

  create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): this {
    this.ops.push(op.create(path, data, options));
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push(op.delete(path, version));
    return this;
  }
  setData(path: string, data: Buffer | string | null, version = -1): this {
    this.ops.push(op.setData(path, data, version));
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push(op.check(path, version));
    return this;
  }
  commit(): Promise<OpResult[]> {
    return this.client.multi(this.ops);
  }
}
