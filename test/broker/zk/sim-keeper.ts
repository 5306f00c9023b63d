/**
 * An in-memory keeper with ZooKeeper's semantics for what the broker uses (versions,
 * ephemerals per session, sequential names, one-shot data/child/exists watches, atomic multi,
 * session expiry). Deterministic: no clocks, no randomness; watch events are delivered on a
 * later microtask than the reply, as a real client sees them.
 */
import { KeeperError } from '../../../src/jute/errors.js';
import { ZkErrorCode } from '../../../src/jute/constants.js';
import {
  CreateMode, type CreateModeValue, type KeeperSession, type MultiOutcome, type SessionState, type Stat, type ZkOp, type ZkWatcher,
} from '../../../src/broker/zk/keeper-port.js';

interface Node {
  data: Buffer | null;
  version: number;
  cversion: number;
  czxid: bigint;
  mzxid: bigint;
  ephemeralOwner: bigint;
  ctimeMs: bigint;
  children: Set<string>;
  nextSequence: number;
}

const parentOf = (path: string): string => {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
};

export class SimKeeper {
  private nodes = new Map<string, Node>();
  private zxid = 0n;
  private nextSessionId = 1n;
  private readonly sessions = new Map<bigint, SimSession>();
  readonly dataWatches = new Map<string, Set<ZkWatcher>>();
  readonly childWatches = new Map<string, Set<ZkWatcher>>();
  /** Observes every create / setData as it is applied (invariant checkers). */
  onWrite: ((path: string, data: Buffer | null) => void) | null = null;

  /** The clock for znode ctimes (tests may advance it). */
  nowMs: () => number = Date.now;

  constructor() {
    this.nodes.set('/', this.newNode(null, 0n));
  }

  connect(): SimSession {
    const s = new SimSession(this, this.nextSessionId++);
    this.sessions.set(s.id, s);
    return s;
  }

  /** The server expires a session: its ephemerals go, it sees Expired. */
  expire(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s === undefined) return;
    this.sessions.delete(sessionId);
    this.removeEphemerals(sessionId);
    s.markExpired();
  }

  closeSession(sessionId: bigint): void {
    this.sessions.delete(sessionId);
    this.removeEphemerals(sessionId);
  }

  read(path: string): { data: Buffer | null; stat: Stat } | null {
    const n = this.nodes.get(path);
    return n === undefined ? null : { data: n.data, stat: this.stat(n) };
  }

  children(path: string): string[] {
    return [...(this.nodes.get(path)?.children ?? [])].sort();
  }

  private newNode(data: Buffer | null, owner: bigint): Node {
    return { data, version: 0, cversion: 0, czxid: this.zxid, mzxid: this.zxid, ephemeralOwner: owner, ctimeMs: BigInt(Math.floor(this.nowMs())), children: new Set(), nextSequence: 0 };
  }

  stat(n: Node): Stat {
    return {
      czxid: n.czxid, mzxid: n.mzxid, ctime: n.ctimeMs, mtime: n.ctimeMs, version: n.version, cversion: n.cversion, aversion: 0,
      ephemeralOwner: n.ephemeralOwner, dataLength: n.data?.length ?? 0, numChildren: n.children.size, pzxid: n.mzxid,
    };
  }

  private removeEphemerals(owner: bigint): void {
    for (const [path, n] of [...this.nodes]) if (n.ephemeralOwner === owner && this.nodes.has(path)) this.applyDelete(path, -1);
  }

  private fire(map: Map<string, Set<ZkWatcher>>, path: string, type: string): void {
    const ws = map.get(path);
    if (ws === undefined) return;
    map.delete(path);
    for (const w of ws) queueMicrotask(() => queueMicrotask(() => w({ type, path })));
  }

  addWatch(kind: 'data' | 'child', path: string, w: ZkWatcher): void {
    const map = kind === 'data' ? this.dataWatches : this.childWatches;
    let set = map.get(path);
    if (set === undefined) map.set(path, (set = new Set()));
    set.add(w);
  }

  node(path: string): Node | undefined {
    return this.nodes.get(path);
  }

  applyCreate(path: string, data: Buffer | null, mode: CreateModeValue, owner: bigint): string {
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (parent === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    if (parent.ephemeralOwner !== 0n) throw new KeeperError(ZkErrorCode.NOCHILDRENFOREPHEMERALS, path);
    let actual = path;
    if (mode === CreateMode.PERSISTENT_SEQUENTIAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL) {
      actual = path + String(parent.nextSequence).padStart(10, '0');
    }
    if (this.nodes.has(actual)) throw new KeeperError(ZkErrorCode.NODEEXISTS, actual);
    this.zxid += 1n;
    parent.nextSequence += 1;
    const ephemeral = mode === CreateMode.EPHEMERAL || mode === CreateMode.EPHEMERAL_SEQUENTIAL;
    this.onWrite?.(actual, data);
    this.nodes.set(actual, this.newNode(data, ephemeral ? owner : 0n));
    parent.children.add(actual.slice(parentPath === '/' ? 1 : parentPath.length + 1));
    parent.cversion += 1;
    this.fire(this.dataWatches, actual, 'NodeCreated');
    this.fire(this.childWatches, parentPath, 'NodeChildrenChanged');
    return actual;
  }

  applySetData(path: string, data: Buffer, version: number): Stat {
    const n = this.nodes.get(path);
    if (n === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    if (version !== -1 && version !== n.version) throw new KeeperError(ZkErrorCode.BADVERSION, path);
    this.onWrite?.(path, data);
    this.zxid += 1n;
    n.data = data;
    n.version += 1;
    n.mzxid = this.zxid;
    this.fire(this.dataWatches, path, 'NodeDataChanged');
    return this.stat(n);
  }

  applyDelete(path: string, version: number): void {
    const n = this.nodes.get(path);
    if (n === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    if (version !== -1 && version !== n.version) throw new KeeperError(ZkErrorCode.BADVERSION, path);
    if (n.children.size > 0) throw new KeeperError(ZkErrorCode.NOTEMPTY, path);
    this.zxid += 1n;
    this.nodes.delete(path);
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath)!;
    parent.children.delete(path.slice(parentPath === '/' ? 1 : parentPath.length + 1));
    parent.cversion += 1;
    this.fire(this.dataWatches, path, 'NodeDeleted');
    this.fire(this.childWatches, path, 'NodeDeleted');
    this.fire(this.childWatches, parentPath, 'NodeChildrenChanged');
  }

  /** All-or-nothing: runs on a copy of the tree and keeps it only if every op succeeds. */
  applyMulti(ops: readonly ZkOp[], owner: bigint): MultiOutcome {
    const saved = new Map([...this.nodes].map(([p, n]) => [p, { ...n, children: new Set(n.children) }]));
    const savedZxid = this.zxid;
    const savedData = new Map([...this.dataWatches].map(([p, s]) => [p, new Set(s)]));
    const savedChild = new Map([...this.childWatches].map(([p, s]) => [p, new Set(s)]));
    const pending: Array<() => void> = [];
    const realQueue = globalThis.queueMicrotask;
    // watch notifications of a failed multi must not fire: hold them until the outcome is known
    globalThis.queueMicrotask = (cb: () => void) => pending.push(cb);
    const results: Array<{ path?: string; stat?: Stat }> = [];
    try {
      for (let i = 0; i < ops.length; i++) {
        const op = ops[i]!;
        try {
          if (op.type === 'create') results.push({ path: this.applyCreate(op.path, op.data, op.mode, owner) });
          else if (op.type === 'setData') results.push({ stat: this.applySetData(op.path, op.data, op.version) });
          else if (op.type === 'delete') { this.applyDelete(op.path, op.version); results.push({}); }
          else {
            const n = this.nodes.get(op.path);
            if (n === undefined) throw new KeeperError(ZkErrorCode.NONODE, op.path);
            if (op.version !== -1 && n.version !== op.version) throw new KeeperError(ZkErrorCode.BADVERSION, op.path);
            results.push({});
          }
        } catch (err) {
          this.nodes = saved;
          this.zxid = savedZxid;
          this.dataWatches.clear();
          for (const [p, s] of savedData) this.dataWatches.set(p, s);
          this.childWatches.clear();
          for (const [p, s] of savedChild) this.childWatches.set(p, s);
          pending.length = 0;
          return { ok: false, failedIndex: i, errorCode: (err as KeeperError).errorCode };
        }
      }
    } finally {
      globalThis.queueMicrotask = realQueue;
    }
    for (const cb of pending) realQueue(cb);
    return { ok: true, results };
  }
}

export class SimSession implements KeeperSession {
  private expired = false;
  private closed = false;
  private readonly listeners = new Set<(s: SessionState) => void>();
  /** Paths whose watch notifications this session does not get (a delayed notification). */
  readonly deafTo = new Set<string>();
  constructor(private readonly keeper: SimKeeper, readonly id: bigint) {}

  private wrap(watch: ZkWatcher): ZkWatcher {
    return (ev) => {
      if (!this.deafTo.has(ev.path) && !this.closed && !this.expired) watch(ev);
    };
  }

  sessionId(): bigint {
    return this.id;
  }

  markExpired(): void {
    this.expired = true;
    for (const l of this.listeners) queueMicrotask(() => l('Expired'));
  }

  private async op<T>(fn: () => T): Promise<T> {
    await Promise.resolve();
    if (this.expired) throw new KeeperError(ZkErrorCode.SESSIONEXPIRED);
    if (this.closed) throw new KeeperError(ZkErrorCode.CONNECTIONLOSS);
    return fn();
  }

  create(path: string, data: Buffer | null, mode: CreateModeValue): Promise<string> {
    return this.op(() => this.keeper.applyCreate(path, data, mode, this.id));
  }

  getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: Stat }> {
    return this.op(() => {
      const r = this.keeper.read(path);
      if (r === null) throw new KeeperError(ZkErrorCode.NONODE, path);
      if (watch !== undefined) this.keeper.addWatch('data', path, this.wrap(watch));
      return r;
    });
  }

  getChildren(path: string, watch?: ZkWatcher): Promise<string[]> {
    return this.op(() => {
      if (this.keeper.node(path) === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
      if (watch !== undefined) this.keeper.addWatch('child', path, this.wrap(watch));
      return this.keeper.children(path);
    });
  }

  exists(path: string, watch?: ZkWatcher): Promise<Stat | null> {
    return this.op(() => {
      if (watch !== undefined) this.keeper.addWatch('data', path, this.wrap(watch));
      const r = this.keeper.read(path);
      return r === null ? null : r.stat;
    });
  }

  setData(path: string, data: Buffer, version: number): Promise<Stat> {
    return this.op(() => this.keeper.applySetData(path, data, version));
  }

  delete(path: string, version: number): Promise<void> {
    return this.op(() => this.keeper.applyDelete(path, version));
  }

  multi(ops: readonly ZkOp[]): Promise<MultiOutcome> {
    return this.op(() => this.keeper.applyMulti(ops, this.id));
  }

  onStateChange(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed || this.expired) return;
    this.closed = true;
    this.keeper.closeSession(this.id);
  }
}
