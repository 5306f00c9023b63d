/**
 * The keeper's data directory against real ZooKeeper 3.8 (Debian's jars):
 *  - TxnLogToolkit and SnapshotFormatter read the keeper's txn logs and snapshots;
 *  - a real ZooKeeper started on a copy of the keeper's dataDir serves the same tree;
 *  - the keeper serves the same tree from a dataDir a real ZooKeeper wrote.
 * Trees are compared node by node (data, Stat, ACL) through the ZooKeeper protocol.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMode, OpCode } from '../../src/jute/constants.js';
import * as J from '../../src/jute/generated/records.js';
import { startKeeper } from '../../src/keeper/index.js';
import { loadNewestSnapshot } from '../../src/keeper/persist/snapshot.js';
import { tempDir } from '../helpers/paths.js';
import { fourLetterWord, freePort, realZooKeeper } from '../helpers/real-zookeeper.js';
import { RawZk } from '../keeper/raw-client.js';

const zk = realZooKeeper();
const CLASSPATH = ['zookeeper', 'zookeeper-jute', 'slf4j-api', 'slf4j-nop', 'commons-cli', 'metrics-core', 'netty-all']
  .map((j) => `/usr/share/java/${j}.jar`)
  .join(':');
const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
let scratch: { path: string; cleanup: () => void };

before(() => {
  process.env.GREGOR_LOG_LEVEL ??= 'silent';
  scratch = tempDir('keeper-zkfiles-');
});
after(() => scratch.cleanup());

/** The same writes against any server: plain, sequential, ephemeral, container, TTL, ACLs, multi, deletes. */
async function workload(port: number): Promise<void> {
  const a = await RawZk.open(port);
  await a.handshake({ timeoutMs: 30000 });
  let xid = 1;
  const create = (path: string, data: string | null, flags = 0, type: number = OpCode.create, acl: J.ACL[] = OPEN) =>
    a.request(xid++, type, (w) => J.encodeCreateRequest(w, { path, data: data === null ? null : Buffer.from(data), acl, flags }));
  await create('/app', 'root-data');
  for (let i = 0; i < 40; i++) await create(`/app/n${i}`, `v${i}`);
  await create('/app/seq-', 's', CreateMode.PERSISTENT_SEQUENTIAL);
  await create('/eph', 'e', CreateMode.EPHEMERAL);
  await create('/cont', null, CreateMode.CONTAINER, OpCode.createContainer);
  await a.request(xid++, OpCode.createTTL, (w) => J.encodeCreateTTLRequest(w, { path: '/ttl', data: Buffer.from('t'), acl: OPEN, flags: CreateMode.PERSISTENT_WITH_TTL, ttl: 3_600_000n }));
  await create('/secure', 'sec', 0, OpCode.create, [
    { perms: 1, id: { scheme: 'digest', id: 'bob:Ua6p1f7lv3Gz5wZ4QNpWuFMIY0U=' } },
    { perms: 31, id: { scheme: 'ip', id: '127.0.0.1' } },
  ]);
  await a.request(xid++, OpCode.setData, (w) => J.encodeSetDataRequest(w, { path: '/app/n3', data: Buffer.from('changed'), version: -1 }));
  await a.request(xid++, OpCode.delete, (w) => J.encodeDeleteRequest(w, { path: '/app/n4', version: -1 }));
  await a.request(xid++, OpCode.setACL, (w) => J.encodeSetACLRequest(w, { path: '/app/n5', acl: [{ perms: 3, id: { scheme: 'world', id: 'anyone' } }], version: -1 }));
  await a.request(xid++, OpCode.multi, (w) => {
    J.encodeMultiHeader(w, { type: OpCode.create, done: false, err: -1 });
    J.encodeCreateRequest(w, { path: '/multi', data: Buffer.from('m'), acl: OPEN, flags: 0 });
    J.encodeMultiHeader(w, { type: OpCode.setData, done: false, err: -1 });
    J.encodeSetDataRequest(w, { path: '/multi', data: Buffer.from('m2'), version: 0 });
    J.encodeMultiHeader(w, { type: -1, done: true, err: -1 });
  });
  a.end();
}

/** Every node with data, Stat and ACL, via the protocol. */
async function dumpTree(port: number): Promise<Record<string, unknown>> {
  const a = await RawZk.open(port);
  await a.handshake();
  let xid = 1;
  const out: Record<string, unknown> = {};
  const walk = async (path: string): Promise<void> => {
    const d = await a.request(xid++, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path, watch: false }));
    const acl = await a.request(xid++, OpCode.getACL, (w) => J.encodeGetACLRequest(w, { path }));
    const ch = await a.request(xid++, OpCode.getChildren, (w) => J.encodeGetChildrenRequest(w, { path, watch: false }));
    const data = d.err === 0 ? J.decodeGetDataResponse(d.body) : null;
    out[path] = {
      err: d.err,
      data: data?.data?.toString('latin1') ?? null,
      stat: data === null ? null : Object.fromEntries(Object.entries(data.stat).map(([k, v]) => [k, String(v)])),
      acl: acl.err === 0 ? J.decodeGetACLResponse(acl.body).acl : acl.err,
    };
    const children = ch.err === 0 ? J.decodeGetChildrenResponse(ch.body).children.sort() : [];
    for (const c of children) await walk(path === '/' ? `/${c}` : `${path}/${c}`);
  };
  await walk('/');
  a.end();
  return out;
}

function java(mainClass: string, args: string[]): { status: number | null; out: string } {
  const r = spawnSync('java', ['-Xmx256m', '-cp', CLASSPATH, mainClass, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

async function startRealOn(dataDir: string, extraCfg = ''): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const cfg = join(dataDir, '..', `zoo-${port}.cfg`);
  writeFileSync(cfg, `tickTime=2000\ndataDir=${dataDir}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\nadmin.enableServer=false\nextendedTypesEnabled=true\n${extraCfg}`);
  const child: ChildProcess = spawn('java', ['-Xmx256m', '-XX:+UseSerialGC', '-cp', CLASSPATH, 'org.apache.zookeeper.server.ZooKeeperServerMain', cfg], { stdio: 'ignore' });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    await gone;
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`real ZooKeeper exited (${child.exitCode}) on ${dataDir}`);
    const srvr = await fourLetterWord('127.0.0.1', port, 'srvr', 1000).catch(() => '');
    if (srvr.includes('Mode:')) return { port, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('real ZooKeeper did not start');
}

test('TxnLogToolkit and SnapshotFormatter read the keeper\'s files; real ZooKeeper serves the same tree from them', { skip: zk.skip }, async () => {
  const dataDir = join(scratch.path, 'keeper-data');
  const keeper = await startKeeper({ dataDir, clientPort: 0, clientPortAddress: '127.0.0.1', snapCount: 30, 'zookeeper.extendedTypesEnabled': true });
  let keeperTree: Record<string, unknown>;
  try {
    await workload(keeper.port);
    keeperTree = await dumpTree(keeper.port);
  } finally {
    await keeper.close();
  }
  const v2 = join(dataDir, 'version-2');
  const files = readdirSync(v2);
  const logs = files.filter((f) => f.startsWith('log.'));
  const snaps = files.filter((f) => f.startsWith('snapshot.'));
  assert.ok(logs.length >= 2 && snaps.length >= 2, `rolled: ${files.join(' ')}`);
  let txnCount = 0;
  for (const f of logs) {
    const r = java('org.apache.zookeeper.server.persistence.TxnLogToolkit', [join(v2, f)]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /ZooKeeper Transactional Log File with dbid 0 txnlog format version 2/);
    assert.doesNotMatch(r.out, /CRC|Exception/i);
    txnCount += Number(/EOF reached after (\d+) txns/.exec(r.out)?.[1] ?? NaN);
  }
  assert.equal(txnCount, 52, 'two createSessions (workload, dump) + 50 writes (one a multi)');
  for (const f of snaps) {
    const r = java('org.apache.zookeeper.server.SnapshotFormatter', [join(v2, f)]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /ZNode Details \(count=\d+\):/);
    assert.match(r.out, /Session Details \(sid, timeout, ephemeralCount\):/);
    assert.doesNotMatch(r.out, /Exception|CRC/i);
  }
  const copy = join(scratch.path, 'copy-for-real-zk');
  cpSync(dataDir, copy, { recursive: true });
  const real = await startRealOn(copy);
  try {
    assert.deepEqual(await dumpTree(real.port), keeperTree);
  } finally {
    await real.stop();
  }
});

for (const method of ['gz', 'snappy'] as const) {
  test(`the keeper serves the tree a real ZooKeeper 3.8 wrote (${method} snapshots with a digest, log entries with a TxnDigest)`, { skip: zk.skip }, async () => {
    const realDir = join(scratch.path, `real-data-${method}`);
    mkdirSync(realDir);
    const real = await startRealOn(realDir, `snapCount=10\nsnapshot.compression.method=${method}\n`);
    let realTree: Record<string, unknown>;
    try {
      await workload(real.port);
      realTree = await dumpTree(real.port);
    } finally {
      await real.stop();
    }
    const newest = loadNewestSnapshot(realDir, { extendedTypesEnabled: true });
    assert.ok(newest !== null && newest.name.endsWith(`.${method}`) && newest.zxid > 0n, `newest snapshot: ${newest?.name}`);
    const keeper = await startKeeper({ dataDir: realDir, clientPort: 0, clientPortAddress: '127.0.0.1', 'zookeeper.extendedTypesEnabled': true });
    try {
      assert.deepEqual(await dumpTree(keeper.port), realTree);
    } finally {
      await keeper.close();
    }
  });
}
