import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import {
  CreateMode,
  KeeperError,
  OpCode,
  Perms,
  ZkErrorCode,
  decodeConnectRequest,
  decodeCreateRequest,
  decodeGetChildrenResponse,
  decodeStat,
  decodeTxnHeader,
  encodeConnectRequest,
  encodeCreateRequest,
  encodeStat,
  encodeTxnHeader,
  juteRecordMinBytes,
  juteRecordModules,
  type CreateRequest,
  type Stat,
} from '../../src/jute/index.js';

function roundTrip<T>(encode: (w: Writer, v: T) => void, decode: (r: Reader) => T, v: T): T {
  const w = new Writer();
  encode(w, v);
  const r = new Reader(w.finish());
  const out = decode(r);
  assert.equal(r.remaining, 0);
  return out;
}

test('constants carry ZooKeeper values', () => {
  assert.equal(OpCode.create2, 15);
  assert.equal(OpCode.closeSession, -11);
  assert.equal(ZkErrorCode.NONODE, -101);
  assert.equal(ZkErrorCode.NODEEXISTS, -110);
  assert.equal(Perms.ALL, 31);
  assert.equal(CreateMode.EPHEMERAL_SEQUENTIAL, 3);
  assert.equal(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 6);
  assert.equal(juteRecordModules.Stat, 'org.apache.zookeeper.data');
  assert.equal(juteRecordMinBytes.Stat, 68);
  assert.equal(juteRecordMinBytes.TxnHeader, 32);
});

test('Stat has ZooKeeper field order and 68 bytes', () => {
  const stat: Stat = {
    czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7,
    ephemeralOwner: -0x8000000000000000n, dataLength: 8, numChildren: 9, pzxid: 10n,
  };
  const w = new Writer();
  encodeStat(w, stat);
  const b = w.finish();
  assert.equal(b.length, 68);
  assert.equal(b.readBigInt64BE(0), 1n);
  assert.equal(b.readInt32BE(32), 5);
  assert.equal(b.readBigInt64BE(60), 10n);
  assert.deepEqual(decodeStat(new Reader(b)), stat);
});

test('CreateRequest round-trips, null data stays null', () => {
  const req: CreateRequest = {
    path: '/a/ü', data: null, flags: 3,
    acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }],
  };
  assert.deepEqual(roundTrip(encodeCreateRequest, decodeCreateRequest, req), req);
  const withData = { ...req, data: Buffer.from('hello') };
  assert.deepEqual(roundTrip(encodeCreateRequest, decodeCreateRequest, withData), withData);
});

test('property: TxnHeader and ConnectRequest round-trip', () => {
  const int64 = fc.bigInt(-(1n << 63n), (1n << 63n) - 1n);
  fc.assert(
    fc.property(int64, fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), int64, int64, fc.integer({ min: -20, max: 200 }), (a, b, c, d, e) => {
      const h = { clientId: a, cxid: b, zxid: c, time: d, type: e };
      assert.deepEqual(roundTrip(encodeTxnHeader, decodeTxnHeader, h), h);
    }),
  );
  fc.assert(
    fc.property(int64, fc.integer({ min: 0, max: 100000 }), fc.uint8Array({ maxLength: 16 }), fc.boolean(), (z, t, p, ro) => {
      const v = { protocolVersion: 0, lastZxidSeen: z, timeOut: t, sessionId: z, passwd: Buffer.from(p), readOnly: ro };
      assert.deepEqual(roundTrip(encodeConnectRequest, decodeConnectRequest, v), v);
    }),
  );
});

test('hostile lengths fail with DecodeError before allocating', () => {
  const w = new Writer();
  w.int32(0x7fffffff); // vector count far beyond the bytes present
  assert.throws(() => decodeGetChildrenResponse(new Reader(w.finish())), DecodeError);
  const w2 = new Writer();
  w2.int32(1000).utf8('/short');
  assert.throws(() => decodeCreateRequest(new Reader(w2.finish())), DecodeError);
  const w3 = new Writer();
  w3.int32(-7);
  assert.throws(() => decodeCreateRequest(new Reader(w3.finish())), DecodeError);
});

test('property: random bytes never throw anything but DecodeError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      try {
        decodeCreateRequest(new Reader(Buffer.from(bytes)));
      } catch (e) {
        assert.ok(e instanceof DecodeError, String(e));
      }
    }),
  );
});

test('KeeperError carries the code and name', () => {
  const e = new KeeperError(ZkErrorCode.NONODE, '/x');
  assert.equal(e.errorCode, -101);
  assert.equal(e.errorName, 'NONODE');
  assert.equal(e.code, 'ZK_NONODE');
  assert.match(e.message, /NONODE for \/x/);
});

test('property: every generated decoder fails only with DecodeError on random bytes', async () => {
  const records = await import('../../src/jute/generated/records.js');
  const decoders = Object.entries(records).filter(([name, f]) => name.startsWith('decode') && typeof f === 'function') as Array<[string, (r: Reader) => unknown]>;
  assert.ok(decoders.length >= 60, `found ${decoders.length} decoders`);
  fc.assert(
    fc.property(fc.constantFrom(...decoders), fc.uint8Array({ maxLength: 96 }), ([name, decode], bytes) => {
      try {
        decode(new Reader(Buffer.from(bytes)));
      } catch (e) {
        assert.ok(e instanceof DecodeError, `${name}: ${String(e)}`);
      }
    }),
    { numRuns: 3000 },
  );
});

test('jute parser: modules, qualified references, vectors; unknown references are rejected', async () => {
  const { parseJute } = await import('../../src/jute/codegen/parse.js');
  const recs = parseJute('module a.b { class X { int i; vector<a.b.Y> ys; } class Y { buffer b; long l; } }');
  assert.deepEqual(recs.map((r) => r.name), ['X', 'Y']);
  assert.deepEqual(recs[0]!.fields[1], { name: 'ys', type: { kind: 'vector', element: { kind: 'record', name: 'Y' } } });
  assert.throws(() => parseJute('module m { class X { Z z; } }'), /unknown record Z/);
  assert.throws(() => parseJute('module m { class X { int a; } class X { int b; } }'), /defined twice/);
});
