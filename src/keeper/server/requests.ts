/**
 * Client requests decoded by op code (the body after the RequestHeader), including the
 * multi / multiRead framing (MultiHeader + op record, repeated, ended by a MultiHeader with
 * done=true).
 */
import { OpCode } from '../../jute/constants.js';
import * as J from '../../jute/generated/records.js';
import type { Reader } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';

export type MultiOp =
  | { type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer; record: J.CreateRequest }
  | { type: typeof OpCode.createTTL; record: J.CreateTTLRequest }
  | { type: typeof OpCode.delete; record: J.DeleteRequest }
  | { type: typeof OpCode.setData; record: J.SetDataRequest }
  | { type: typeof OpCode.check; record: J.CheckVersionRequest }
  | { type: typeof OpCode.getData; record: J.GetDataRequest }
  | { type: typeof OpCode.getChildren; record: J.GetChildrenRequest };

export type RequestBody =
  | MultiOp
  | { type: typeof OpCode.exists; record: J.ExistsRequest }
  | { type: typeof OpCode.getACL; record: J.GetACLRequest }
  | { type: typeof OpCode.setACL; record: J.SetACLRequest }
  | { type: typeof OpCode.getChildren2; record: J.GetChildren2Request }
  | { type: typeof OpCode.sync; record: J.SyncRequest }
  | { type: typeof OpCode.multi | typeof OpCode.multiRead; ops: MultiOp[] }
  | { type: typeof OpCode.getAllChildrenNumber; record: J.GetAllChildrenNumberRequest }
  | { type: typeof OpCode.getEphemerals; record: J.GetEphemeralsRequest }
  | { type: typeof OpCode.setWatches; record: J.SetWatches }
  | { type: typeof OpCode.setWatches2; record: J.SetWatches2 }
  | { type: typeof OpCode.addWatch; record: J.AddWatchRequest }
  | { type: typeof OpCode.checkWatches | typeof OpCode.removeWatches; record: J.CheckWatchesRequest }
  | { type: typeof OpCode.ping | typeof OpCode.closeSession | typeof OpCode.whoAmI }
  | { type: typeof OpCode.reconfig; record: J.ReconfigRequest }
  | { type: typeof OpCode.createSession; timeoutMs: number }
  | { type: typeof OpCode.deleteContainer; path: string };

function decodeMultiOp(type: number, r: Reader): MultiOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return { type, record: J.decodeCreateRequest(r) };
    case OpCode.createTTL:
      return { type, record: J.decodeCreateTTLRequest(r) };
    case OpCode.delete:
      return { type, record: J.decodeDeleteRequest(r) };
    case OpCode.setData:
      return { type, record: J.decodeSetDataRequest(r) };
    case OpCode.check:
      return { type, record: J.decodeCheckVersionRequest(r) };
    case OpCode.getData:
      return { type, record: J.decodeGetDataRequest(r) };
    case OpCode.getChildren:
      return { type, record: J.decodeGetChildrenRequest(r) };
    default:
      throw new DecodeError(`invalid type of op in multi: ${type}`);
  }
}

/** Most ops a single multi may carry (bounded; ZooKeeper bounds it by jute.maxbuffer only). */
const MAX_MULTI_OPS = 100_000;

function decodeMulti(r: Reader): MultiOp[] {
  const ops: MultiOp[] = [];
  while (true) {
    const h = J.decodeMultiHeader(r);
    if (h.done) return ops;
    if (ops.length >= MAX_MULTI_OPS) throw new DecodeError('too many ops in multi');
    ops.push(decodeMultiOp(h.type, r));
  }
}

/** Null for op codes the server does not know (answered UNIMPLEMENTED). */
export function decodeRequestBody(type: number, r: Reader): RequestBody | null {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.setData:
    case OpCode.check:
    case OpCode.getData:
    case OpCode.getChildren:
      return decodeMultiOp(type, r);
    case OpCode.exists:
      return { type, record: J.decodeExistsRequest(r) };
    case OpCode.getACL:
      return { type, record: J.decodeGetACLRequest(r) };
    case OpCode.setACL:
      return { type, record: J.decodeSetACLRequest(r) };
    case OpCode.getChildren2:
      return { type, record: J.decodeGetChildren2Request(r) };
    case OpCode.sync:
      return { type, record: J.decodeSyncRequest(r) };
    case OpCode.multi:
    case OpCode.multiRead:
      return { type, ops: decodeMulti(r) };
    case OpCode.getAllChildrenNumber:
      return { type, record: J.decodeGetAllChildrenNumberRequest(r) };
    case OpCode.getEphemerals:
      return { type, record: J.decodeGetEphemeralsRequest(r) };
    case OpCode.setWatches:
      return { type, record: J.decodeSetWatches(r) };
    case OpCode.setWatches2:
      return { type, record: J.decodeSetWatches2(r) };
    case OpCode.addWatch:
      return { type, record: J.decodeAddWatchRequest(r) };
    case OpCode.checkWatches:
    case OpCode.removeWatches:
      return { type, record: J.decodeCheckWatchesRequest(r) };
    case OpCode.ping:
    case OpCode.closeSession:
    case OpCode.whoAmI:
      return { type };
    case OpCode.reconfig:
      return { type, record: J.decodeReconfigRequest(r) };
    default:
      return null;
  }
}

/** Ops that change state and so become transactions (Request.isQuorum). */
export function isWriteOp(type: number): boolean {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.setData:
    case OpCode.setACL:
    case OpCode.check:
    case OpCode.multi:
    case OpCode.createSession:
    case OpCode.closeSession:
      return true;
    default:
      return false;
  }
}
