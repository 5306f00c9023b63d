import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createRequire } from 'node:module';
import { AddWatchMode, CreateMode, EventType, OpCode, ZkErrorCode } from '../../src/jute/constants.js';
import * as J from '../../src/jute/generated/records.js';
import { startKeeper, type Keeper } from '../../src/keeper/index.js';
import { tempDir } from '../helpers/paths.js';
import { RawZk } from './raw-client.js';

// node-zookeeper-client ships no type declarations; it is used untyped here.
const zookeeper: any = createRequire(import.meta.url)('node-zookeeper-client');

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
let keeper: Keeper;
let dataDir: string;
const cleanups: Array<() => void> = [];

function scratch(prefix: string): string {
  const d = tempDir(prefix);
  cleanups.push(d.cleanup);
  return d.path;
}

before(async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  dataDir = scratch('keeper-server-');
  keeper = await startKeeper({ dataDir, clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 100, '4lw.commands.whitelist': '*', 'jute.maxbuffer': 65536, snapCount: 50 });
});

after(async () => {
  await keeper.close();
  for (const c of cleanups) c();
});

function fourLetterWord(port: number, word: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write(word));
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}

const p = <T>(f: (cb: (e: Error | null, v?: T) => void) => void): Promise<T> =>
  new Promise((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v as T))));

test('node-zookeeper-client: create, read, write, children, sequential, multi, digest ACL', async () => {
  const c = zookeeper.createClient(keeper.connectString, { sessionTimeout: 4000, retries: 0 });
  c.connect();
  await new Promise((r) => c.once('connected', r));
  try {
    assert.equal(await p<string>((cb) => c.create('/n', Buffer.from('v1'), cb)), '/n');
    const seq = await p<string>((cb) => c.create('/n/s-', Buffer.from('x'), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, cb));
    assert.equal(seq, '/n/s-0000000000');
    const data = await new Promise<Buffer>((resolve, reject) => c.getData('/n', (e: Error | null, d: Buffer) => (e ? reject(e) : resolve(d))));
    assert.equal(data.toString(), 'v1');
    await p((cb) => c.setData('/n', Buffer.from('v2'), 0, cb));
    await assert.rejects(p((cb) => c.setData('/n', Buffer.from('v3'), 0, cb)), /BAD_VERSION/);
    const children = await new Promise<string[]>((resolve, reject) => c.getChildren('/n', (e: Error | null, ch: string[]) => (e ? reject(e) : resolve(ch))));
    assert.deepEqual(children, ['s-0000000000']);
    await assert.rejects(p((cb) => c.create('/n', null, cb)), /NODE_EXISTS/);
    await assert.rejects(p((cb) => c.transaction().create('/t1').remove('/nope').commit(cb)), /NO_NODE/);
    assert.equal(await p((cb) => c.exists('/t1', cb)), null, 'the failed multi created nothing');
    c.addAuthInfo('digest', Buffer.from('alice:secret'));
    const acl = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('auth', ''))];
    await p((cb) => c.create('/private', Buffer.from('s'), acl, zookeeper.CreateMode.PERSISTENT, cb));
    const other = zookeeper.createClient(keeper.connectString, { sessionTimeout: 4000, retries: 0 });
    other.connect();
    await new Promise((r) => other.once('connected', r));
    await assert.rejects(new Promise((resolve, reject) => other.getData('/private', (e: Error | null, d: Buffer) => (e ? reject(e) : resolve(d)))), /NO_AUTH/);
    other.close();
  } finally {
    c.close();
  }
});

test('a watch event (xid -1, zxid -1) reaches the client before the reply of the txn that fired it', async () => {
  const a = await RawZk.open(keeper.port);
  await a.handshake();
  await a.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/w', data: null, acl: OPEN, flags: 0 }));
  const ex = await a.request(2, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/w', watch: true }));
  assert.equal(ex.err, 0);
  await a.request(3, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/w', data: Buffer.from('x'), version: -1 }));
  const i3 = a.frames.findIndex((f) => f.xid === 3);
  const iev = a.frames.findIndex((f) => f.xid === -1);
  assert.ok(iev >= 0 && iev < i3, 'notification precedes the reply');
  const ev = a.frames[iev]!;
  assert.equal(ev.zxid, -1n);
  assert.deepEqual(J.decodeWatcherEvent(ev.body), { type: EventType.NodeDataChanged, state: 3, path: '/w' });
  a.end();
});

test('persistent recursive watch, getAllChildrenNumber, getEphemerals, whoAmI, removeWatches', async () => {
  const a = await RawZk.open(keeper.port);
  await a.handshake();
  await a.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/r', data: null, acl: OPEN, flags: 0 }));
  assert.equal((await a.request(2, OpCode.addWatch, (w) => J.encodeAddWatchRequest(w, { path: '/r', mode: AddWatchMode.persistentRecursive }))).err, 0);
  await a.request(3, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/r/a', data: null, acl: OPEN, flags: 0 }));
  await a.request(4, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/r/a/e', data: null, acl: OPEN, flags: CreateMode.EPHEMERAL }));
  const events = a.frames.filter((f) => f.xid === -1).map((f) => J.decodeWatcherEvent(f.body));
  assert.deepEqual(events.map((e) => [e.type, e.path]), [[EventType.NodeCreated, '/r/a'], [EventType.NodeCreated, '/r/a/e']]);
  const n = await a.request(5, OpCode.getAllChildrenNumber, (w) => J.encodeGetAllChildrenNumberRequest(w, { path: '/r' }));
  assert.equal(J.decodeGetAllChildrenNumberResponse(n.body).totalNumber, 2);
  const eph = await a.request(6, OpCode.getEphemerals, (w) => J.encodeGetEphemeralsRequest(w, { prefixPath: '/r' }));
  assert.deepEqual(J.decodeGetEphemeralsResponse(eph.body).ephemerals, ['/r/a/e']);
  const who = await a.request(7, OpCode.whoAmI);
  assert.deepEqual(J.decodeWhoAmIResponse(who.body).clientInfo, [{ authScheme: 'ip', user: '127.0.0.1' }]);
  const rm = await a.request(8, OpCode.removeWatches, (w) => J.encodeRemoveWatchesRequest(w, { path: '/nowatch', type: 3 }));
  assert.equal(rm.err, ZkErrorCode.NOWATCHER);
  const ex = await a.request(9, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/nothere', watch: false }));
  assert.equal(ex.err, ZkErrorCode.NONODE);
  a.end();
});

test('bad input: random bytes, oversized length, request before connect, data over jute.maxbuffer, unknown op', async () => {
  const good = await RawZk.open(keeper.port);
  await good.handshake();

  const random = await RawZk.open(keeper.port);
  random.socket.write(Buffer.from([0, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
  await random.closedPromise();

  const huge = await RawZk.open(keeper.port);
  huge.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
  await huge.closedPromise();

  const early = await RawZk.open(keeper.port);
  await early.request(1, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/', watch: false })).catch(() => undefined);
  await early.closedPromise();

  const big = await RawZk.open(keeper.port);
  await big.handshake();
  await big.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/big', data: Buffer.alloc(70000), acl: OPEN, flags: 0 })).catch(() => undefined);
  await big.closedPromise();

  const unknown = await RawZk.open(keeper.port);
  await unknown.handshake();
  const u = await unknown.request(1, 77);
  assert.equal(u.err, ZkErrorCode.UNIMPLEMENTED);
  await unknown.closedPromise();

  const garbled = await RawZk.open(keeper.port);
  await garbled.handshake();
  const g = await garbled.request(1, OpCode.create, (w) => w.int32(1000));
  assert.equal(g.err, ZkErrorCode.MARSHALLINGERROR);
  garbled.end();

  const ok = await good.request(1, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/', watch: false }));
  assert.equal(ok.err, 0, 'other sessions keep working');
  assert.equal(await fourLetterWord(keeper.port, 'ruok'), 'imok');
  good.end();
});

test('a client that has seen a newer zxid is refused', async () => {
  const a = await RawZk.open(keeper.port);
  const w = new (await import('../../src/util/bytes.js')).Writer();
  J.encodeConnectRequest(w, { protocolVersion: 0, lastZxidSeen: 1n << 40n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false });
  a.sendFrame(Buffer.from(w.finish()));
  await a.closedPromise();
  assert.equal(a.connectResponse, null);
});

test('sessions: negotiated timeout, reconnect keeps the session, expiry removes ephemerals and fires watches', async () => {
  const a = await RawZk.open(keeper.port);
  const resp = await a.handshake({ timeoutMs: 1 });
  assert.equal(resp.timeOut, 200, 'clamped to minSessionTimeout = 2 x tickTime');
  await a.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/eph', data: null, acl: OPEN, flags: CreateMode.EPHEMERAL }));
  a.end();
  const b = await RawZk.open(keeper.port);
  const again = await b.handshake({ sessionId: resp.sessionId, passwd: resp.passwd!, timeoutMs: 400 });
  assert.equal(again.sessionId, resp.sessionId);
  assert.equal(again.timeOut, 400);
  const wrongPw = await RawZk.open(keeper.port);
  const refused = await wrongPw.handshake({ sessionId: resp.sessionId, passwd: Buffer.alloc(16, 1) });
  assert.equal(refused.sessionId, 0n);
  assert.equal(refused.timeOut, 0);
  await wrongPw.closedPromise();

  const watcher = await RawZk.open(keeper.port);
  await watcher.handshake({ timeoutMs: 10000 });
  await watcher.request(1, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/eph', watch: true }));
  b.end(); // no more pings: the session expires after ~400 ms
  const ev = await watcher.waitFor(() => watcher.frames.find((f) => f.xid === -1), 5000);
  assert.deepEqual(J.decodeWatcherEvent(ev.body), { type: EventType.NodeDeleted, state: 3, path: '/eph' });
  const expired = await RawZk.open(keeper.port);
  const r = await expired.handshake({ sessionId: resp.sessionId, passwd: resp.passwd! });
  assert.equal(r.sessionId, 0n, 'an expired session is refused');
  watcher.end();
});

test('setWatches on reconnect fires what the client missed', async () => {
  const a = await RawZk.open(keeper.port);
  await a.handshake();
  await a.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/sw', data: null, acl: OPEN, flags: 0 }));
  const seen = (await a.request(2, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/sw', watch: false }))).zxid;
  await a.request(3, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/sw', data: Buffer.from('changed'), version: -1 }));
  await a.request(-8, OpCode.setWatches, (w) =>
    J.encodeSetWatches(w, { relativeZxid: seen, dataWatches: ['/sw'], existWatches: ['/sw-missing'], childWatches: ['/gone'] }),
  );
  const events = a.frames.filter((f) => f.xid === -1).map((f) => J.decodeWatcherEvent(f.body));
  assert.deepEqual(events.map((e) => [e.type, e.path]), [[EventType.NodeDataChanged, '/sw'], [EventType.NodeDeleted, '/gone']]);
  a.end();
});

test('four-letter words in ZooKeeper formats', async () => {
  assert.equal(await fourLetterWord(keeper.port, 'isro'), 'rw');
  const srvr = await fourLetterWord(keeper.port, 'srvr');
  assert.match(srvr, /^Zookeeper version: 3\.8\.0/);
  assert.match(srvr, /\nMode: standalone\n/);
  assert.match(srvr, /\nZxid: 0x[0-9a-f]+\n/);
  const mntr = await fourLetterWord(keeper.port, 'mntr');
  assert.match(mntr, /^zk_version\t/);
  assert.match(mntr, /\nzk_znode_count\t\d+\n/);
  assert.match(await fourLetterWord(keeper.port, 'conf'), /\ntickTime=100\n/);
  assert.match(await fourLetterWord(keeper.port, 'wchs'), /connections watching \d+ paths\nTotal watches:\d+\n/);
  assert.match(await fourLetterWord(keeper.port, 'dump'), /^SessionTracker dump:/);
  const stat = await fourLetterWord(keeper.port, 'stat');
  assert.match(stat, /\nClients:\n( \/127\.0\.0\.1:\d+\[[01]\]\(queued=0,recved=\d+,sent=\d+\)\n)+\nLatency min\/avg\/max: /);
  assert.match(stat, /\[0\]\(queued=0,recved=1,sent=0\)/, 'the asking connection is listed as ZooKeeper lists it');
  const k2 = await startKeeper({ dataDir: scratch('keeper-4lw-'), clientPort: 0, clientPortAddress: '127.0.0.1', '4lw.commands.whitelist': 'srvr, crst, wchs, wchc, wchp' });
  try {
    // ServerStats counts packets server-wide since start, closed connections included; a
    // four-letter word is one received before it runs and one sent after; crst leaves them
    // (all as a real ZooKeeper 3.8 shows them).
    const c = await RawZk.open(k2.port);
    await c.handshake();
    await c.request(1, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/', watch: false }));
    c.end();
    await c.closedPromise();
    const counters = await fourLetterWord(k2.port, 'srvr');
    assert.match(counters, /\nReceived: 3\nSent: 2\n/, counters);
    // A fresh tree: /, /zookeeper, /zookeeper/quota, /zookeeper/config, and ZooKeeper's "" alias of the root.
    assert.match(counters, /\nNode count: 5\n$/, counters);
    // Watch listings show data watches only, as ZooKeeper 3.8's do, and end with a blank line.
    assert.equal(await fourLetterWord(k2.port, 'wchc'), '\n');
    const w = await RawZk.open(k2.port);
    const ws = await w.handshake();
    await w.request(1, OpCode.exists, (wr) => J.encodeExistsRequest(wr, { path: '/zookeeper', watch: true }));
    await w.request(2, OpCode.getChildren, (wr) => J.encodeGetChildrenRequest(wr, { path: '/', watch: true }));
    assert.equal(await fourLetterWord(k2.port, 'wchs'), '1 connections watching 1 paths\nTotal watches:1\n');
    assert.equal(await fourLetterWord(k2.port, 'wchc'), `0x${ws.sessionId.toString(16)}\n\t/zookeeper\n\n`);
    assert.equal(await fourLetterWord(k2.port, 'wchp'), `/zookeeper\n\t0x${ws.sessionId.toString(16)}\n\n`);
    w.end();
    await w.closedPromise();
    await fourLetterWord(k2.port, 'crst');
    assert.match(await fourLetterWord(k2.port, 'srvr'), /\nReceived: 12\nSent: 11\n/);
    assert.equal(await fourLetterWord(k2.port, 'ruok'), 'ruok is not executed because it is not in the whitelist.\n');
    assert.match(await fourLetterWord(k2.port, 'srvr'), /^Zookeeper version/);
  } finally {
    await k2.close();
  }
});

test('restart: the tree and sessions come back from snapshot + log (with snapCount rolling)', async () => {
  const a = await RawZk.open(keeper.port);
  await a.handshake();
  for (let i = 0; i < 120; i++) {
    await a.request(i + 1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: `/persist-${i}`, data: Buffer.from(`d${i}`), acl: OPEN, flags: 0 }));
  }
  a.end();
  const before = keeper.server.tree.lastProcessedZxid;
  await keeper.close();
  keeper = await startKeeper({ dataDir, clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 100, '4lw.commands.whitelist': '*', 'jute.maxbuffer': 65536, snapCount: 50 });
  assert.equal(keeper.server.tree.lastProcessedZxid, before);
  const b = await RawZk.open(keeper.port);
  await b.handshake();
  const r = await b.request(1, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/persist-119', watch: false }));
  assert.equal(J.decodeGetDataResponse(r.body).data!.toString(), 'd119');
  const s = await b.request(2, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/n', watch: false }));
  assert.equal(J.decodeGetDataResponse(s.body).data!.toString(), 'v2');
  b.end();
});

test('requests sent right behind the ConnectRequest are answered after the ConnectResponse', async () => {
  const a = await RawZk.open(keeper.port);
  const { Writer } = await import('../../src/util/bytes.js');
  const w = new Writer();
  J.encodeConnectRequest(w, { protocolVersion: 0, lastZxidSeen: 0n, timeOut: 30000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false });
  a.sendFrame(Buffer.from(w.finish()));
  const auth = new Writer();
  J.encodeRequestHeader(auth, { xid: -4, type: OpCode.auth });
  J.encodeAuthPacket(auth, { type: 0, scheme: 'digest', auth: Buffer.from('carol:pw') });
  a.sendFrame(Buffer.from(auth.finish()));
  const r = await a.request(1, OpCode.whoAmI);
  assert.ok(a.connectResponse !== null && a.connectResponse.sessionId !== 0n);
  assert.deepEqual(a.frames.map((f) => f.xid), [-4, 1]);
  const users = J.decodeWhoAmIResponse(r.body).clientInfo.map((c) => c.authScheme);
  assert.deepEqual(users, ['ip', 'digest']);
  a.end();
});

test('containers and TTL nodes are removed by the container manager; maxClientCnxns is enforced', async () => {
  const k = await startKeeper({
    dataDir: scratch('keeper-ttl-'), clientPort: 0, clientPortAddress: '127.0.0.1', 'zookeeper.extendedTypesEnabled': true,
    'znode.container.checkIntervalMs': 50, maxClientCnxns: 2,
  });
  try {
    const a = await RawZk.open(k.port);
    await a.handshake();
    await a.request(1, OpCode.createContainer, (w) => J.encodeCreateRequest(w, { path: '/c', data: null, acl: OPEN, flags: CreateMode.CONTAINER }));
    await a.request(2, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/c/child', data: null, acl: OPEN, flags: 0 }));
    const ttl = await a.request(3, OpCode.createTTL, (w) => J.encodeCreateTTLRequest(w, { path: '/t', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 100n }));
    assert.equal(ttl.err, 0);
    await a.request(4, OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: '/c/child', version: -1 }));
    let xid = 10;
    const gone = async (path: string): Promise<boolean> => (await a.request(xid++, OpCode.exists, (w) => J.encodeExistsRequest(w, { path, watch: false }))).err === ZkErrorCode.NONODE;
    const deadline = Date.now() + 5000;
    while (!((await gone('/c')) && (await gone('/t'))) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await gone('/c'), 'emptied container removed');
    assert.ok(await gone('/t'), 'expired TTL node removed');
    const b = await RawZk.open(k.port);
    const c = await RawZk.open(k.port);
    await c.closedPromise();
    b.end();
    a.end();
  } finally {
    await k.close();
  }
});

test('fuzz: random request bodies for every op code never take the server down', async () => {
  let seed = Number(process.env.KEEPER_FUZZ_SEED ?? 12345);
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const ops = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 17, 18, 19, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107, -11, 999];
  for (let conn = 0; conn < 10; conn++) {
    const a = await RawZk.open(keeper.port);
    await a.handshake();
    for (let i = 0; i < 40 && !a.closed; i++) {
      const { Writer } = await import('../../src/util/bytes.js');
      const w = new Writer();
      J.encodeRequestHeader(w, { xid: 1000 + i, type: ops[rand(ops.length)]! });
      const body = Buffer.alloc(rand(64));
      for (let b = 0; b < body.length; b++) body[b] = rand(4) === 0 ? 0 : rand(256);
      if (rand(3) === 0 && body.length >= 4) body.writeInt32BE(rand(8) - 1, 0);
      w.bytes(body);
      a.sendFrame(Buffer.from(w.finish()));
    }
    await new Promise((r) => setTimeout(r, 20));
    a.end();
  }
  const ok = await RawZk.open(keeper.port);
  await ok.handshake();
  const r = await ok.request(1, OpCode.getChildren, (w) => J.encodeGetChildrenRequest(w, { path: '/', watch: false }));
  assert.equal(r.err, 0);
  assert.ok(J.decodeGetChildrenResponse(r.body).children.includes('zookeeper'));
  ok.end();
});

test('reconfig answers RECONFIGDISABLED; closeSession removes the session and its ephemerals', async () => {
  const a = await RawZk.open(keeper.port);
  await a.handshake();
  const rc = await a.request(1, OpCode.reconfig, (w) => J.encodeReconfigRequest(w, { joiningServers: 'server.2=x:1:2', leavingServers: '', newMembers: '', curConfigId: -1n }));
  assert.equal(rc.err, ZkErrorCode.RECONFIGDISABLED);
  await a.request(2, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/bye', data: null, acl: OPEN, flags: CreateMode.EPHEMERAL }));
  const sid = a.connectResponse!.sessionId;
  assert.ok(keeper.server.sessions.sessions.has(sid));
  const close = await a.request(3, OpCode.closeSession);
  assert.equal(close.err, 0);
  await a.closedPromise();
  assert.equal(keeper.server.tree.getNode('/bye'), undefined);
  assert.ok(!keeper.server.sessions.sessions.has(sid));
});

test('globalOutstandingLimit throttles reading without losing or reordering requests', async () => {
  const k = await startKeeper({ dataDir: scratch('keeper-throttle-'), clientPort: 0, clientPortAddress: '127.0.0.1', globalOutstandingLimit: 5 });
  try {
    const a = await RawZk.open(k.port);
    await a.handshake();
    const { Writer } = await import('../../src/util/bytes.js');
    const frames: Buffer[] = [];
    for (let i = 1; i <= 300; i++) {
      const w = new Writer();
      J.encodeRequestHeader(w, { xid: i, type: OpCode.create });
      J.encodeCreateRequest(w, { path: `/q${i}`, data: null, acl: OPEN, flags: 0 });
      const f = Buffer.from(w.finish());
      const len = Buffer.alloc(4);
      len.writeInt32BE(f.length);
      frames.push(len, f);
    }
    a.socket.write(Buffer.concat(frames));
    await a.waitFor(() => a.frames.length >= 300 || undefined, 20_000);
    assert.deepEqual(a.frames.map((f) => f.xid), Array.from({ length: 300 }, (_, i) => i + 1));
    assert.ok(a.frames.every((f) => f.err === 0));
    a.end();
  } finally {
    await k.close();
  }
});

test('a connection that never sends a ConnectRequest is closed after zookeeper.nio.sessionlessCnxnTimeout', async () => {
  const k = await startKeeper({ dataDir: scratch('keeper-sessionless-'), clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 100, 'zookeeper.nio.sessionlessCnxnTimeout': 300 });
  try {
    const idle = await RawZk.open(k.port);
    await idle.closedPromise(5000);
    assert.ok(idle.closed);
  } finally {
    await k.close();
  }
});
