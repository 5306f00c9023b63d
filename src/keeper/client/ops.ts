/**
 * Multi operations (ZooKeeper's Op / OpResult): what `multi` and `multiRead` carry, how they
 * are written (a MultiHeader{type, done=false, err=-1} before each op's request record, then
 * MultiHeader{-1, true, -1}) and how the reply reads back (a MultiHeader before each result,
 * type -1 meaning an ErrorResponse, until done).
 */
import type { Reader, Writer } from '../../util/bytes.js';
import {
  CreateMode,
  KeeperError,
  OpCode,
  createModeInfo,
  decodeCreate2Response,
  decodeCreateResponse,
  decodeErrorResponse,
  decodeGetChildrenResponse,
  decodeGetDataResponse,
  decodeMultiHeader,
  decodeSetDataResponse,
  encodeCheckVersionRequest,
  encodeCreateRequest,
  encodeCreateTTLRequest,
  encodeDeleteRequest,
  encodeGetChildrenRequest,
  encodeGetDataRequest,
  encodeMultiHeader,
  encodeSetDataRequest,
  type ACL,
  type Stat,
} from '../../jute/index.js';

/** ZooDefs.Ids.OPEN_ACL_UNSAFE: world:anyone with every permission. */
export const OPEN_ACL_UNSAFE: ACL[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
/** ZooDefs.Ids.CREATOR_ALL_ACL: every permission for the authenticated creator. */
export const CREATOR_ALL_ACL: ACL[] = [{ perms: 31, id: { scheme: 'auth', id: '' } }];
/** ZooDefs.Ids.READ_ACL_UNSAFE. */
export const READ_ACL_UNSAFE: ACL[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];

export interface CreateOptions {
  acl?: ACL[];
  /** A CreateMode flag (default PERSISTENT). */
  mode?: number;
  /** Milliseconds, for the *_WITH_TTL modes. */
  ttlMs?: number;
}

export type Op =
  | { type: 'create'; path: string; data: Buffer | null; acl: ACL[]; mode: number; ttlMs?: number }
  | { type: 'delete'; path: string; version: number }
  | { type: 'setData'; path: string; data: Buffer | null; version: number }
  | { type: 'check'; path: string; version: number }
  | { type: 'getData'; path: string }
  | { type: 'getChildren'; path: string };

export type OpResult =
  | { type: 'create'; path: string; stat?: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'getData'; data: Buffer | null; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; err: number };

/** Builders for multi ops (ZooKeeper's Op.create / Op.delete / Op.setData / Op.check). */
export const op = {
  create(path: string, data: Buffer | string | null, options: CreateOptions = {}): Op {
    return { type: 'create', path, data: toBuffer(data), acl: options.acl ?? OPEN_ACL_UNSAFE, mode: options.mode ?? CreateMode.PERSISTENT, ttlMs: options.ttlMs };
  },
  delete(path: string, version = -1): Op {
    return { type: 'delete', path, version };
  },
  setData(path: string, data: Buffer | string | null, version = -1): Op {
    return { type: 'setData', path, data: toBuffer(data), version };
  },
  check(path: string, version: number): Op {
    return { type: 'check', path, version };
  },
  getData(path: string): Op {
    return { type: 'getData', path };
  },
  getChildren(path: string): Op {
    return { type: 'getChildren', path };
  },
};

export function toBuffer(data: Buffer | string | null | undefined): Buffer | null {
  if (data === null || data === undefined) return null;
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

export function isTtlMode(mode: number): boolean {
  return mode === CreateMode.PERSISTENT_WITH_TTL || mode === CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL;
}

export function isSequentialMode(mode: number): boolean {
  return createModeInfo.find((m) => m.flag === mode)?.sequential ?? false;
}

/** The opcode a create uses (ZooKeeper picks createTTL / createContainer / create2 / create). */
export function createOpCode(mode: number, wantStat: boolean): number {
  if (isTtlMode(mode)) return OpCode.createTTL;
  if (mode === CreateMode.CONTAINER) return OpCode.createContainer;
  return wantStat ? OpCode.create2 : OpCode.create;
}

/** Writes a create's request record for `opCode` (CreateTTLRequest for TTL, CreateRequest otherwise). */
export function encodeCreate(w: Writer, opCode: number, serverPath: string, o: { data: Buffer | null; acl: ACL[]; mode: number; ttlMs?: number }): void {
  if (opCode === OpCode.createTTL) {
    encodeCreateTTLRequest(w, { path: serverPath, data: o.data, acl: o.acl, flags: o.mode, ttl: BigInt(o.ttlMs ?? -1) });
  } else {
    encodeCreateRequest(w, { path: serverPath, data: o.data, acl: o.acl, flags: o.mode });
  }
}

export function opCodeOf(o: Op): number {
  switch (o.type) {
    case 'create':
      return createOpCode(o.mode, false);
    case 'delete':
      return OpCode.delete;
    case 'setData':
      return OpCode.setData;
    case 'check':
      return OpCode.check;
    case 'getData':
      return OpCode.getData;
    case 'getChildren':
      return OpCode.getChildren;
  }
}

/** Writes a MultiOperationRecord / MultiReadRecord. */
export function encodeMulti(w: Writer, ops: Op[], toServerPath: (p: string) => string): void {
  for (const o of ops) {
    const type = opCodeOf(o);
    encodeMultiHeader(w, { type, done: false, err: -1 });
    const path = toServerPath(o.path);
    switch (o.type) {
      case 'create':
        encodeCreate(w, type, path, o);
        break;
      case 'delete':
        encodeDeleteRequest(w, { path, version: o.version });
        break;
      case 'setData':
        encodeSetDataRequest(w, { path, data: o.data, version: o.version });
        break;
      case 'check':
        encodeCheckVersionRequest(w, { path, version: o.version });
        break;
      case 'getData':
        encodeGetDataRequest(w, { path, watch: false });
        break;
      case 'getChildren':
        encodeGetChildrenRequest(w, { path, watch: false });
        break;
    }
  }
  encodeMultiHeader(w, { type: -1, done: true, err: -1 });
}

/** Reads a MultiResponse. `maxResults` bounds the loop (a reply has one result per op). */
export function decodeMultiResults(r: Reader, toClientPath: (p: string) => string, maxResults: number): OpResult[] {
  const results: OpResult[] = [];
  for (;;) {
    const h = decodeMultiHeader(r);
    if (h.done) break;
    if (results.length >= maxResults) throw new KeeperError(-5, undefined, { detail: `multi reply has more than ${maxResults} results` });
    results.push(decodeOneResult(r, h.type, toClientPath));
  }
  return results;
}

function decodeOneResult(r: Reader, type: number, toClientPath: (p: string) => string): OpResult {
  switch (type) {
    case OpCode.create:
      return { type: 'create', path: toClientPath(decodeCreateResponse(r).path) };
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL: {
      const c = decodeCreate2Response(r);
      return { type: 'create', path: toClientPath(c.path), stat: c.stat };
    }
    case OpCode.delete:
      return { type: 'delete' };
    case OpCode.setData:
      return { type: 'setData', stat: decodeSetDataResponse(r).stat };
    case OpCode.check:
      return { type: 'check' };
    case OpCode.getData: {
      const d = decodeGetDataResponse(r);
      return { type: 'getData', data: d.data, stat: d.stat };
    }
    case OpCode.getChildren:
      return { type: 'getChildren', children: decodeGetChildrenResponse(r).children };
    case OpCode.error:
      return { type: 'error', err: decodeErrorResponse(r).err };
    default:
      throw new KeeperError(-5, undefined, { detail: `unknown multi result type ${type}` });
  }
}

/** A multi that failed: `errorCode` is the first failing op's code, `results` has one entry per op. */
export class MultiError extends KeeperError {
  readonly results: OpResult[];
  constructor(errorCode: number, results: OpResult[], path?: string) {
    super(errorCode, path);
    this.results = results;
  }
}
