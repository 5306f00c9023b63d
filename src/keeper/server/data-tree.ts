/**
 * DataTree: the znode tree, as ZooKeeper's DataTree keeps it. Pure: no I/O and no clock —
 * every change comes in as a transaction (header with zxid and time, body) through
 * `processTxn`, which is the only place state changes. Watch events a transaction fires are
 * queued in `events` for the caller (FinalRequestProcessor) to deliver before the reply.
 *
 * Stat bookkeeping follows ZooKeeper exactly:
 *  - the persisted `cversion` counts child creations only (it is also the sequence counter);
 *    the `cversion` a client sees is `2 * cversion - numChildren` (creates plus deletes);
 *  - a child create sets the parent's cversion to the txn's parentCVersion and its pzxid to the
 *    zxid; a child delete moves only the parent's pzxid (when larger);
 *  - root, /zookeeper, /zookeeper/quota and /zookeeper/config exist from the start with zero
 *    stats; /zookeeper/config is world-readable only, with aversion -1.
 */
import { EventType, OpCode, ZkErrorCode } from '../../jute/constants.js';
import { KeeperError } from '../../jute/errors.js';
import type { ACL, Id, Stat, StatPersisted, TxnHeader } from '../../jute/generated/records.js';
import { Reader } from '../../util/bytes.js';
import { ACLCache, READ_ACL_UNSAFE } from './acl.js';
import { CONTAINER_EPHEMERAL_OWNER, ephemeralKind, ttlToEphemeralOwner } from './ephemeral-type.js';
import { childPath, nameOf, parentOf } from './path-utils.js';
import { decodeTxnBody, type TxnBody } from './txn.js';
import { javaHashSetCapacity, javaHashSetOrder } from './java-hash-order.js';
import { WatchManager, WatchMode, type WatcherId } from './watch-manager.js';

export class DataNode {
  readonly children = new Set<string>();
  /** The most children this node has had (sizes ZooKeeper's HashSet, hence the child order). */
  maxChildren = 0;
  constructor(
    public data: Buffer | null,
    public acl: bigint,
    public readonly stat: StatPersisted,
  ) {}
}

export interface WatchEvent {
  watcher: WatcherId;
  type: number;
  path: string;
}

export interface ProcessTxnResult {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  type: number;
  err: number;
  path: string;
  stat: Stat | null;
  multiResult: ProcessTxnResult[];
}

export function zeroStatPersisted(): StatPersisted {
  return { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
}

export interface DataTreeOptions {
  /** zookeeper.extendedTypesEnabled: whether ephemeralOwner values can mean TTL nodes. */
  extendedTypesEnabled?: boolean;
}

export class DataTree {
  readonly nodes = new Map<string, DataNode>();
  readonly aclCache = new ACLCache();
  readonly ephemerals = new Map<bigint, Set<string>>();
  /** Largest ephemeral count each session had (sizes ZooKeeper's HashSet, hence their order). */
  private readonly maxEphemerals = new Map<bigint, number>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  readonly dataWatches = new WatchManager();
  readonly childWatches = new WatchManager();
  readonly extendedTypesEnabled: boolean;
  lastProcessedZxid = 0n;
  /** Watch events fired by processTxn, drained by the caller. */
  events: WatchEvent[] = [];

  constructor(options: DataTreeOptions = {}, withSystemNodes = true) {
    this.extendedTypesEnabled = options.extendedTypesEnabled ?? false;
    if (!withSystemNodes) return;
    this.nodes.set('/', new DataNode(Buffer.alloc(0), ACLCache.OPEN_UNSAFE_ACL_ID, zeroStatPersisted()));
    this.addSystemNode('/zookeeper', ACLCache.OPEN_UNSAFE_ACL_ID);
    this.addSystemNode('/zookeeper/quota', ACLCache.OPEN_UNSAFE_ACL_ID);
    const config = this.addSystemNode('/zookeeper/config', this.aclCache.convertAcls(READ_ACL_UNSAFE));
    config.stat.aversion = -1;
  }

  private addSystemNode(path: string, acl: bigint): DataNode {
    const node = new DataNode(Buffer.alloc(0), acl, zeroStatPersisted());
    this.nodes.set(path, node);
    const parent = this.nodes.get(parentOf(path))!;
    parent.children.add(nameOf(path));
    parent.maxChildren = Math.max(parent.maxChildren, parent.children.size);
    return node;
  }

  getNode(path: string): DataNode | undefined {
    return this.nodes.get(path);
  }

  /** Registers a node read from a snapshot; its parent must already be there (pre-order). */
  loadNode(path: string, node: DataNode): void {
    if (path !== '/') {
      const parent = this.nodes.get(parentOf(path));
      if (parent === undefined) throw new Error(`invalid snapshot: no parent for ${path}`);
      parent.children.add(nameOf(path));
      if (parent.children.size > parent.maxChildren) parent.maxChildren = parent.children.size;
    }
    this.nodes.set(path, node);
    this.aclCache.addUsage(node.acl);
    this.trackOwner(path, node.stat.ephemeralOwner);
  }

  private trackOwner(path: string, owner: bigint): void {
    switch (ephemeralKind(owner, this.extendedTypesEnabled)) {
      case 'container':
        this.containers.add(path);
        break;
      case 'ttl':
        this.ttls.add(path);
        break;
      case 'ephemeral': {
        let set = this.ephemerals.get(owner);
        if (set === undefined) {
          set = new Set();
          this.ephemerals.set(owner, set);
        }
        set.add(path);
        if (set.size > (this.maxEphemerals.get(owner) ?? 0)) this.maxEphemerals.set(owner, set.size);
        break;
      }
      case 'void':
        break;
    }
  }

  private untrackOwner(path: string, owner: bigint): void {
    this.containers.delete(path);
    this.ttls.delete(path);
    const set = this.ephemerals.get(owner);
    if (set !== undefined) {
      set.delete(path);
      if (set.size === 0) {
        this.ephemerals.delete(owner);
        this.maxEphemerals.delete(owner);
      }
    }
  }

  /**
   * The Stat a client sees (DataNode.copyStat): the derived cversion, and an ephemeralOwner
   * that is shown only for true ephemerals — containers and TTL nodes show 0.
   */
  copyStat(node: DataNode): Stat {
    const s = node.stat;
    const numChildren = node.children.size;
    return {
      czxid: s.czxid,
      mzxid: s.mzxid,
      ctime: s.ctime,
      mtime: s.mtime,
      version: s.version,
      cversion: s.cversion * 2 - numChildren,
      aversion: s.aversion,
      ephemeralOwner: ephemeralKind(s.ephemeralOwner, this.extendedTypesEnabled) === 'ephemeral' ? s.ephemeralOwner : 0n,
      dataLength: node.data === null ? 0 : node.data.length,
      numChildren,
      pzxid: s.pzxid,
    };
  }

  aclOf(node: DataNode): readonly ACL[] {
    return this.aclCache.convertLong(node.acl);
  }

  private fire(wm: WatchManager, path: string, type: number, suppress?: ReadonlySet<WatcherId>): Set<WatcherId> {
    const fired = wm.triggerWatch(path, type, suppress);
    for (const watcher of fired) this.events.push({ watcher, type, path });
    return fired;
  }

  createNode(path: string, data: Buffer | null, acl: readonly ACL[], owner: bigint, parentCVersion: number, zxid: bigint, timeMs: bigint): Stat {
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    const name = nameOf(path);
    if (parent.children.has(name)) throw new KeeperError(ZkErrorCode.NODEEXISTS, path);
    if (parentCVersion === -1) parentCVersion = parent.stat.cversion + 1;
    if (parentCVersion > parent.stat.cversion) {
      parent.stat.cversion = parentCVersion;
      parent.stat.pzxid = zxid;
    }
    const stat: StatPersisted = {
      czxid: zxid, mzxid: zxid, ctime: timeMs, mtime: timeMs, version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, pzxid: zxid,
    };
    const node = new DataNode(data, this.aclCache.convertAcls(acl), stat);
    parent.children.add(name);
    if (parent.children.size > parent.maxChildren) parent.maxChildren = parent.children.size;
    this.nodes.set(path, node);
    this.trackOwner(path, owner);
    this.fire(this.dataWatches, path, EventType.NodeCreated);
    this.fire(this.childWatches, parentPath, EventType.NodeChildrenChanged);
    return this.copyStat(node);
  }

  deleteNode(path: string, zxid: bigint): void {
    const node = this.nodes.get(path);
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (node === undefined || parent === undefined || path === '/') throw new KeeperError(ZkErrorCode.NONODE, path);
    parent.children.delete(nameOf(path));
    if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
    this.nodes.delete(path);
    this.aclCache.removeUsage(node.acl);
    this.untrackOwner(path, node.stat.ephemeralOwner);
    const processed = this.fire(this.dataWatches, path, EventType.NodeDeleted);
    this.fire(this.childWatches, path, EventType.NodeDeleted, processed);
    this.fire(this.childWatches, parentPath, EventType.NodeChildrenChanged);
  }

  setData(path: string, data: Buffer | null, version: number, zxid: bigint, timeMs: bigint): Stat {
    const node = this.nodes.get(path);
    if (node === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    node.data = data;
    node.stat.mtime = timeMs;
    node.stat.mzxid = zxid;
    node.stat.version = version;
    this.fire(this.dataWatches, path, EventType.NodeDataChanged);
    return this.copyStat(node);
  }

  setACL(path: string, acl: readonly ACL[], version: number): Stat {
    const node = this.nodes.get(path);
    if (node === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    this.aclCache.removeUsage(node.acl);
    node.stat.aversion = version;
    node.acl = this.aclCache.convertAcls(acl);
    return this.copyStat(node);
  }

  /** Replay of a create whose node a fuzzy snapshot already holds: bring the parent's counters up. */
  setCversionPzxid(path: string, newCversion: number, zxid: bigint): void {
    const node = this.nodes.get(path);
    if (node === undefined) return;
    const cversion = newCversion === -1 ? node.stat.cversion + 1 : newCversion;
    if (cversion > node.stat.cversion) {
      node.stat.cversion = cversion;
      node.stat.pzxid = zxid;
    }
  }

  /** The session's ephemeral paths (getEphemerals, closeSession), in ZooKeeper's order. */
  getEphemerals(sessionId: bigint): string[] {
    const set = this.ephemerals.get(sessionId);
    if (set === undefined) return [];
    return javaHashSetOrder(set, javaHashSetCapacity(this.maxEphemerals.get(sessionId) ?? set.size, 16));
  }

  /** A node's children in the order ZooKeeper returns them (its HashSet's, initial capacity 8). */
  childrenOf(node: DataNode): string[] {
    return javaHashSetOrder(node.children, javaHashSetCapacity(node.maxChildren, 8));
  }

  killSession(sessionId: bigint, zxid: bigint, paths: readonly string[]): void {
    const toDelete = paths.length > 0 ? paths : this.getEphemerals(sessionId);
    for (const p of toDelete) {
      const n = this.nodes.get(p);
      if (n !== undefined && n.stat.ephemeralOwner === sessionId) this.deleteNode(p, zxid);
    }
  }

  /** Count of all descendants (getAllChildrenNumber). */
  getAllChildrenNumber(path: string): number {
    const node = this.nodes.get(path);
    if (node === undefined) return 0;
    let n = 0;
    const stack = [path];
    while (stack.length > 0) {
      const p = stack.pop()!;
      for (const c of this.nodes.get(p)!.children) {
        n++;
        stack.push(childPath(p, c));
      }
    }
    return n;
  }

  addDataWatch(path: string, watcher: WatcherId): void {
    this.dataWatches.addWatch(path, watcher, WatchMode.standard);
  }

  addChildWatch(path: string, watcher: WatcherId): void {
    this.childWatches.addWatch(path, watcher, WatchMode.standard);
  }

  addPersistentWatch(path: string, watcher: WatcherId, recursive: boolean): void {
    const mode = recursive ? WatchMode.persistentRecursive : WatchMode.persistent;
    this.dataWatches.addWatch(path, watcher, mode);
    this.childWatches.addWatch(path, watcher, mode);
  }

  removeWatcher(watcher: WatcherId): void {
    this.dataWatches.removeWatcher(watcher);
    this.childWatches.removeWatcher(watcher);
  }

  /**
   * The one place the tree changes. Errors that ZooKeeper tolerates during replay (NONODE on
   * delete, NODEEXISTS on create: the fuzzy-snapshot overlap) come back in `err`.
   */
  processTxn(hdr: TxnHeader, body: TxnBody, isSubTxn = false): ProcessTxnResult {
    const rc: ProcessTxnResult = {
      clientId: hdr.clientId, cxid: hdr.cxid, zxid: hdr.zxid, type: hdr.type, err: 0, path: '', stat: null, multiResult: [],
    };
    try {
      this.applyBody(hdr, body, rc);
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      rc.err = e.errorCode;
    }
    if (!isSubTxn && hdr.zxid > this.lastProcessedZxid) this.lastProcessedZxid = hdr.zxid;
    return rc;
  }

  private applyBody(hdr: TxnHeader, b: TxnBody, rc: ProcessTxnResult): void {
    switch (b.type) {
      case OpCode.create:
      case OpCode.create2: {
        const t = b.record;
        rc.path = t.path;
        rc.stat = this.createNode(t.path, t.data, t.acl, t.ephemeral ? hdr.clientId : 0n, t.parentCVersion, hdr.zxid, hdr.time);
        return;
      }
      case OpCode.createContainer: {
        const t = b.record;
        rc.path = t.path;
        rc.stat = this.createNode(t.path, t.data, t.acl, CONTAINER_EPHEMERAL_OWNER, t.parentCVersion, hdr.zxid, hdr.time);
        return;
      }
      case OpCode.createTTL: {
        const t = b.record;
        rc.path = t.path;
        rc.stat = this.createNode(t.path, t.data, t.acl, ttlToEphemeralOwner(t.ttl), t.parentCVersion, hdr.zxid, hdr.time);
        return;
      }
      case OpCode.delete:
      case OpCode.deleteContainer:
        rc.path = b.record.path;
        this.deleteNode(b.record.path, hdr.zxid);
        return;
      case OpCode.setData:
        rc.path = b.record.path;
        rc.stat = this.setData(b.record.path, b.record.data, b.record.version, hdr.zxid, hdr.time);
        return;
      case OpCode.setACL:
        rc.path = b.record.path;
        rc.stat = this.setACL(b.record.path, b.record.acl, b.record.version);
        return;
      case OpCode.check:
        rc.path = b.record.path;
        return;
      case OpCode.closeSession:
        this.killSession(hdr.clientId, hdr.zxid, b.record.paths2Delete);
        return;
      case OpCode.createSession:
        return;
      case OpCode.error:
        rc.err = b.record.err;
        return;
      case OpCode.multi:
        this.applyMulti(hdr, b.record.txns, rc);
        return;
    }
  }

  /** DataTree.processTxn's multi case: all-or-nothing; a failed multi applies nothing. */
  private applyMulti(hdr: TxnHeader, txns: ReadonlyArray<{ type: number; data: Buffer | null }>, rc: ProcessTxnResult): void {
    const failed = txns.some((t) => t.type === OpCode.error);
    let postFailed = false;
    for (const sub of txns) {
      let body = decodeTxnBody(sub.type, new Reader(sub.data ?? Buffer.alloc(0)));
      if (body.type === OpCode.error) postFailed = true;
      if (failed && body.type !== OpCode.error) {
        body = { type: OpCode.error, record: { err: postFailed ? ZkErrorCode.RUNTIMEINCONSISTENCY : ZkErrorCode.OK } };
      }
      const subHdr: TxnHeader = { ...hdr, type: body.type };
      const subRc = this.processTxn(subHdr, body, true);
      rc.multiResult.push(subRc);
      if (subRc.err !== 0 && rc.err === 0) rc.err = subRc.err;
    }
  }

  /** As ZooKeeper's DataTree.getNodeCount: its map holds the root twice ("" and "/"), so one more. */
  get nodeCount(): number {
    return this.nodes.size + 1;
  }

  get ephemeralCount(): number {
    let n = 0;
    for (const s of this.ephemerals.values()) n += s.size;
    return n;
  }

  /** Sum of path lengths and data sizes (ZooKeeper's approximateDataSize). */
  approximateDataSize(): number {
    let n = 0;
    for (const [p, node] of this.nodes) n += p.length + (node.data?.length ?? 0);
    return n;
  }
}

export type { Id };
