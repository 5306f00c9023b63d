/**
 * Differential test: the same seeded random request stream against a real ZooKeeper 3.8 and
 * the keeper must get the same replies — error codes, paths, data, Stat fields (times and
 * session ids normalised) and the zxid in every reply header (failed writes use a zxid too).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMode, OpCode } from '../../src/jute/constants.js';
import * as J from '../../src/jute/generated/records.js';
import { startKeeper } from '../../src/keeper/index.js';
import { Writer, type Reader } from '../../src/util/bytes.js';
import { tempDir } from '../helpers/paths.js';
import { fourLetterWord, freePort, realZooKeeper } from '../helpers/real-zookeeper.js';
import { RawZk } from './raw-client.js';

const zk = realZooKeeper();
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const PATHS = ['/a', '/a/b', '/a/b/c', '/d', '/d/e', '/a/x'];
const STEPS = 400;

interface Step {
  type: number;
  body: (w: Writer) => void;
  decode: (r: Reader) => unknown;
}

function makeSteps(seed: number): Step[] {
  let s = seed;
  const rand = (n: number): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const path = (): string => PATHS[rand(PATHS.length)]!;
  const version = (): number => (rand(2) === 0 ? -1 : rand(3));
  const data = (): Buffer | null => (rand(5) === 0 ? null : Buffer.from(`d${rand(100)}`));
  const steps: Step[] = [];
  for (let i = 0; i < STEPS; i++) {
    switch (rand(9)) {
      case 0:
      case 1: {
        const p = path();
        const flags = [CreateMode.PERSISTENT, CreateMode.PERSISTENT_SEQUENTIAL, CreateMode.EPHEMERAL, CreateMode.EPHEMERAL_SEQUENTIAL][rand(4)]!;
        const d = data();
        steps.push({ type: OpCode.create2, body: (w) => J.encodeCreateRequest(w, { path: p, data: d, acl: OPEN, flags }), decode: J.decodeCreate2Response });
        break;
      }
      case 2: {
        const p = path();
        const v = version();
        steps.push({ type: OpCode.delete, body: (w) => J.encodeDeleteRequest(w, { path: p, version: v }), decode: () => null });
        break;
      }
      case 3: {
        const p = path();
        const v = version();
        const d = data();
        steps.push({ type: OpCode.setData, body: (w) => J.encodeSetDataRequest(w, { path: p, data: d, version: v }), decode: J.decodeSetDataResponse });
        break;
      }
      case 4: {
        const p = path();
        const watch = rand(2) === 0;
        steps.push({ type: OpCode.getData, body: (w) => J.encodeGetDataRequest(w, { path: p, watch }), decode: J.decodeGetDataResponse });
        break;
      }
      case 5: {
        const p = path();
        const watch = rand(2) === 0;
        steps.push({ type: OpCode.getChildren2, body: (w) => J.encodeGetChildren2Request(w, { path: p, watch }), decode: (r) => J.decodeGetChildren2Response(r) });
        break;
      }
      case 6: {
        const p = path();
        const v = version();
        const acl = rand(2) === 0 ? OPEN : [{ perms: 7, id: { scheme: 'world', id: 'anyone' } }];
        steps.push({ type: OpCode.setACL, body: (w) => J.encodeSetACLRequest(w, { path: p, acl, version: v }), decode: J.decodeSetACLResponse });
        break;
      }
      case 7: {
        const ops = Array.from({ length: 1 + rand(4) }, () => ({ kind: rand(5), p: path(), v: version() }));
        steps.push({
          type: OpCode.multi,
          body: (w) => {
            for (const op of ops) {
              if (op.kind === 0) {
                J.encodeMultiHeader(w, { type: OpCode.create, done: false, err: -1 });
                J.encodeCreateRequest(w, { path: op.p, data: null, acl: OPEN, flags: 0 });
              } else if (op.kind === 1) {
                J.encodeMultiHeader(w, { type: OpCode.delete, done: false, err: -1 });
                J.encodeDeleteRequest(w, { path: op.p, version: op.v });
              } else if (op.kind === 2) {
                J.encodeMultiHeader(w, { type: OpCode.check, done: false, err: -1 });
                J.encodeCheckVersionRequest(w, { path: op.p, version: op.v });
              } else if (op.kind === 3) {
                J.encodeMultiHeader(w, { type: OpCode.create2, done: false, err: -1 });
                J.encodeCreateRequest(w, { path: `${op.p}/m-`, data: null, acl: OPEN, flags: CreateMode.PERSISTENT_SEQUENTIAL });
              } else {
                J.encodeMultiHeader(w, { type: OpCode.setData, done: false, err: -1 });
                J.encodeSetDataRequest(w, { path: op.p, data: Buffer.from('m'), version: op.v });
              }
            }
            J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
          },
          decode: (r) => {
            const out: unknown[] = [];
            while (true) {
              const h = J.decodeMultiHeader(r);
              if (h.done) return out;
              if (h.type === OpCode.create) out.push([h.type, J.decodeCreateResponse(r)]);
              else if (h.type === OpCode.create2) out.push([h.type, J.decodeCreate2Response(r)]);
              else if (h.type === OpCode.setData) out.push([h.type, J.decodeSetDataResponse(r)]);
              else if (h.type === OpCode.error) out.push([h.type, h.err, J.decodeErrorResponse(r)]);
              else out.push([h.type, h.err]);
            }
          },
        });
        break;
      }
      default: {
        const p = path();
        const watch = rand(2) === 0;
        steps.push({ type: OpCode.exists, body: (w) => J.encodeExistsRequest(w, { path: p, watch }), decode: J.decodeExistsResponse });
      }
    }
  }
  return steps;
}

/** Times and session ids differ between servers; everything else must not. */
function normalise(v: unknown, sessionId: bigint): unknown {
  return JSON.parse(
    JSON.stringify(v, (k, x) => {
      if (k === 'ctime' || k === 'mtime') return 't';
      if (k === 'ephemeralOwner') return x === sessionId ? 'self' : String(x);
      return typeof x === 'bigint' ? String(x) : Buffer.isBuffer(x) ? x.toString('latin1') : x;
    }),
    (_k, x) => (x !== null && typeof x === 'object' && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('latin1') : x),
  );
}

async function runSteps(port: number, steps: Step[]): Promise<unknown[]> {
  const a = await RawZk.open(port);
  const cr = await a.handshake();
  const out: unknown[] = [];
  let xid = 1;
  let seen = 0;
  for (const s of steps) {
    const r = await a.request(xid++, s.type, s.body);
    // Watch notifications that arrived before this reply, in order.
    for (; a.frames[seen] !== r; seen++) out.push({ event: J.decodeWatcherEvent(a.frames[seen]!.body), zxid: String(a.frames[seen]!.zxid) });
    seen++;
    out.push({ op: s.type, err: r.err, zxid: String(r.zxid), body: r.err === 0 ? normalise(s.decode(r.body), cr.sessionId) : null });
  }
  a.end();
  return out;
}

async function startReal(dir: string, extraCfg = ''): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const cfg = join(dir, `zoo-${port}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${data}\nclientPort=${port}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n${extraCfg}`);
  const child = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', '/usr/share/java/zookeeper.jar:/usr/share/java/slf4j-nop.jar', 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if ((await fourLetterWord('127.0.0.1', port, 'srvr', 1000).catch(() => '')).includes('Mode:')) return { port, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('real ZooKeeper did not start');
}

test('the keeper answers a random request stream exactly as ZooKeeper 3.8 does', { skip: zk.skip }, async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  const dir = tempDir('keeper-diff-');
  const steps = makeSteps(Number(process.env.KEEPER_DIFF_SEED ?? 7));
  const real = await startReal(dir.path);
  let want: unknown[];
  try {
    want = await runSteps(real.port, steps);
  } finally {
    const gone = new Promise((r) => real.child.once('exit', r));
    real.child.kill('SIGTERM');
    await gone;
  }
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1' });
  try {
    const got = await runSteps(keeper.port, steps);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `frame ${i}`);
    assert.equal(got.length, want.length);
    assert.ok(want.some((f) => (f as { event?: unknown }).event !== undefined), 'the stream fires watches');
    assert.ok(want.some((r) => (r as { err: number }).err === 0) && want.some((r) => (r as { err: number }).err !== 0), 'the stream mixes successes and failures');
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});

const SUPER_DIGEST = 'super:xQJmxLMiHGwaqBvst5y6rkB6HQs='; // super:admin

/** Three sessions: watches across sessions, ephemerals going with a closed session, digest and super auth. */
async function scenario(port: number): Promise<unknown[]> {
  const a = await RawZk.open(port);
  const b = await RawZk.open(port);
  const c = await RawZk.open(port);
  const sa = (await a.handshake()).sessionId;
  const sb = (await b.handshake()).sessionId;
  await c.handshake();
  const out: unknown[] = [];
  let xid = 1;
  const rec = async (who: string, cl: RawZk, type: number, body?: (w: Writer) => void, decode?: (r: Reader) => unknown): Promise<void> => {
    const r = await cl.request(xid++, type, body);
    out.push([who, type, r.err, String(r.zxid), r.err === 0 && decode ? normaliseSessions(decode(r.body), sa, sb) : null]);
  };
  const create = (path: string, flags: number, acl: J.ACL[] = OPEN) => (w: Writer) => J.encodeCreateRequest(w, { path, data: Buffer.from(path), acl, flags });
  await rec('a', a, OpCode.create2, create('/s', 0), J.decodeCreate2Response);
  await rec('b', b, OpCode.create2, create('/s/e1', CreateMode.EPHEMERAL), J.decodeCreate2Response);
  await rec('b', b, OpCode.create2, create('/s/q-', CreateMode.EPHEMERAL_SEQUENTIAL), J.decodeCreate2Response);
  await rec('b', b, OpCode.create2, create('/s/p', 0), J.decodeCreate2Response);
  await rec('a', a, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/s/e1', watch: true }), J.decodeExistsResponse);
  await rec('a', a, OpCode.getChildren2, (w) => J.encodeGetChildren2Request(w, { path: '/s', watch: true }), (r) => J.decodeGetChildren2Response(r));
  await rec('a', a, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/s/p', watch: true }), J.decodeGetDataResponse);
  await rec('a', a, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/s/later', watch: true }), J.decodeExistsResponse);
  await rec('b', b, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/s/p', data: Buffer.from('x'), version: 0 }), J.decodeSetDataResponse);
  await rec('b', b, OpCode.create2, create('/s/e1/child', 0), J.decodeCreate2Response);
  await rec('b', b, OpCode.getEphemerals, (w) => J.encodeGetEphemeralsRequest(w, { prefixPath: '/s' }), (r) => J.decodeGetEphemeralsResponse(r).ephemerals);
  // digest auth on b, an auth ACL, then what a and c (super) may do
  const auth = (cl: RawZk, cred: string) => {
    const w = new Writer();
    J.encodeRequestHeader(w, { xid: -4, type: OpCode.auth });
    J.encodeAuthPacket(w, { type: 0, scheme: 'digest', auth: Buffer.from(cred) });
    cl.sendFrame(Buffer.from(w.finish()));
  };
  auth(b, 'bob:pw');
  await rec('b', b, OpCode.create2, create('/s/secret', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }, { perms: 1, id: { scheme: 'world', id: 'anyone' } }]), J.decodeCreate2Response);
  await rec('b', b, OpCode.getACL, (w) => J.encodeGetACLRequest(w, { path: '/s/secret' }), J.decodeGetACLResponse);
  await rec('a', a, OpCode.getACL, (w) => J.encodeGetACLRequest(w, { path: '/s/secret' }), J.decodeGetACLResponse);
  await rec('a', a, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/s/secret', data: null, version: -1 }), J.decodeSetDataResponse);
  auth(c, 'super:admin');
  await rec('c', c, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/s/secret', data: null, version: -1 }), J.decodeSetDataResponse);
  // whoAmI lists ids in an unspecified (hash-set) order: compare them sorted.
  await rec('c', c, OpCode.whoAmI, undefined, (r) => J.decodeWhoAmIResponse(r).clientInfo.map((i) => `${i.authScheme}:${i.user}`).sort());
  await rec('a', a, OpCode.create2, create('/s/e1/x', 0), J.decodeCreate2Response);
  await rec('b', b, OpCode.closeSession);
  await b.closedPromise();
  await rec('a', a, OpCode.sync, (w) => J.encodeSyncRequest(w, { path: '/s' }), J.decodeSyncResponse);
  await rec('a', a, OpCode.getChildren2, (w) => J.encodeGetChildren2Request(w, { path: '/s', watch: false }), (r) => J.decodeGetChildren2Response(r));
  await rec('a', a, OpCode.create2, create('/s/later', 0), J.decodeCreate2Response);
  await rec('a', a, OpCode.getAllChildrenNumber, (w) => J.encodeGetAllChildrenNumberRequest(w, { path: '/' }), J.decodeGetAllChildrenNumberResponse);
  await rec('a', a, OpCode.multiRead, (w) => {
    J.encodeMultiHeader(w, { type: OpCode.getData, done: false, err: -1 });
    J.encodeGetDataRequest(w, { path: '/s/p', watch: true });
    J.encodeMultiHeader(w, { type: OpCode.getChildren, done: false, err: -1 });
    J.encodeGetChildrenRequest(w, { path: '/s', watch: false });
    J.encodeMultiHeader(w, { type: OpCode.getData, done: false, err: -1 });
    J.encodeGetDataRequest(w, { path: '/s/missing', watch: false });
    J.encodeMultiHeader(w, { type: OpCode.getChildren, done: false, err: -1 });
    J.encodeGetChildrenRequest(w, { path: '/s/secret', watch: false });
    J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
  }, (r) => {
    const results: unknown[] = [];
    while (true) {
      const h = J.decodeMultiHeader(r);
      if (h.done) return [h, results];
      if (h.type === OpCode.getData) results.push([h, J.decodeGetDataResponse(r)]);
      else if (h.type === OpCode.getChildren) results.push([h, J.decodeGetChildrenResponse(r).children]);
      else results.push([h, J.decodeErrorResponse(r)]);
    }
  });
  await rec('c', c, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/s/p', data: Buffer.from('fires the multiRead watch'), version: -1 }), J.decodeSetDataResponse);
  const frames = (cl: RawZk) => cl.frames.map((f) => (f.xid === -1 ? ['event', String(f.zxid), J.decodeWatcherEvent(f.body)] : ['reply', f.xid, f.err]));
  out.push(['a frames', frames(a)], ['c frames', frames(c)]);
  a.end();
  c.end();
  return out;
}

function normaliseSessions(v: unknown, sa: bigint, sb: bigint): unknown {
  return JSON.parse(
    JSON.stringify(v, (k, x) => {
      if (k === 'ctime' || k === 'mtime') return 't';
      if (k === 'ephemeralOwner') return x === sa ? 'session a' : x === sb ? 'session b' : String(x);
      return typeof x === 'bigint' ? String(x) : x;
    }),
    (_k, x) => (x !== null && typeof x === 'object' && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('latin1') : x),
  );
}

test('three sessions (cross-session watches, ephemerals on close, digest and super auth) match ZooKeeper 3.8', { skip: zk.skip }, async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  const dir = tempDir('keeper-diff3-');
  const real = await startReal(join(dir.path, 'real'), `DigestAuthenticationProvider.superDigest=${SUPER_DIGEST}\n`);
  let want: unknown[];
  try {
    want = await scenario(real.port);
  } finally {
    const gone = new Promise((r) => real.child.once('exit', r));
    real.child.kill('SIGTERM');
    await gone;
  }
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1', 'DigestAuthenticationProvider.superDigest': SUPER_DIGEST });
  try {
    const got = await scenario(keeper.port);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `entry ${i}`);
    assert.equal(got.length, want.length);
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});

/** addWatch (persistent, recursive), removeWatches / checkWatches, setWatches2 after a reconnect. */
async function persistentWatchScenario(port: number): Promise<unknown[]> {
  const a = await RawZk.open(port);
  const ca = await a.handshake();
  const out: unknown[] = [];
  let xid = 1;
  const rec = async (type: number, body?: (w: Writer) => void): Promise<void> => {
    const r = await a.request(xid++, type, body);
    out.push([type, r.err, String(r.zxid)]);
  };
  const create = (path: string) => (w: Writer) => J.encodeCreateRequest(w, { path, data: null, acl: OPEN, flags: 0 });
  await rec(OpCode.create, create('/pw'));
  await rec(OpCode.addWatch, (w) => J.encodeAddWatchRequest(w, { path: '/pw', mode: 0 }));
  await rec(OpCode.addWatch, (w) => J.encodeAddWatchRequest(w, { path: '/', mode: 1 }));
  await rec(OpCode.create, create('/pw/a'));
  await rec(OpCode.create, create('/pw/a/b'));
  await rec(OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/pw', data: Buffer.from('1'), version: -1 }));
  // WatcherType 1-3 only: ZooKeeper 3.8.0 answers 4/5 (Persistent, PersistentRecursive; 3.9) with MARSHALLINGERROR.
  await rec(OpCode.checkWatches, (w) => J.encodeCheckWatchesRequest(w, { path: '/pw', type: 2 }));
  await rec(OpCode.checkWatches, (w) => J.encodeCheckWatchesRequest(w, { path: '/pw/a', type: 1 }));
  await rec(OpCode.removeWatches, (w) => J.encodeRemoveWatchesRequest(w, { path: '/pw', type: 3 }));
  await rec(OpCode.removeWatches, (w) => J.encodeRemoveWatchesRequest(w, { path: '/pw', type: 3 }));
  await rec(OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: '/pw/a', watch: true }));
  await rec(OpCode.checkWatches, (w) => J.encodeCheckWatchesRequest(w, { path: '/pw/a', type: 2 }));
  await rec(OpCode.removeWatches, (w) => J.encodeRemoveWatchesRequest(w, { path: '/pw/a', type: 3 }));
  await rec(OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: '/pw/a/b', version: -1 }));
  await rec(OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/pw', data: Buffer.from('2'), version: -1 }));
  const seen = (await a.request(xid++, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '/pw', watch: false }))).zxid;
  a.end();
  // A second connection of the same session re-registers watches the way clients do after a reconnect.
  const b = await RawZk.open(port);
  await b.handshake({ sessionId: ca.sessionId, passwd: ca.passwd! });
  const c = await RawZk.open(port);
  await c.handshake();
  await c.request(1, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/pw/a', data: Buffer.from('3'), version: -1 }));
  await b.request(xid++, OpCode.setWatches2, (w) =>
    J.encodeSetWatches2(w, { relativeZxid: seen, dataWatches: ['/pw/a'], existWatches: ['/none'], childWatches: ['/pw'], persistentWatches: ['/pw'], persistentRecursiveWatches: [] }),
  );
  await c.request(2, OpCode.create, create('/pw/c'));
  await b.request(xid++, OpCode.sync, (w) => J.encodeSyncRequest(w, { path: '/' }));
  const frames = (cl: RawZk) => cl.frames.map((f) => (f.xid === -1 ? ['event', String(f.zxid), J.decodeWatcherEvent(f.body)] : ['reply', f.xid, f.err]));
  out.push(['a', frames(a)], ['b', frames(b)]);
  b.end();
  c.end();
  return out;
}

test('persistent and recursive watches, removeWatches/checkWatches and setWatches2 match ZooKeeper 3.8', { skip: zk.skip }, async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  const dir = tempDir('keeper-diffpw-');
  const real = await startReal(join(dir.path, 'real'));
  let want: unknown[];
  try {
    want = await persistentWatchScenario(real.port);
  } finally {
    const gone = new Promise((r) => real.child.once('exit', r));
    real.child.kill('SIGTERM');
    await gone;
  }
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1' });
  try {
    const got = await persistentWatchScenario(keeper.port);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `entry ${i}`);
    assert.equal(got.length, want.length);
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});

/** Odd and malformed requests: each gets ZooKeeper's code, zxid use and connection fate. */
async function oddRequests(port: number): Promise<unknown[]> {
  const cases: Array<[string, number, (w: Writer) => void]> = [
    ['CONTAINER mode sent as create', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/c4', data: null, acl: OPEN, flags: 4 })],
    ['unknown create mode', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/c99', data: null, acl: OPEN, flags: 99 })],
    ['createTTL without extended types', OpCode.createTTL, (w) => J.encodeCreateTTLRequest(w, { path: '/t', data: null, acl: OPEN, flags: 5, ttl: 100n })],
    ['TTL mode sent as create', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/c5', data: null, acl: OPEN, flags: 5 })],
    ['createContainer with PERSISTENT', OpCode.createContainer, (w) => J.encodeCreateRequest(w, { path: '/cc0', data: null, acl: OPEN, flags: 0 })],
    ['getData of a relative path', OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: 'bad', watch: false })],
    ['exists //x', OpCode.exists, (w) => J.encodeExistsRequest(w, { path: '//x', watch: false })],
    ['delete /zookeeper', OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: '/zookeeper', version: -1 })],
    ['delete /', OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: '/', version: -1 })],
    ['create under /zookeeper', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/zookeeper/x', data: null, acl: OPEN, flags: 0 })],
    ['setData /zookeeper/config', OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/zookeeper/config', data: null, version: -1 })],
    ['empty ACL', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/noacl', data: null, acl: [], flags: 0 })],
    ['addWatch with an unknown mode', OpCode.addWatch, (w) => J.encodeAddWatchRequest(w, { path: '/', mode: 7 })],
    ['sync of a bad path', OpCode.sync, (w) => J.encodeSyncRequest(w, { path: 'nope' })],
    ['create body that does not decode', OpCode.create, (w) => w.int32(1000)],
    ['getData body that does not decode', OpCode.getData, (w) => w.int32(1000)],
    ['deleteContainer from a client', OpCode.deleteContainer, (w) => w.utf8('/c4')],
    ['sasl without a SASL server', OpCode.sasl, (w) => J.encodeGetSASLRequest(w, { token: Buffer.from('x') })],
    ['unknown op code', 77, () => undefined],
  ];
  const out: unknown[] = [];
  let xid = 1;
  let a = await RawZk.open(port);
  await a.handshake();
  for (const [name, type, body] of cases) {
    if (a.closed) {
      a = await RawZk.open(port);
      await a.handshake();
    }
    const r = await a.request(xid++, type, body);
    await new Promise((res) => setTimeout(res, 50));
    out.push([name, r.err, String(r.zxid), r.body.remaining, a.closed ? 'closed' : 'open']);
  }
  a.end();
  return out;
}

test('odd and malformed requests get the same answers as from ZooKeeper 3.8', { skip: zk.skip }, async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  const dir = tempDir('keeper-diffodd-');
  const real = await startReal(join(dir.path, 'real'));
  let want: unknown[];
  try {
    want = await oddRequests(real.port);
  } finally {
    const gone = new Promise((r) => real.child.once('exit', r));
    real.child.kill('SIGTERM');
    await gone;
  }
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1' });
  try {
    assert.deepEqual(await oddRequests(keeper.port), want);
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});

/** With zookeeper.extendedTypesEnabled: TTL and container creates, their validation and stats. */
async function extendedTypes(port: number): Promise<unknown[]> {
  const a = await RawZk.open(port);
  const { sessionId } = await a.handshake();
  const out: unknown[] = [];
  let xid = 1;
  const rec = async (name: string, type: number, body: (w: Writer) => void, decode?: (r: Reader) => unknown): Promise<void> => {
    const r = await a.request(xid++, type, body);
    out.push([name, r.err, String(r.zxid), r.err === 0 && decode ? normalise(decode(r.body), sessionId) : null]);
  };
  const ttl = (path: string, flags: number, t: bigint) => (w: Writer) => J.encodeCreateTTLRequest(w, { path, data: Buffer.from('t'), acl: OPEN, flags, ttl: t });
  await rec('ttl', OpCode.createTTL, ttl('/t1', CreateMode.PERSISTENT_WITH_TTL, 60000n), J.decodeCreate2Response);
  await rec('ttl seq', OpCode.createTTL, ttl('/t-', CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL, 60000n), J.decodeCreate2Response);
  await rec('ttl 0', OpCode.createTTL, ttl('/t2', CreateMode.PERSISTENT_WITH_TTL, 0n), J.decodeCreate2Response);
  await rec('ttl too big', OpCode.createTTL, ttl('/t3', CreateMode.PERSISTENT_WITH_TTL, 1n << 41n), J.decodeCreate2Response);
  await rec('ttl with plain mode', OpCode.createTTL, ttl('/t4', CreateMode.PERSISTENT, 1000n), J.decodeCreate2Response);
  await rec('ttl mode via create2', OpCode.create2, (w) => J.encodeCreateRequest(w, { path: '/t5', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL }), J.decodeCreate2Response);
  await rec('container', OpCode.createContainer, (w) => J.encodeCreateRequest(w, { path: '/c', data: null, acl: OPEN, flags: CreateMode.CONTAINER }), J.decodeCreate2Response);
  await rec('child of ttl', OpCode.create2, (w) => J.encodeCreateRequest(w, { path: '/t1/x', data: null, acl: OPEN, flags: 0 }), J.decodeCreate2Response);
  await rec('child of container', OpCode.create2, (w) => J.encodeCreateRequest(w, { path: '/c/x', data: null, acl: OPEN, flags: CreateMode.EPHEMERAL }), J.decodeCreate2Response);
  await rec('multi with container and ttl', OpCode.multi, (w) => {
    J.encodeMultiHeader(w, { type: OpCode.createContainer, done: false, err: -1 });
    J.encodeCreateRequest(w, { path: '/mc', data: null, acl: OPEN, flags: CreateMode.CONTAINER });
    J.encodeMultiHeader(w, { type: OpCode.createTTL, done: false, err: -1 });
    J.encodeCreateTTLRequest(w, { path: '/mt', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 5000n });
    J.encodeMultiHeader(w, { type: OpCode.create, done: false, err: -1 });
    J.encodeCreateRequest(w, { path: '/mc/x', data: null, acl: OPEN, flags: 0 });
    J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
  }, (r) => {
    const res: unknown[] = [];
    while (true) {
      const h = J.decodeMultiHeader(r);
      if (h.done) return res;
      if (h.type === OpCode.create) res.push([h, J.decodeCreateResponse(r)]);
      else if (h.type === OpCode.create2) res.push([h, J.decodeCreate2Response(r)]);
      else res.push([h, J.decodeErrorResponse(r)]);
    }
  });
  for (const p of ['/t1', '/c', '/mc', '/mt']) await rec(`stat ${p}`, OpCode.exists, (w) => J.encodeExistsRequest(w, { path: p, watch: false }), J.decodeExistsResponse);
  // Child order is ZooKeeper's HashSet order: it depends on names and on the largest size the set had.
  await rec('many', OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/many', data: null, acl: OPEN, flags: 0 }));
  for (let i = 0; i < 40; i++) {
    await rec(`many ${i}`, OpCode.create, (w) => J.encodeCreateRequest(w, { path: `/many/${(i * 7919).toString(36)}-node`, data: null, acl: OPEN, flags: i % 3 === 0 ? CreateMode.PERSISTENT_SEQUENTIAL : 0 }), J.decodeCreateResponse);
  }
  for (let i = 0; i < 40; i += 3) await rec(`drop ${i}`, OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: `/many/${(i * 7919).toString(36)}-node${String(i).padStart(10, '0')}`, version: -1 }));
  await rec('children', OpCode.getChildren, (w) => J.encodeGetChildrenRequest(w, { path: '/many', watch: false }), (r) => J.decodeGetChildrenResponse(r).children);
  await rec('root children', OpCode.getChildren, (w) => J.encodeGetChildrenRequest(w, { path: '/', watch: false }), (r) => J.decodeGetChildrenResponse(r).children);
  a.end();
  return out;
}

test('TTL and container nodes (extended types) behave as in ZooKeeper 3.8', { skip: zk.skip }, async () => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  const dir = tempDir('keeper-diffext-');
  const real = await startReal(join(dir.path, 'real'), 'extendedTypesEnabled=true\n');
  let want: unknown[];
  try {
    want = await extendedTypes(real.port);
  } finally {
    const gone = new Promise((r) => real.child.once('exit', r));
    real.child.kill('SIGTERM');
    await gone;
  }
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1', 'zookeeper.extendedTypesEnabled': true });
  try {
    const got = await extendedTypes(keeper.port);
    for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `entry ${i}`);
    assert.equal(got.length, want.length);
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});
