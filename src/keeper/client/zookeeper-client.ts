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
  async create(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<string> {
    const r = await this.createNode(path, data, options, false);
    return r.path;
  }

  /** create2: the path and the new node's Stat. */
  async create2(path: string, data: Buffer | string | null = null, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    return (await this.createNode(path, data, options, true)) as { path: string; stat: Stat };
  }

  private createNode(path: string, data: Buffer | string | null, options: CreateOptions, wantStat: boolean): Promise<{ path: string; stat?: Stat }> {
    const mode = options.mode ?? CreateMode.PERSISTENT;
    this.checkPath(path, isSequentialMode(mode));
    if (isTtlMode(mode) && !(options.ttlMs !== undefined && options.ttlMs > 0)) {
      return Promise.reject(new KeeperError(ZkErrorCode.BADARGUMENTS, path, { detail: 'a TTL mode needs ttlMs > 0' }));
    }
    const acl = options.acl ?? OPEN_ACL_UNSAFE;
    if (acl.length === 0) return Promise.reject(new KeeperError(ZkErrorCode.INVALIDACL, path));
    const opCode = createOpCode(mode, wantStat);
    const body = { data: toBuffer(data), acl, mode, ttlMs: options.ttlMs };
    return this.request({
      opCode,
      path,
      encode: (w, toServer) => encodeCreate(w, opCode, toServer(path), body),
      decode: (r, toClient) => {
        if (opCode === OpCode.create) return { path: toClient(decodeCreateResponse(r).path) };
        const c = decodeCreate2Response(r);
        return { path: toClient(c.path), stat: c.stat };
      },
    });
  }

  /** Deletes a node if its version matches (-1 = any version). */
  async delete(path: string, version = -1): Promise<void> {
    this.checkPath(path);
    return this.request({
      opCode: OpCode.delete,
      path,
      encode: (w, toServer) => encodeDeleteRequest(w, { path: toServer(path), version }),
      decode: () => undefined,
    });
  }

  /** The node's Stat, or null if it does not exist; a watch fires on create, delete or data change. */
  async exists(path: string, options: WatchOptions = {}): Promise<Stat | null> {
    this.checkPath(path);
    const watch = this.registration('data', path, options.watch);
    return this.request<Stat | null>({
      opCode: OpCode.exists,
      path,
      watch,
      watchOnError: [ZkErrorCode.NONODE],
      encode: (w, toServer) => encodeExistsRequest(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeExistsResponse(r).stat,
    }).catch((err: unknown) => {
      if (err instanceof KeeperError && err.errorCode === ZkErrorCode.NONODE) return null;
      throw err;
    });
  }

  /** `ignoreChroot`: read the server path as given (ZooKeeper's getConfig reads /zookeeper/config so). */
  async getData(path: string, options: WatchOptions & { ignoreChroot?: boolean } = {}): Promise<{ data: Buffer | null; stat: Stat }> {
    this.checkPath(path);
    const watch = this.registration('data', path, options.watch);
    return this.request({
      opCode: OpCode.getData,
      path,
      watch,
      encode: (w, toServer) => encodeGetDataRequest(w, { path: options.ignoreChroot === true ? path : toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetDataResponse(r),
    });
  }

  async setData(path: string, data: Buffer | string | null, version = -1): Promise<Stat> {
    this.checkPath(path);
    return this.request({
      opCode: OpCode.setData,
      path,
      encode: (w, toServer) => encodeSetDataRequest(w, { path: toServer(path), data: toBuffer(data), version }),
      decode: (r) => decodeSetDataResponse(r).stat,
    });
  }

  /** Child names (unsorted, as the server returns them); with `stat: true`, getChildren2's names and Stat. */
  getChildren(path: string, options: WatchOptions & { stat: true }): Promise<{ children: string[]; stat: Stat }>;
  getChildren(path: string, options?: WatchOptions & { stat?: false }): Promise<string[]>;
  async getChildren(path: string, options: WatchOptions & { stat?: boolean } = {}): Promise<string[] | { children: string[]; stat: Stat }> {
    if (options.stat === true) return this.getChildren2(path, options);
    this.checkPath(path);
    const watch = this.registration('child', path, options.watch);
    return this.request({
      opCode: OpCode.getChildren,
      path,
      watch,
      encode: (w, toServer) => encodeGetChildrenRequest(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetChildrenResponse(r).children,
    });
  }

  /** getChildren2: child names and the parent's Stat. */
  async getChildren2(path: string, options: WatchOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    this.checkPath(path);
    const watch = this.registration('child', path, options.watch);
    return this.request({
      opCode: OpCode.getChildren2,
      path,
      watch,
      encode: (w, toServer) => encodeGetChildren2Request(w, { path: toServer(path), watch: watch !== undefined }),
      decode: (r) => decodeGetChildren2Response(r),
    });
  }

  async getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    this.checkPath(path);
    return this.request({
      opCode: OpCode.getACL,
      path,
      encode: (w, toServer) => encodeGetACLRequest(w, { path: toServer(path) }),
      decode: (r) => decodeGetACLResponse(r),
    });
  }

  async setACL(path: string, acl: ACL[], version = -1): Promise<Stat> {
    this.checkPath(path);
    if (acl.length === 0) return Promise.reject(new KeeperError(ZkErrorCode.INVALIDACL, path));
    return this.request({
      opCode: OpCode.setACL,
      path,
      encode: (w, toServer) => encodeSetACLRequest(w, { path: toServer(path), acl, version }),
      decode: (r) => decodeSetACLResponse(r).stat,
    });
  }

  /** Waits until the connected server has applied everything the leader committed before this call. */
  async sync(path: string): Promise<string> {
    this.checkPath(path);
    return this.request({
      opCode: OpCode.sync,
      path,
      encode: (w, toServer) => encodeSyncRequest(w, { path: toServer(path) }),
      decode: (r, toClient) => toClient(decodeSyncResponse(r).path),
    });
  }

  /** Paths of this session's ephemeral nodes under `prefixPath`. */
  async getEphemerals(prefixPath = '/'): Promise<string[]> {
    this.checkPath(prefixPath);
    return this.request({
      opCode: OpCode.getEphemerals,
      path: prefixPath,
      encode: (w, toServer) => encodeGetEphemeralsRequest(w, { prefixPath: toServer(prefixPath) }),
      decode: (r, toClient) => decodeGetEphemeralsResponse(r).ephemerals.map(toClient),
    });
  }

  /** Number of all descendants of `path`. */
  async getAllChildrenNumber(path: string): Promise<number> {
    this.checkPath(path);
    return this.request({
      opCode: OpCode.getAllChildrenNumber,
      path,
      encode: (w, toServer) => encodeGetAllChildrenNumberRequest(w, { path: toServer(path) }),
      decode: (r) => decodeGetAllChildrenNumberResponse(r).totalNumber,
    });
  }

  /** The identities this session has authenticated as. */
  async whoAmI(): Promise<ClientInfo[]> {
    return this.request({ opCode: OpCode.whoAmI, path: '', encode: () => {}, decode: (r) => decodeWhoAmIResponse(r).clientInfo });
  }

  /** Applies `ops` atomically; rejects with MultiError (first failing code, per-op results) if any fails. */
  async multi(ops: Op[]): Promise<OpResult[]> {
    if (ops.length === 0) return [];
    for (const o of ops) this.checkPath(o.path, o.type === 'create' && isSequentialMode(o.mode));
    const results = await this.multiRequest(OpCode.multi, ops);
    const failed = results.findIndex((r) => r.type === 'error' && r.err !== 0);
    if (failed !== -1) {
      const first = results.find((r) => r.type === 'error' && r.err !== 0 && r.err !== ZkErrorCode.RUNTIMEINCONSISTENCY) ?? results[failed]!;
      throw new MultiError((first as { err: number }).err, results, ops[results.indexOf(first)]?.path);
    }
    return results;
  }

  /** Reads several nodes in one round trip; failures are `{ type: 'error', err }` entries, not a rejection. */
  async multiRead(ops: Op[]): Promise<OpResult[]> {
    for (const o of ops) {
      if (o.type !== 'getData' && o.type !== 'getChildren') throw new KeeperError(ZkErrorCode.BADARGUMENTS, o.path, { detail: 'multiRead takes getData / getChildren ops' });
      this.checkPath(o.path);
    }
    return this.multiRequest(OpCode.multiRead, ops);
  }

  private multiRequest(opCode: number, ops: Op[]): Promise<OpResult[]> {
    if (ops.length > MAX_MULTI_OPS) return Promise.reject(new KeeperError(ZkErrorCode.BADARGUMENTS, ops[0]!.path));
    return this.request<OpResult[]>({
      opCode,
      path: ops[0]?.path ?? '',
      decodeOnError: true,
      encode: (w, toServer) => encodeMulti(w, ops, toServer),
      decode: (r, toClient) => decodeMultiResults(r, toClient, ops.length),
    });
  }

  /** A transaction builder: `zk.transaction().create(...).delete(...).commit()`. */
  transaction(): Transaction {
    return new Transaction(this);
  }

  /** Adds a persistent (optionally recursive) watch that stays until removed. */
  async addWatch(path: string, mode: PersistentWatchMode, watcher: Watcher | true): Promise<void> {
    this.checkPath(path);
    const w = watcher === true ? this.defaultWatcher : watcher;
    await this.request({
      opCode: OpCode.addWatch,
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
  async removeWatches(path: string, type: WatcherTypeName, watcher?: Watcher, local = false): Promise<void> {
    this.checkPath(path);
    if (!this.watchRegistry.hasAny(path, type, watcher)) throw new KeeperError(ZkErrorCode.NOWATCHER, path);
    if (!local) {
      const wireType = type === 'children' ? WatcherType.Children : type === 'data' ? WatcherType.Data : WatcherType.Any;
      const opCode = watcher !== undefined ? OpCode.checkWatches : OpCode.removeWatches;
      await this.request({
        opCode,
        path,
        encode: (w, toServer) =>
          opCode === OpCode.checkWatches
            ? encodeCheckWatchesRequest(w, { path: toServer(path), type: wireType })
            : encodeRemoveWatchesRequest(w, { path: toServer(path), type: wireType }),
        decode: () => undefined,
      });
    }
    this.notifyRemoved(path, this.watchRegistry.remove(path, type, watcher));
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
