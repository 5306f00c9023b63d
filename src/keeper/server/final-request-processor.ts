/**
 * FinalRequestProcessor, the last pipeline stage: applies a request's txn to the DataTree (or
 * runs a read against it), registers watches, and builds the reply (ReplyHeader + response
 * record). Pure: it returns the reply bytes; watch events the txn fired are left in
 * `tree.events` for the server to deliver before this reply.
 */
import { AddWatchMode, OpCode, Perms, WatcherType, ZkErrorCode } from '../../jute/constants.js';
import { KeeperError } from '../../jute/errors.js';
import * as J from '../../jute/generated/records.js';
import type { Id } from '../../jute/generated/records.js';
import { Writer } from '../../util/bytes.js';
import { aclAllows, checkACL } from './acl.js';
import { DataTree, type ProcessTxnResult } from './data-tree.js';
import type { MultiOp, RequestBody } from './requests.js';
import type { Txn } from './txn.js';
import { WatchMode, type WatcherId } from './watch-manager.js';
import { EventType } from '../../jute/constants.js';

export interface FinalRequest {
  xid: number;
  type: number;
  body: RequestBody;
  sessionId: bigint;
  watcher: WatcherId;
  authInfo: readonly Id[];
  txn: Txn | null;
}

export interface Reply {
  err: number;
  zxid: bigint;
  /** ReplyHeader + response, ready to frame. */
  bytes: Buffer;
}

type BodyWriter = ((w: Writer) => void) | null;

export function encodeReply(xid: number, zxid: bigint, err: number, body: BodyWriter): Buffer {
  const w = new Writer(64);
  J.encodeReplyHeader(w, { xid, zxid, err });
  if (body !== null && err === 0) body(w);
  return Buffer.from(w.finish());
}

function node(tree: DataTree, path: string) {
  const n = tree.getNode(path);
  if (n === undefined) throw new KeeperError(ZkErrorCode.NONODE, path);
  return n;
}

function txnResponse(rc: ProcessTxnResult, requestType: number): BodyWriter {
  switch (requestType) {
    case OpCode.create:
      return (w) => J.encodeCreateResponse(w, { path: rc.path });
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return (w) => J.encodeCreate2Response(w, { path: rc.path, stat: rc.stat! });
    case OpCode.setData:
      return (w) => J.encodeSetDataResponse(w, { stat: rc.stat! });
    case OpCode.setACL:
      return (w) => J.encodeSetACLResponse(w, { stat: rc.stat! });
    case OpCode.multi:
      return (w) => encodeMultiResults(w, rc.multiResult);
    default:
      return null;
  }
}

function encodeMultiResults(w: Writer, results: readonly ProcessTxnResult[]): void {
  for (const r of results) {
    if (r.type === OpCode.error) {
      J.encodeMultiHeader(w, { type: OpCode.error, done: false, err: r.err });
      J.encodeErrorResponse(w, { err: r.err });
      continue;
    }
    // createContainer / createTTL results travel as create2 (OpResult.CreateResult with a stat).
    const type = r.type === OpCode.createContainer || r.type === OpCode.createTTL ? OpCode.create2 : r.type;
    J.encodeMultiHeader(w, { type, done: false, err: 0 });
    if (type === OpCode.create) J.encodeCreateResponse(w, { path: r.path });
    else if (type === OpCode.create2) J.encodeCreate2Response(w, { path: r.path, stat: r.stat! });
    else if (type === OpCode.setData) J.encodeSetDataResponse(w, { stat: r.stat! });
  }
  J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
}

/** multiRead: each op answers on its own (no rollback); like ZooKeeper, the ops' watch flags are ignored. */
function multiRead(tree: DataTree, req: FinalRequest, ops: readonly MultiOp[]): BodyWriter {
  const parts: Array<(w: Writer) => void> = [];
  for (const op of ops) {
    try {
      if (op.type === OpCode.getData) {
        const n = node(tree, op.record.path);
        checkACL(tree.aclOf(n), req.authInfo, Perms.READ, op.record.path);
        const resp = { data: n.data, stat: tree.copyStat(n) };
        parts.push((w) => {
          J.encodeMultiHeader(w, { type: OpCode.getData, done: false, err: 0 });
          J.encodeGetDataResponse(w, resp);
        });
      } else if (op.type === OpCode.getChildren) {
        const n = node(tree, op.record.path);
        checkACL(tree.aclOf(n), req.authInfo, Perms.READ, op.record.path);
        const children = tree.childrenOf(n);
        parts.push((w) => {
          J.encodeMultiHeader(w, { type: OpCode.getChildren, done: false, err: 0 });
          J.encodeGetChildrenResponse(w, { children });
        });
      } else {
        throw new KeeperError(ZkErrorCode.BADARGUMENTS, undefined, { detail: 'write op in multiRead' });
      }
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e;
      const err = e.errorCode;
      parts.push((w) => {
        J.encodeMultiHeader(w, { type: OpCode.error, done: false, err });
        J.encodeErrorResponse(w, { err });
      });
    }
  }
  return (w) => {
    for (const p of parts) p(w);
    J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
  };
}

/** setWatches: re-registers a reconnecting client's watches, firing what it missed. */
function setWatches(tree: DataTree, req: FinalRequest, sw: J.SetWatches2): void {
  const rel = sw.relativeZxid;
  const fire = (type: number, path: string): void => {
    tree.events.push({ watcher: req.watcher, type, path });
  };
  for (const p of sw.dataWatches) {
    const n = tree.getNode(p);
    if (n === undefined) fire(EventType.NodeDeleted, p);
    else if (n.stat.mzxid > rel) fire(EventType.NodeDataChanged, p);
    else tree.addDataWatch(p, req.watcher);
  }
  for (const p of sw.existWatches) {
    if (tree.getNode(p) !== undefined) fire(EventType.NodeCreated, p);
    else tree.addDataWatch(p, req.watcher);
  }
  for (const p of sw.childWatches) {
    const n = tree.getNode(p);
    if (n === undefined) fire(EventType.NodeDeleted, p);
    else if (n.stat.pzxid > rel) fire(EventType.NodeChildrenChanged, p);
    else tree.addChildWatch(p, req.watcher);
  }
  for (const p of sw.persistentWatches) tree.addPersistentWatch(p, req.watcher, false);
  for (const p of sw.persistentRecursiveWatches) tree.addPersistentWatch(p, req.watcher, true);
}

function watchMask(type: number): number {
  switch (type) {
    case WatcherType.Children:
    case WatcherType.Data:
      return WatchMode.standard | WatchMode.persistent | WatchMode.persistentRecursive;
    case WatcherType.Persistent:
      return WatchMode.persistent;
    case WatcherType.PersistentRecursive:
      return WatchMode.persistentRecursive;
    default:
      return 0xff;
  }
}

/** checkWatches / removeWatches (WatcherType Children, Data, Any, Persistent, PersistentRecursive). */
function removeOrCheckWatches(tree: DataTree, req: FinalRequest, r: J.CheckWatchesRequest, remove: boolean): void {
  const mask = watchMask(r.type);
  const useData = r.type !== WatcherType.Children;
  const useChild = r.type !== WatcherType.Data;
  const inData = useData && tree.dataWatches.hasWatch(r.path, req.watcher, mask);
  const inChild = useChild && tree.childWatches.hasWatch(r.path, req.watcher, mask);
  if (!inData && !inChild) throw new KeeperError(ZkErrorCode.NOWATCHER, r.path);
  if (!remove) return;
  if (inData) tree.dataWatches.removeWatch(r.path, req.watcher, mask);
  if (inChild) tree.childWatches.removeWatch(r.path, req.watcher, mask);
}

function readRequest(tree: DataTree, req: FinalRequest, clientIp: string): BodyWriter {
  const b = req.body;
  switch (b.type) {
    case OpCode.exists: {
      if (b.record.watch) tree.addDataWatch(b.record.path, req.watcher);
      const stat = tree.copyStat(node(tree, b.record.path));
      return (w) => J.encodeExistsResponse(w, { stat });
    }
    case OpCode.getData: {
      const n = node(tree, b.record.path);
      checkACL(tree.aclOf(n), req.authInfo, Perms.READ, b.record.path);
      if (b.record.watch) tree.addDataWatch(b.record.path, req.watcher);
      const resp = { data: n.data, stat: tree.copyStat(n) };
      return (w) => J.encodeGetDataResponse(w, resp);
    }
    case OpCode.getChildren:
    case OpCode.getChildren2: {
      const n = node(tree, b.record.path);
      checkACL(tree.aclOf(n), req.authInfo, Perms.READ, b.record.path);
      if (b.record.watch) tree.addChildWatch(b.record.path, req.watcher);
      const children = tree.childrenOf(n);
      if (b.type === OpCode.getChildren) return (w) => J.encodeGetChildrenResponse(w, { children });
      const stat = tree.copyStat(n);
      return (w) => J.encodeGetChildren2Response(w, { children, stat });
    }
    case OpCode.getACL: {
      const n = node(tree, b.record.path);
      const acl = tree.aclOf(n);
      checkACL(acl, req.authInfo, Perms.READ | Perms.ADMIN, b.record.path);
      // Without ADMIN, digest ids are shown as "user:x" (ZooKeeper 3.8 hides the hashes).
      const hide = !aclAllows(acl, req.authInfo, Perms.ADMIN);
      const shown = acl.map((a) => (hide && a.id.scheme === 'digest' ? { perms: a.perms, id: { scheme: 'digest', id: a.id.id.replace(/:.*/, ':x') } } : a));
      const resp = { acl: shown, stat: tree.copyStat(n) };
      return (w) => J.encodeGetACLResponse(w, resp);
    }
    case OpCode.getAllChildrenNumber: {
      const n = node(tree, b.record.path);
      checkACL(tree.aclOf(n), req.authInfo, Perms.READ, b.record.path);
      const totalNumber = tree.getAllChildrenNumber(b.record.path);
      return (w) => J.encodeGetAllChildrenNumberResponse(w, { totalNumber });
    }
    case OpCode.getEphemerals: {
      const prefix = b.record.prefixPath;
      const all = tree.getEphemerals(req.sessionId);
      const ephemerals = prefix.trim() === '' || prefix.trim() === '/' ? all : all.filter((p) => p.startsWith(prefix));
      return (w) => J.encodeGetEphemeralsResponse(w, { ephemerals });
    }
    case OpCode.sync: {
      const path = b.record.path;
      return (w) => J.encodeSyncResponse(w, { path });
    }
    case OpCode.multiRead:
      return multiRead(tree, req, b.ops);
    case OpCode.setWatches:
      setWatches(tree, req, { ...b.record, persistentWatches: [], persistentRecursiveWatches: [] });
      return null;
    case OpCode.setWatches2:
      setWatches(tree, req, b.record);
      return null;
    case OpCode.addWatch:
      if (b.record.mode !== AddWatchMode.persistent && b.record.mode !== AddWatchMode.persistentRecursive) {
        throw new KeeperError(ZkErrorCode.MARSHALLINGERROR, b.record.path, { detail: `unknown AddWatchMode ${b.record.mode}` });
      }
      tree.addPersistentWatch(b.record.path, req.watcher, b.record.mode === AddWatchMode.persistentRecursive);
      // ZooKeeper answers addWatch with an ErrorResponse(0) body; the Java client reads it and drops the connection without it.
      return (w) => J.encodeErrorResponse(w, { err: 0 });
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      removeOrCheckWatches(tree, req, b.record, b.type === OpCode.removeWatches);
      return null;
    case OpCode.whoAmI: {
      // AuthenticationProvider.getUserName: a digest id shows its user name only. ZooKeeper
      // lists the ids in hash-set order; clients must not rely on the order.
      const ids = [{ scheme: 'ip', id: clientIp }, ...req.authInfo.filter((i) => i.scheme !== 'ip')];
      const clientInfo = ids.map((i) => ({ authScheme: i.scheme, user: i.scheme === 'digest' ? i.id.replace(/:.*/, '') : i.id }));
      return (w) => J.encodeWhoAmIResponse(w, { clientInfo });
    }
    case OpCode.ping:
      return null;
    case OpCode.reconfig:
      // Standalone, with reconfigEnabled=false as ZooKeeper defaults.
      throw new KeeperError(ZkErrorCode.RECONFIGDISABLED);
    default:
      throw new KeeperError(ZkErrorCode.UNIMPLEMENTED);
  }
}

/** Applies the request's txn (if any) or runs the read, and returns the reply. */
export function finalRequest(tree: DataTree, req: FinalRequest, clientIp: string): Reply {
  if (req.txn !== null) {
    const rc = tree.processTxn(req.txn.hdr, req.txn.body);
    const err = req.type === OpCode.multi && req.txn.hdr.type === OpCode.multi ? 0 : rc.err;
    return { err, zxid: req.txn.hdr.zxid, bytes: encodeReply(req.xid, req.txn.hdr.zxid, err, err === 0 ? txnResponse(rc, req.type) : null) };
  }
  const zxid = tree.lastProcessedZxid;
  try {
    const body = readRequest(tree, req, clientIp);
    return { err: 0, zxid, bytes: encodeReply(req.xid, zxid, 0, body) };
  } catch (e) {
    if (!(e instanceof KeeperError)) throw e;
    return { err: e.errorCode, zxid, bytes: encodeReply(req.xid, zxid, e.errorCode, null) };
  }
}
