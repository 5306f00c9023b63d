/**
 * PrepRequestProcessor, the first stage of ZooKeeper's pipeline: validates a write request
 * against the tree *plus the changes of earlier requests not yet applied* (the outstanding
 * ChangeRecords), checks ACLs, and turns it into a transaction with the next zxid. A write
 * that fails here still becomes a transaction — an ErrorTxn carrying the error code — as in
 * ZooKeeper, so the log records it and the reply comes back in order.
 *
 * Pure: the wall-clock time for the txn header comes in with the request; no I/O. The next
 * stage (SyncRequestProcessor; later a ZAB proposal) persists the txn, the last
 * (FinalRequestProcessor) applies it and calls `applied(zxid)` to retire change records.
 */
import { CreateMode, OpCode, Perms, ZkErrorCode, createModeInfo } from '../../jute/constants.js';
import { KeeperError } from '../../jute/errors.js';
import * as J from '../../jute/generated/records.js';
import type { ACL, Id, StatPersisted } from '../../jute/generated/records.js';
import { checkACL, fixupACL } from './acl.js';
import { CONTAINER_EPHEMERAL_OWNER, MAX_TTL_MS, ephemeralKind, ttlToEphemeralOwner } from './ephemeral-type.js';
import type { DataTree } from './data-tree.js';
import { parentOf, pathProblem } from './path-utils.js';
import type { MultiOp, RequestBody } from './requests.js';
import { encodeTxnBodyBytes, type Txn, type TxnBody } from './txn.js';

interface ChangeRecord {
  zxid: bigint;
  path: string;
  /** null: the node is deleted by a pending txn. */
  stat: StatPersisted | null;
  childCount: number;
  acl: readonly ACL[];
}

export interface PrepRequest {
  sessionId: bigint;
  cxid: number;
  type: number;
  body: RequestBody;
  authInfo: readonly Id[];
  timeMs: number;
}

export interface PrepOptions {
  extendedTypesEnabled: boolean;
}

/** Java's String.format("%010d", n): zero-padded to 10 characters, sign included. */
/** DataTree.isSpecialPath: nodes the server owns; deleting them is BADARGUMENTS. */
const SPECIAL_PATHS: ReadonlySet<string> = new Set(['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']);

export function formatSequence(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}

export class PrepRequestProcessor {
  private readonly outstanding: ChangeRecord[] = [];
  private readonly byPath = new Map<string, ChangeRecord>();
  /** The last zxid handed out. */
  private zxid: bigint;

  constructor(
    private readonly tree: DataTree,
    private readonly options: PrepOptions,
  ) {
    this.zxid = tree.lastProcessedZxid;
  }

  get lastZxid(): bigint {
    return this.zxid;
  }

  /** Turns a write request into its txn (an ErrorTxn when it fails validation). */
  prepare(req: PrepRequest): Txn {
    const zxid = ++this.zxid;
    const hdr: J.TxnHeader = { clientId: req.sessionId, cxid: req.cxid, zxid, time: BigInt(req.timeMs), type: req.type };
    try {
      const body = req.body.type === OpCode.multi ? this.prepMulti(req, zxid, req.body.ops) : this.prepOne(req, zxid, req.body);
      // A create's txn type follows its mode (a CONTAINER create sent as op create is logged
      // as createContainer), so the log decodes by header type as ZooKeeper's readers do.
      hdr.type = body.type;
      return { hdr, body };
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      hdr.type = OpCode.error;
      return { hdr, body: { type: OpCode.error, record: { err: e.errorCode } } };
    }
  }

  /** A write whose body did not decode: ZooKeeper still logs it, as an ErrorTxn. */
  prepareFailure(req: { sessionId: bigint; cxid: number; timeMs: number }, err: number): Txn {
    const zxid = ++this.zxid;
    return {
      hdr: { clientId: req.sessionId, cxid: req.cxid, zxid, time: BigInt(req.timeMs), type: OpCode.error },
      body: { type: OpCode.error, record: { err } },
    };
  }

  /** The final stage applied `zxid`: change records up to it now live in the tree. */
  applied(zxid: bigint): void {
    while (this.outstanding.length > 0 && this.outstanding[0]!.zxid <= zxid) {
      const cr = this.outstanding.shift()!;
      if (this.byPath.get(cr.path) === cr) this.byPath.delete(cr.path);
    }
  }

  private record(path: string): ChangeRecord {
    const pending = this.byPath.get(path);
    if (pending !== undefined) {
      if (pending.stat === null) throw new KeeperError(ZkErrorCode.NONODE, path);
      return pending;
    }
    const node = this.tree.getNode(path);
    if (node === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
    return { zxid: -1n, path, stat: { ...node.stat }, childCount: node.children.size, acl: this.tree.aclOf(node) };
  }

  private exists(path: string): boolean {
    const pending = this.byPath.get(path);
    if (pending !== undefined) return pending.stat !== null;
    return this.tree.getNode(path) !== undefined;
  }

  private addChange(cr: ChangeRecord): void {
    this.outstanding.push(cr);
    this.byPath.set(cr.path, cr);
  }

  private static validate(path: string): void {
    if (pathProblem(path) !== null) throw new KeeperError(ZkErrorCode.BADARGUMENTS, path, { detail: pathProblem(path)! });
  }

  private static checkAndIncVersion(current: number, expected: number, path: string): number {
    if (expected !== -1 && expected !== current) throw new KeeperError(ZkErrorCode.BADVERSION, path);
    return (current + 1) | 0; // Java int arithmetic: wraps at 2^31
  }

  private prepOne(req: PrepRequest, zxid: bigint, body: RequestBody): TxnBody {
    switch (body.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
        return this.prepCreate(req, zxid, body.type, body.record, -1n);
      case OpCode.createTTL:
        return this.prepCreate(req, zxid, body.type, body.record, body.record.ttl);
      case OpCode.delete:
        return this.prepDelete(req, zxid, body.record.path, body.record.version);
      case OpCode.deleteContainer:
        return this.prepDeleteContainer(zxid, body.path);
      case OpCode.setData: {
        const { path, data, version } = body.record;
        PrepRequestProcessor.validate(path);
        const rec = this.record(path);
        checkACL(rec.acl, req.authInfo, Perms.WRITE, path);
        const newVersion = PrepRequestProcessor.checkAndIncVersion(rec.stat!.version, version, path);
        this.addChange({ ...rec, zxid, stat: { ...rec.stat!, version: newVersion, mzxid: zxid } });
        return { type: OpCode.setData, record: { path, data, version: newVersion } };
      }
      case OpCode.setACL: {
        const { path, acl, version } = body.record;
        PrepRequestProcessor.validate(path);
        const listACL = fixupACL(path, req.authInfo, acl);
        const rec = this.record(path);
        checkACL(rec.acl, req.authInfo, Perms.ADMIN, path);
        const newVersion = PrepRequestProcessor.checkAndIncVersion(rec.stat!.aversion, version, path);
        this.addChange({ ...rec, zxid, stat: { ...rec.stat!, aversion: newVersion }, acl: listACL });
        return { type: OpCode.setACL, record: { path, acl: listACL, version: newVersion } };
      }
      case OpCode.check: {
        const { path, version } = body.record;
        PrepRequestProcessor.validate(path);
        const rec = this.record(path);
        checkACL(rec.acl, req.authInfo, Perms.READ, path);
        return { type: OpCode.check, record: { path, version: PrepRequestProcessor.checkAndIncVersion(rec.stat!.version, version, path) } };
      }
      case OpCode.createSession:
        return { type: OpCode.createSession, record: { timeOut: body.timeoutMs } };
      case OpCode.closeSession:
        return this.prepCloseSession(req, zxid);
      default:
        throw new KeeperError(ZkErrorCode.BADARGUMENTS, undefined, { detail: `op ${body.type} is not a write` });
    }
  }

  private prepCreate(req: PrepRequest, zxid: bigint, type: number, r: J.CreateRequest, ttl: bigint): TxnBody {
    const mode = createModeInfo.find((m) => m.flag === r.flags);
    if (mode === undefined) throw new KeeperError(ZkErrorCode.BADARGUMENTS, r.path, { detail: `unknown create mode ${r.flags}` });
    const isTTL = r.flags === CreateMode.PERSISTENT_WITH_TTL || r.flags === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isContainer = r.flags === CreateMode.CONTAINER;
    if (isTTL && !this.options.extendedTypesEnabled) throw new KeeperError(ZkErrorCode.UNIMPLEMENTED, r.path);
    if (isTTL !== (type === OpCode.createTTL)) throw new KeeperError(ZkErrorCode.BADARGUMENTS, r.path, { detail: 'TTL mode needs createTTL' });
    if (isTTL && (ttl <= 0n || ttl > MAX_TTL_MS)) throw new KeeperError(ZkErrorCode.BADARGUMENTS, r.path, { detail: `invalid ttl ${ttl}` });
    if (r.path.lastIndexOf('/') < 0 || r.path.includes('\0')) throw new KeeperError(ZkErrorCode.BADARGUMENTS, r.path);
    const listACL = fixupACL(r.path, req.authInfo, r.acl);
    const parentPath = parentOf(r.path);
    const parent = this.record(parentPath);
    checkACL(parent.acl, req.authInfo, Perms.CREATE, parentPath);
    const parentCVersion = parent.stat!.cversion;
    const path = mode.sequential ? r.path + formatSequence(parentCVersion) : r.path;
    const problem = pathProblem(path);
    if (problem !== null) throw new KeeperError(ZkErrorCode.BADARGUMENTS, path, { detail: problem });
    if (this.exists(path)) throw new KeeperError(ZkErrorCode.NODEEXISTS, path);
    if (ephemeralKind(parent.stat!.ephemeralOwner, this.options.extendedTypesEnabled) === 'ephemeral') {
      throw new KeeperError(ZkErrorCode.NOCHILDRENFOREPHEMERALS, path);
    }
    const newCversion = (parentCVersion + 1) | 0;
    const owner = isContainer ? CONTAINER_EPHEMERAL_OWNER : isTTL ? ttlToEphemeralOwner(ttl) : mode.ephemeral ? req.sessionId : 0n;
    this.addChange({ ...parent, zxid, childCount: parent.childCount + 1, stat: { ...parent.stat!, cversion: newCversion, pzxid: zxid } });
    this.addChange({
      zxid, path, childCount: 0, acl: listACL,
      stat: { czxid: zxid, mzxid: zxid, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, pzxid: zxid },
    });
    if (isContainer) return { type: OpCode.createContainer, record: { path, data: r.data, acl: listACL, parentCVersion: newCversion } };
    if (isTTL) return { type: OpCode.createTTL, record: { path, data: r.data, acl: listACL, parentCVersion: newCversion, ttl } };
    return {
      type: type === OpCode.create2 ? OpCode.create2 : OpCode.create,
      record: { path, data: r.data, acl: listACL, ephemeral: mode.ephemeral, parentCVersion: newCversion },
    };
  }

  private prepDelete(req: PrepRequest, zxid: bigint, path: string, version: number): TxnBody {
    PrepRequestProcessor.validate(path);
    if (SPECIAL_PATHS.has(path)) throw new KeeperError(ZkErrorCode.BADARGUMENTS, path);
    const parentPath = parentOf(path);
    const parent = this.record(parentPath);
    const node = this.record(path);
    checkACL(parent.acl, req.authInfo, Perms.DELETE, parentPath);
    PrepRequestProcessor.checkAndIncVersion(node.stat!.version, version, path);
    if (node.childCount > 0) throw new KeeperError(ZkErrorCode.NOTEMPTY, path);
    this.addChange({ ...parent, zxid, childCount: parent.childCount - 1, stat: { ...parent.stat!, pzxid: zxid } });
    this.addChange({ ...node, zxid, stat: null });
    return { type: OpCode.delete, record: { path } };
  }

  private prepDeleteContainer(zxid: bigint, path: string): TxnBody {
    PrepRequestProcessor.validate(path);
    const node = this.record(path);
    if (node.childCount > 0) throw new KeeperError(ZkErrorCode.NOTEMPTY, path);
    const kind = ephemeralKind(node.stat!.ephemeralOwner, this.options.extendedTypesEnabled);
    if (kind !== 'container' && kind !== 'ttl') throw new KeeperError(ZkErrorCode.BADVERSION, path);
    const parentPath = parentOf(path);
    const parent = this.record(parentPath);
    this.addChange({ ...parent, zxid, childCount: parent.childCount - 1, stat: { ...parent.stat!, pzxid: zxid } });
    this.addChange({ ...node, zxid, stat: null });
    return { type: OpCode.deleteContainer, record: { path } };
  }

  private prepCloseSession(req: PrepRequest, zxid: bigint): TxnBody {
    const paths = new Set(this.tree.getEphemerals(req.sessionId));
    for (const cr of this.outstanding) {
      if (cr.stat === null) paths.delete(cr.path);
      else if (cr.stat.ephemeralOwner === req.sessionId) paths.add(cr.path);
    }
    const ordered = [...paths];
    for (const p of ordered) {
      const parentPath = parentOf(p);
      if (this.exists(parentPath)) {
        const parent = this.record(parentPath);
        this.addChange({ ...parent, zxid, childCount: parent.childCount - 1, stat: { ...parent.stat!, pzxid: zxid } });
      }
      this.addChange({ zxid, path: p, stat: null, childCount: 0, acl: [] });
    }
    return { type: OpCode.closeSession, record: { paths2Delete: ordered } };
  }

  /** All-or-nothing: on the first failure, its change records are rolled back. */
  private prepMulti(req: PrepRequest, zxid: bigint, ops: readonly MultiOp[]): TxnBody {
    const mark = this.outstanding.length;
    const txns: J.Txn[] = [];
    let failed: KeeperError | null = null;
    for (const op of ops) {
      let body: TxnBody;
      if (failed !== null) {
        body = { type: OpCode.error, record: { err: ZkErrorCode.RUNTIMEINCONSISTENCY } };
      } else {
        try {
          if (op.type === OpCode.getData || op.type === OpCode.getChildren) {
            throw new KeeperError(ZkErrorCode.BADARGUMENTS, op.record.path, { detail: 'read op in a write multi' });
          }
          // ZooKeeper turns every create in a multi into Op.create(path, data, acl, flags): the
          // mode alone picks create / createContainer, and create2 answers like create.
          const sub: MultiOp = op.type === OpCode.create2 || op.type === OpCode.createContainer ? { type: OpCode.create, record: op.record } : op;
          body = this.prepOne(req, zxid, sub);
        } catch (e) {
          if (!(e instanceof KeeperError)) throw e;
          failed = e;
          body = { type: OpCode.error, record: { err: e.errorCode } };
          this.rollback(mark);
        }
      }
      txns.push({ type: body.type, data: encodeTxnBodyBytes(body) });
    }
    return { type: OpCode.multi, record: { txns } };
  }

  private rollback(mark: number): void {
    const removed = this.outstanding.splice(mark);
    for (const cr of removed) {
      if (this.byPath.get(cr.path) !== cr) continue;
      this.byPath.delete(cr.path);
      for (let i = this.outstanding.length - 1; i >= 0; i--) {
        if (this.outstanding[i]!.path === cr.path) {
          this.byPath.set(cr.path, this.outstanding[i]!);
          break;
        }
      }
    }
  }
}
