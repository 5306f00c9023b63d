/**
 * A transaction as ZooKeeper logs it: a TxnHeader and a body record chosen by the header's
 * type (SerializeUtils.deserializeTxn). The same bytes travel in the txn log, in MultiTxn
 * sub-transactions and (later) in ZAB proposals.
 */
import { OpCode } from '../../jute/constants.js';
import * as J from '../../jute/generated/records.js';
import { Reader, Writer } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';

export type TxnBody =
  | { type: typeof OpCode.create | typeof OpCode.create2; record: J.CreateTxn }
  | { type: typeof OpCode.createContainer; record: J.CreateContainerTxn }
  | { type: typeof OpCode.createTTL; record: J.CreateTTLTxn }
  | { type: typeof OpCode.delete | typeof OpCode.deleteContainer; record: J.DeleteTxn }
  | { type: typeof OpCode.setData; record: J.SetDataTxn }
  | { type: typeof OpCode.setACL; record: J.SetACLTxn }
  | { type: typeof OpCode.check; record: J.CheckVersionTxn }
  | { type: typeof OpCode.multi; record: J.MultiTxn }
  | { type: typeof OpCode.createSession; record: J.CreateSessionTxn }
  | { type: typeof OpCode.closeSession; record: J.CloseSessionTxn }
  | { type: typeof OpCode.error; record: J.ErrorTxn };

export interface Txn {
  hdr: J.TxnHeader;
  body: TxnBody;
}

export function encodeTxnBody(w: Writer, b: TxnBody): void {
  switch (b.type) {
    case OpCode.create:
    case OpCode.create2:
      return J.encodeCreateTxn(w, b.record);
    case OpCode.createContainer:
      return J.encodeCreateContainerTxn(w, b.record);
    case OpCode.createTTL:
      return J.encodeCreateTTLTxn(w, b.record);
    case OpCode.delete:
    case OpCode.deleteContainer:
      return J.encodeDeleteTxn(w, b.record);
    case OpCode.setData:
      return J.encodeSetDataTxn(w, b.record);
    case OpCode.setACL:
      return J.encodeSetACLTxn(w, b.record);
    case OpCode.check:
      return J.encodeCheckVersionTxn(w, b.record);
    case OpCode.multi:
      return J.encodeMultiTxn(w, b.record);
    case OpCode.createSession:
      return J.encodeCreateSessionTxn(w, b.record);
    case OpCode.closeSession:
      return J.encodeCloseSessionTxn(w, b.record);
    case OpCode.error:
      return J.encodeErrorTxn(w, b.record);
  }
}

export function decodeTxnBody(type: number, r: Reader): TxnBody {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
      return { type, record: J.decodeCreateTxn(r) };
    case OpCode.createContainer:
      return { type, record: J.decodeCreateContainerTxn(r) };
    case OpCode.createTTL:
      return { type, record: J.decodeCreateTTLTxn(r) };
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type, record: J.decodeDeleteTxn(r) };
    case OpCode.setData:
      return { type, record: J.decodeSetDataTxn(r) };
    case OpCode.setACL:
      return { type, record: J.decodeSetACLTxn(r) };
    case OpCode.check:
      return { type, record: J.decodeCheckVersionTxn(r) };
    case OpCode.multi:
      return { type, record: J.decodeMultiTxn(r) };
    case OpCode.createSession:
      return { type, record: J.decodeCreateSessionTxn(r) };
    case OpCode.closeSession:
      // Logs written with zookeeper.closeSessionTxn.enabled=false carry no body.
      return { type, record: r.remaining === 0 ? { paths2Delete: [] } : J.decodeCloseSessionTxn(r) };
    case OpCode.error:
      return { type, record: J.decodeErrorTxn(r) };
    default:
      throw new DecodeError(`unknown txn type ${type}`);
  }
}

export function encodeTxnBodyBytes(b: TxnBody): Buffer {
  const w = new Writer(128);
  encodeTxnBody(w, b);
  return Buffer.from(w.finish());
}

/** Util.marshallTxnEntry without the optional TxnDigest: TxnHeader then the body. */
export function marshallTxnEntry(t: Txn): Buffer {
  const w = new Writer(128);
  J.encodeTxnHeader(w, t.hdr);
  encodeTxnBody(w, t.body);
  return Buffer.from(w.finish());
}

/** The inverse; a TxnDigest some ZooKeeper versions append after the body is ignored. */
export function unmarshallTxnEntry(bytes: Buffer): Txn {
  const r = new Reader(bytes);
  const hdr = J.decodeTxnHeader(r);
  return { hdr, body: decodeTxnBody(hdr.type, r) };
}
