import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateMode, EventType, OpCode, Perms, ZkErrorCode } from '../../src/jute/constants.js';
import { decodeErrorTxn } from '../../src/jute/generated/records.js';
import type { ACL, Id } from '../../src/jute/generated/records.js';
import { Reader } from '../../src/util/bytes.js';
import { OPEN_ACL_UNSAFE, aclAllows, generateDigest, ipMatches } from '../../src/keeper/server/acl.js';
import { containerCandidates } from '../../src/keeper/server/container-manager.js';
import { DataTree } from '../../src/keeper/server/data-tree.js';
import { CONTAINER_EPHEMERAL_OWNER, ttlToEphemeralOwner } from '../../src/keeper/server/ephemeral-type.js';
import { PrepRequestProcessor } from '../../src/keeper/server/prep-request-processor.js';
import type { MultiOp, RequestBody } from '../../src/keeper/server/requests.js';
import { WatchMode } from '../../src/keeper/server/watch-manager.js';
import { javaRandomBytes, SessionTracker } from '../../src/keeper/server/session-tracker.js';

const OPEN: ACL[] = [...OPEN_ACL_UNSAFE];

function harness(extendedTypesEnabled = false) {
  const tree = new DataTree({ extendedTypesEnabled });
  const prep = new PrepRequestProcessor(tree, { extendedTypesEnabled });
  let timeMs = 1_000_000;
  const run = (body: RequestBody, sessionId = 0x11n, authInfo: Id[] = []) => {
    const txn = prep.prepare({ sessionId, cxid: 1, type: body.type, body, authInfo, timeMs: timeMs++ });
    const rc = tree.processTxn(txn.hdr, txn.body);
    prep.applied(txn.hdr.zxid);
    return { txn, rc };
  };
  const create = (path: string, flags: number = CreateMode.PERSISTENT, sessionId = 0x11n, data: Buffer | null = Buffer.from('d'), acl = OPEN) =>
    run({ type: OpCode.create2, record: { path, data, acl, flags } }, sessionId);
  return { tree, prep, run, create };
}

test('stat semantics: cversion counts creates and deletes, pzxid follows children', () => {
  const { tree, run, create } = harness();
  assert.equal(create('/p').rc.err, 0);
  const p0 = tree.copyStat(tree.getNode('/p')!);
  assert.equal(p0.cversion, 0);
  assert.equal(p0.pzxid, p0.czxid);
  const c = create('/p/a');
  const p1 = tree.copyStat(tree.getNode('/p')!);
  assert.equal(p1.cversion, 1);
  assert.equal(p1.numChildren, 1);
  assert.equal(p1.pzxid, c.txn.hdr.zxid);
  const d = run({ type: OpCode.delete, record: { path: '/p/a', version: -1 } });
  assert.equal(d.rc.err, 0);
  const p2 = tree.copyStat(tree.getNode('/p')!);
  assert.equal(p2.cversion, 2);
  assert.equal(p2.pzxid, d.txn.hdr.zxid);
  assert.equal(p2.mzxid, p0.mzxid, 'a child change does not touch mzxid');
  // the sequence counter is the persisted cversion (creates only), as in ZooKeeper
  assert.equal(create('/p/s-', CreateMode.PERSISTENT_SEQUENTIAL).rc.path, '/p/s-0000000001');
  assert.equal(create('/p/s-', CreateMode.PERSISTENT_SEQUENTIAL).rc.path, '/p/s-0000000002');
});

test('setData bumps version and mzxid; version checks answer BADVERSION', () => {
  const { tree, run, create } = harness();
  create('/x');
  const ok = run({ type: OpCode.setData, record: { path: '/x', data: Buffer.from('yy'), version: 0 } });
  assert.equal(ok.rc.err, 0);
  const s = tree.copyStat(tree.getNode('/x')!);
  assert.equal(s.version, 1);
  assert.equal(s.dataLength, 2);
  assert.equal(s.mzxid, ok.txn.hdr.zxid);
  const bad = run({ type: OpCode.setData, record: { path: '/x', data: null, version: 7 } });
  assert.equal(bad.txn.hdr.type, OpCode.error);
  assert.equal(bad.rc.err, ZkErrorCode.BADVERSION);
  assert.equal(run({ type: OpCode.delete, record: { path: '/x', version: 3 } }).rc.err, ZkErrorCode.BADVERSION);
});

test('create errors: NONODE parent, NODEEXISTS, NOCHILDRENFOREPHEMERALS, BADARGUMENTS, INVALIDACL', () => {
  const { create, run } = harness();
  assert.equal(create('/a/b').rc.err, ZkErrorCode.NONODE);
  create('/a');
  assert.equal(create('/a').rc.err, ZkErrorCode.NODEEXISTS);
  create('/e', CreateMode.EPHEMERAL);
  assert.equal(create('/e/c').rc.err, ZkErrorCode.NOCHILDRENFOREPHEMERALS);
  assert.equal(create('/bad/').rc.err, ZkErrorCode.NONODE, 'the parent is looked up before the path is validated');
  assert.equal(create('/a/').rc.err, ZkErrorCode.BADARGUMENTS);
  assert.equal(create('/a/.').rc.err, ZkErrorCode.BADARGUMENTS);
  assert.equal(create('/z', CreateMode.PERSISTENT, 1n, null, []).rc.err, ZkErrorCode.INVALIDACL);
  assert.equal(run({ type: OpCode.delete, record: { path: '/', version: -1 } }).rc.err, ZkErrorCode.BADARGUMENTS);
  create('/a/c');
  assert.equal(run({ type: OpCode.delete, record: { path: '/a', version: -1 } }).rc.err, ZkErrorCode.NOTEMPTY);
});

test('ephemerals go with their session; closeSession fires the right watches', () => {
  const { tree, run, create } = harness();
  create('/app');
  create('/app/e1', CreateMode.EPHEMERAL, 0x22n);
  create('/app/e2-', CreateMode.EPHEMERAL_SEQUENTIAL, 0x22n);
  create('/app/p', CreateMode.PERSISTENT, 0x22n);
  assert.equal(tree.getNode('/app/e1')!.stat.ephemeralOwner, 0x22n);
  tree.addDataWatch('/app/e1', 7);
  tree.addChildWatch('/app', 8);
  tree.events = [];
  const close = run({ type: OpCode.closeSession }, 0x22n);
  assert.equal(close.rc.err, 0);
  assert.deepEqual([...tree.getNode('/app')!.children].sort(), ['p']);
  assert.equal(tree.ephemeralCount, 0);
  assert.deepEqual(tree.events, [
    { watcher: 7, type: EventType.NodeDeleted, path: '/app/e1' },
    { watcher: 8, type: EventType.NodeChildrenChanged, path: '/app' },
  ]);
});

test('multi is all-or-nothing: OK for ops before the failure, its code, RUNTIMEINCONSISTENCY after', () => {
  const { tree, run, create } = harness();
  create('/m');
  const ops: MultiOp[] = [
    { type: OpCode.create, record: { path: '/m/1', data: null, acl: OPEN, flags: 0 } },
    { type: OpCode.setData, record: { path: '/m', data: Buffer.from('x'), version: -1 } },
    { type: OpCode.delete, record: { path: '/missing', version: -1 } },
    { type: OpCode.create, record: { path: '/m/2', data: null, acl: OPEN, flags: 0 } },
  ];
  const { txn, rc } = run({ type: OpCode.multi, ops });
  assert.equal(txn.hdr.type, OpCode.multi);
  assert.deepEqual(rc.multiResult.map((r) => r.err), [0, 0, ZkErrorCode.NONODE, ZkErrorCode.RUNTIMEINCONSISTENCY]);
  assert.ok(rc.multiResult.every((r) => r.type === OpCode.error));
  assert.equal(tree.getNode('/m/1'), undefined);
  assert.equal(tree.getNode('/m')!.stat.version, 0);
  // the rolled-back prep state must not leak into the next request
  assert.equal(create('/m/1').rc.err, 0);
  const ok = run({ type: OpCode.multi, ops: [ops[1]!, { type: OpCode.check, record: { path: '/m', version: 1 } }] });
  assert.deepEqual(ok.rc.multiResult.map((r) => r.err), [0, 0]);
  assert.equal(tree.getNode('/m')!.stat.version, 1);
  // the logged MultiTxn carries ErrorTxn records with the codes
  const failed = run({ type: OpCode.multi, ops: [{ type: OpCode.check, record: { path: '/m', version: 9 } }] });
  const sub = failed.txn.body.type === OpCode.multi ? failed.txn.body.record.txns[0]! : null;
  assert.equal(sub!.type, OpCode.error);
  assert.equal(decodeErrorTxn(new Reader(sub!.data!)).err, ZkErrorCode.BADVERSION);
});

test('multi sees its own earlier ops (create parent then child)', () => {
  const { tree, run } = harness();
  const { rc } = run({
    type: OpCode.multi,
    ops: [
      { type: OpCode.create, record: { path: '/q', data: null, acl: OPEN, flags: 0 } },
      { type: OpCode.create, record: { path: '/q/s-', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_SEQUENTIAL } },
      { type: OpCode.create, record: { path: '/q/s-', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_SEQUENTIAL } },
    ],
  });
  assert.deepEqual(rc.multiResult.map((r) => r.path), ['/q', '/q/s-0000000000', '/q/s-0000000001']);
  assert.equal(tree.getNode('/q')!.children.size, 2);
});

test('ACLs: world, digest, ip, auth expansion, super; permission checks in prep', () => {
  assert.equal(generateDigest('super:admin'), 'super:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
  assert.ok(ipMatches('10.1.2.3', '10.1.0.0/16'));
  assert.ok(!ipMatches('10.2.2.3', '10.1.0.0/16'));
  assert.ok(ipMatches('127.0.0.1', '127.0.0.1'));
  const alice: Id = { scheme: 'digest', id: generateDigest('alice:pw') };
  const acl: ACL[] = [{ perms: Perms.READ | Perms.ADMIN, id: alice }];
  assert.ok(aclAllows(acl, [alice], Perms.READ));
  assert.ok(!aclAllows(acl, [alice], Perms.WRITE));
  assert.ok(!aclAllows(acl, [{ scheme: 'ip', id: '1.2.3.4' }], Perms.READ));
  assert.ok(aclAllows(acl, [{ scheme: 'super', id: '' }], Perms.WRITE));

  const { tree, run } = harness();
  const authCreate = run({ type: OpCode.create, record: { path: '/s', data: null, acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], flags: 0 } }, 1n, [alice]);
  assert.equal(authCreate.rc.err, 0);
  assert.deepEqual(tree.aclOf(tree.getNode('/s')!), [{ perms: Perms.ALL, id: alice }]);
  assert.equal(run({ type: OpCode.create, record: { path: '/t', data: null, acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }], flags: 0 } }).rc.err, ZkErrorCode.INVALIDACL);
  assert.equal(run({ type: OpCode.setData, record: { path: '/s', data: null, version: -1 } }).rc.err, ZkErrorCode.NOAUTH);
  assert.equal(run({ type: OpCode.create, record: { path: '/s/c', data: null, acl: OPEN, flags: 0 } }).rc.err, ZkErrorCode.NOAUTH);
  assert.equal(run({ type: OpCode.setData, record: { path: '/s', data: null, version: -1 } }, 1n, [alice]).rc.err, 0);
  const setAcl = run({ type: OpCode.setACL, record: { path: '/s', acl: OPEN, version: 0 } }, 1n, [alice]);
  assert.equal(setAcl.rc.err, 0);
  assert.equal(tree.getNode('/s')!.stat.aversion, 1);
  assert.equal(run({ type: OpCode.setACL, record: { path: '/s', acl: [{ perms: 31, id: { scheme: 'nope', id: 'x' } }], version: -1 } }).rc.err, ZkErrorCode.INVALIDACL);
});

test('containers and TTL nodes: ephemeralOwner encoding and expiry candidates', () => {
  const { tree, run, create } = harness(true);
  const c = run({ type: OpCode.createContainer, record: { path: '/c', data: null, acl: OPEN, flags: CreateMode.CONTAINER } });
  assert.equal(c.rc.err, 0);
  assert.equal(tree.getNode('/c')!.stat.ephemeralOwner, CONTAINER_EPHEMERAL_OWNER);
  assert.deepEqual(containerCandidates(tree, 0, 100), [], 'a container that never had a child stays');
  create('/c/x');
  run({ type: OpCode.delete, record: { path: '/c/x', version: -1 } });
  assert.deepEqual(containerCandidates(tree, 0, 100), ['/c']);
  const t = run({ type: OpCode.createTTL, record: { path: '/t', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 500n } });
  assert.equal(t.rc.err, 0);
  assert.equal(tree.getNode('/t')!.stat.ephemeralOwner, ttlToEphemeralOwner(500n));
  assert.equal(tree.getNode('/t')!.stat.ephemeralOwner, -0x100000000000000n | 500n);
  const mtime = Number(tree.getNode('/t')!.stat.mtime);
  assert.deepEqual(containerCandidates(tree, mtime + 100, 100), ['/c']);
  assert.deepEqual(containerCandidates(tree, mtime + 501, 100), ['/c', '/t']);
  const del = run({ type: OpCode.deleteContainer, path: '/t' });
  assert.equal(del.rc.err, 0);
  assert.equal(run({ type: OpCode.deleteContainer, path: '/c/..' }).rc.err, ZkErrorCode.BADARGUMENTS);
  create('/plain');
  assert.equal(run({ type: OpCode.deleteContainer, path: '/plain' }).rc.err, ZkErrorCode.BADVERSION);
});

test('TTL modes answer UNIMPLEMENTED unless extended types are enabled', () => {
  const { run } = harness(false);
  const r = run({ type: OpCode.createTTL, record: { path: '/t', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 100n } });
  assert.equal(r.rc.err, ZkErrorCode.UNIMPLEMENTED);
  const { run: run2 } = harness(true);
  assert.equal(run2({ type: OpCode.createTTL, record: { path: '/t', data: null, acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 0n } }).rc.err, ZkErrorCode.BADARGUMENTS);
});

test('watches: one-shot data/child, persistent, persistent-recursive (no NodeChildrenChanged)', () => {
  const { tree, run, create } = harness();
  create('/w');
  tree.addDataWatch('/w', 1);
  tree.addChildWatch('/w', 2);
  tree.addPersistentWatch('/w', 3, false);
  tree.addPersistentWatch('/', 4, true);
  tree.addDataWatch('/w/new', 5); // exists watch on a missing node
  tree.events = [];
  create('/w/new');
  assert.deepEqual(tree.events, [
    { watcher: 5, type: EventType.NodeCreated, path: '/w/new' },
    { watcher: 4, type: EventType.NodeCreated, path: '/w/new' },
    { watcher: 2, type: EventType.NodeChildrenChanged, path: '/w' },
    { watcher: 3, type: EventType.NodeChildrenChanged, path: '/w' },
  ]);
  tree.events = [];
  run({ type: OpCode.setData, record: { path: '/w', data: null, version: -1 } });
  run({ type: OpCode.setData, record: { path: '/w', data: null, version: -1 } });
  assert.deepEqual(tree.events, [
    { watcher: 1, type: EventType.NodeDataChanged, path: '/w' },
    { watcher: 3, type: EventType.NodeDataChanged, path: '/w' },
    { watcher: 4, type: EventType.NodeDataChanged, path: '/w' },
    { watcher: 3, type: EventType.NodeDataChanged, path: '/w' },
    { watcher: 4, type: EventType.NodeDataChanged, path: '/w' },
  ]);
  assert.ok(!tree.dataWatches.hasWatch('/w', 1, WatchMode.standard), 'one-shot watch is gone');
  tree.removeWatcher(3);
  tree.removeWatcher(4);
  assert.equal(tree.dataWatches.watchCount + tree.childWatches.watchCount, 0, 'one-shot watches fired, persistent ones removed with their watcher');
});

test('session tracker: tick buckets, expiry, ZooKeeper-compatible passwords', () => {
  const t = new SessionTracker(1000, 10_500);
  const id = t.nextId();
  t.addSession(id, 4000, 10_500);
  assert.equal(t.sessions.get(id)!.expireAtMs, 15_000);
  assert.deepEqual(t.expire(14_999), []);
  t.touch(id, 12_000);
  assert.deepEqual(t.expire(15_000), []);
  assert.deepEqual(t.expire(17_000), [id]);
  assert.ok(t.sessions.get(id)!.closing);
  // java.util.Random(42).nextInt() == -1170105035
  assert.equal(javaRandomBytes(42n, 4).readInt32LE(0), -1170105035);
});

test('sequence suffix formats like Java %010d, negative counters included', async () => {
  const { formatSequence } = await import('../../src/keeper/server/prep-request-processor.js');
  assert.equal(formatSequence(0), '0000000000');
  assert.equal(formatSequence(42), '0000000042');
  assert.equal(formatSequence(2147483647), '2147483647');
  assert.equal(formatSequence(-1), '-000000001');
  assert.equal(formatSequence(-2147483648), '-2147483648');
});

test('children and ephemerals come back in java.util.HashSet order', async () => {
  const { javaStringHash, javaHashSetCapacity, javaHashSetOrder } = await import('../../src/keeper/server/java-hash-order.js');
  assert.equal(javaStringHash('hello'), 99162322);
  assert.equal(javaStringHash('abc'), 96354);
  assert.equal(javaStringHash(''), 0);
  assert.equal(javaStringHash('polygenelubricants'), -2147483648);
  assert.equal(javaHashSetCapacity(6, 8), 8);
  assert.equal(javaHashSetCapacity(7, 8), 16);
  assert.equal(javaHashSetCapacity(13, 16), 32);
  // bucket = (h ^ h>>>16) & 15: 'b' (98) -> 2, 'a' (97) -> 1, 'q' (113) -> 1; ties keep insertion order
  assert.deepEqual(javaHashSetOrder(['b', 'q', 'a'], 16), ['q', 'a', 'b']);
  const { tree, create } = harness();
  create('/h');
  for (const n of ['b', 'q', 'a']) create(`/h/${n}`);
  assert.deepEqual(tree.childrenOf(tree.getNode('/h')!), javaHashSetOrder(['b', 'q', 'a'], 8));
});
