import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateMode, OpCode } from '../../src/jute/constants.js';
import { Adler32, adler32 } from '../../src/keeper/persist/adler32.js';
import { purge, restore } from '../../src/keeper/persist/file-txn-snap-log.js';
import { deserializeSnapshot, isValidSnapshotFile, serializeSnapshot, writeSnapshot } from '../../src/keeper/persist/snapshot.js';
import { FileTxnLog, readTxnLogs } from '../../src/keeper/persist/txn-log.js';
import { OPEN_ACL_UNSAFE } from '../../src/keeper/server/acl.js';
import { DataTree } from '../../src/keeper/server/data-tree.js';
import { PrepRequestProcessor } from '../../src/keeper/server/prep-request-processor.js';
import type { RequestBody } from '../../src/keeper/server/requests.js';
import type { Txn } from '../../src/keeper/server/txn.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../helpers/paths.js';

const log = createLogger({ level: 'silent' });

function workload(n: number): { tree: DataTree; txns: Txn[] } {
  const tree = new DataTree({ extendedTypesEnabled: true });
  const prep = new PrepRequestProcessor(tree, { extendedTypesEnabled: true });
  const txns: Txn[] = [];
  const run = (body: RequestBody, sessionId = 5n): void => {
    const t = prep.prepare({ sessionId, cxid: txns.length, type: body.type, body, authInfo: [], timeMs: 1000 + txns.length });
    tree.processTxn(t.hdr, t.body);
    prep.applied(t.hdr.zxid);
    txns.push(t);
  };
  run({ type: OpCode.createSession, timeoutMs: 6000 });
  run({ type: OpCode.create, record: { path: '/a', data: Buffer.from('A'), acl: [...OPEN_ACL_UNSAFE], flags: 0 } });
  for (let i = 0; i < n; i++) run({ type: OpCode.create, record: { path: '/a/s-', data: Buffer.from(`v${i}`), acl: [...OPEN_ACL_UNSAFE], flags: CreateMode.PERSISTENT_SEQUENTIAL } });
  run({ type: OpCode.create, record: { path: '/a/e', data: null, acl: [{ perms: 1, id: { scheme: 'ip', id: '10.0.0.0/8' } }], flags: CreateMode.EPHEMERAL } });
  run({ type: OpCode.setData, record: { path: '/a', data: Buffer.from('B'), version: -1 } });
  tree.events = [];
  return { tree, txns };
}

function treeImage(t: DataTree): unknown {
  return [...t.nodes.keys()].sort().map((p) => {
    const n = t.getNode(p)!;
    return [p, n.data?.toString('hex') ?? null, { ...n.stat }, [...n.children].sort(), t.aclOf(n)];
  });
}

test('Adler32 matches java.util.zip.Adler32', () => {
  assert.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398n);
  assert.equal(adler32(Buffer.alloc(0)), 1n);
  const big = Buffer.alloc(100_000, 0xff);
  assert.equal(new Adler32().update(big, 0, 33_333).update(big, 33_333).value(), adler32(big));
  assert.equal(adler32(Buffer.from('abc')), 0x024d0127n);
});

test('snapshot round-trips the tree, ACL cache and sessions and is sealed', () => {
  const { tree } = workload(25);
  const sessions = new Map([[5n, 6000], [-7n, 4000]]);
  const bytes = serializeSnapshot(tree, sessions);
  assert.equal(bytes.readInt32BE(0), 0x5a4b534e);
  assert.equal(bytes.readInt32BE(bytes.length - 5), 1);
  assert.equal(bytes[bytes.length - 1], 0x2f);
  const back = deserializeSnapshot(bytes, { extendedTypesEnabled: true });
  assert.deepEqual(treeImage(back.tree), treeImage(tree));
  assert.deepEqual(back.sessions, sessions);
  assert.deepEqual(back.tree.getEphemerals(5n), ['/a/e']);
  const corrupt = Buffer.from(bytes);
  corrupt[40] ^= 1;
  assert.throws(() => deserializeSnapshot(corrupt, {}), /checksum|need|bad|invalid/);
});

test('restore = newest snapshot + log replay; a torn tail is cut back to the last valid entry', () => {
  const dir = tempDir('keeper-persist-');
  try {
    const { tree, txns } = workload(40);
    const logFile = new FileTxnLog(dir.path, 4096);
    writeSnapshot(dir.path, 0n, new DataTree(), new Map());
    for (const t of txns) logFile.append(t);
    logFile.commit();
    logFile.close();
    const name = readdirSync(join(dir.path, 'version-2')).find((f) => f.startsWith('log.'))!;
    const path = join(dir.path, 'version-2', name);
    assert.ok(statSync(path).size % 4096 === 16 || statSync(path).size > 4096, 'preallocated in blocks');
    // A torn write: half an entry of garbage after the last good one.
    const valid = readTxnLogs(dir.path, 0n).lastFile!.validEnd;
    const buf = readFileSync(path);
    buf.fill(0x5a, valid, valid + 30);
    writeFileSync(path, buf);
    const r = restore(dir.path, dir.path, { extendedTypesEnabled: true }, log);
    assert.equal(r.replayed, txns.length);
    assert.deepEqual(treeImage(r.tree), treeImage(tree));
    assert.equal(r.tree.lastProcessedZxid, txns[txns.length - 1]!.hdr.zxid);
    assert.equal(statSync(path).size, valid, 'garbage tail truncated');
    assert.deepEqual(r.sessions, new Map([[5n, 6000]]));
    // an incomplete final entry (crash mid-append) is dropped the same way
    appendFileSync(path, Buffer.from([0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 80, 1, 2]));
    assert.equal(restore(dir.path, dir.path, { extendedTypesEnabled: true }, log).replayed, txns.length);
  } finally {
    dir.cleanup();
  }
});

test('purge keeps the newest snapRetainCount snapshots and the logs they need', () => {
  const dir = tempDir('keeper-purge-');
  try {
    const v2 = join(dir.path, 'version-2');
    const log1 = new FileTxnLog(dir.path, 0);
    log1.close();
    for (const z of [0n, 10n, 20n, 30n, 40n]) writeSnapshot(dir.path, z, new DataTree(), new Map());
    for (const z of ['1', 'b', '15', '1f', '29']) writeFileSync(join(v2, `log.${z}`), 'x');
    const removed = purge(dir.path, dir.path, 3);
    // log.b is kept: it is the newest log starting at or before the oldest kept snapshot (0x14)
    assert.deepEqual(removed.sort(), ['log.1', 'snapshot.0', 'snapshot.a'].sort());
    assert.deepEqual(readdirSync(v2).sort(), ['log.15', 'log.1f', 'log.29', 'log.b', 'snapshot.14', 'snapshot.1e', 'snapshot.28']);
    assert.ok(isValidSnapshotFile(join(v2, 'snapshot.28')));
  } finally {
    dir.cleanup();
  }
});

test('dataLogDir apart from dataDir: logs in one, snapshots in the other, restart reads both', async () => {
  const { startKeeper } = await import('../../src/keeper/index.js');
  const { RawZk } = await import('./raw-client.js');
  const J = await import('../../src/jute/generated/records.js');
  const dir = tempDir('keeper-logdir-');
  const cfg = { dataDir: join(dir.path, 'snaps'), dataLogDir: join(dir.path, 'logs'), clientPort: 0, clientPortAddress: '127.0.0.1' };
  try {
    let k = await startKeeper(cfg, { logger: log });
    const a = await RawZk.open(k.port);
    await a.handshake();
    await a.request(1, OpCode.create, (w) => J.encodeCreateRequest(w, { path: '/sep', data: Buffer.from('x'), acl: [...OPEN_ACL_UNSAFE], flags: 0 }));
    a.end();
    await k.close();
    assert.ok(readdirSync(join(dir.path, 'logs', 'version-2')).some((f) => f.startsWith('log.')));
    assert.ok(readdirSync(join(dir.path, 'snaps', 'version-2')).some((f) => f.startsWith('snapshot.')));
    assert.ok(!readdirSync(join(dir.path, 'snaps', 'version-2')).some((f) => f.startsWith('log.')));
    k = await startKeeper(cfg, { logger: log });
    assert.equal(k.server.tree.getNode('/sep')?.data?.toString(), 'x');
    await k.close();
  } finally {
    dir.cleanup();
  }
});

test('fuzzy snapshot replay: a create the snapshot already holds still brings the parent counters up', () => {
  const dir = tempDir('keeper-fuzzy-');
  try {
    const { tree: finalTree, txns } = workload(5);
    // The snapshot "began" at txn k but caught the node of txn k+1 and not its parent's update.
    const k = txns.length - 3; // k+1 is the last create under /a, so no later create repairs the counters
    const partial = new DataTree({ extendedTypesEnabled: true });
    for (const t of txns.slice(0, k + 2)) partial.processTxn(t.hdr, t.body);
    const created = txns[k + 1]!;
    assert.equal(created.hdr.type, OpCode.create);
    const parent = partial.getNode('/a')!;
    const before = new DataTree({ extendedTypesEnabled: true });
    for (const t of txns.slice(0, k + 1)) before.processTxn(t.hdr, t.body);
    parent.stat.cversion = before.getNode('/a')!.stat.cversion;
    parent.stat.pzxid = before.getNode('/a')!.stat.pzxid;
    writeSnapshot(dir.path, txns[k]!.hdr.zxid, partial, new Map([[5n, 6000]]));
    const logFile = new FileTxnLog(dir.path, 0);
    for (const t of txns.slice(k + 1)) logFile.append(t);
    logFile.close();
    const r = restore(dir.path, dir.path, { extendedTypesEnabled: true }, log);
    assert.deepEqual(treeImage(r.tree), treeImage(finalTree));
  } finally {
    dir.cleanup();
  }
});

test('a log that skips a zxid (lost or corrupt entry in the middle) refuses to load', async () => {
  const { TxnLogGapError } = await import('../../src/keeper/persist/file-txn-snap-log.js');
  const dir = tempDir('keeper-gap-');
  try {
    const { txns } = workload(6);
    writeSnapshot(dir.path, 0n, new DataTree(), new Map());
    const first = new FileTxnLog(dir.path, 0);
    for (const t of txns.slice(0, 3)) first.append(t);
    first.rollLog();
    for (const t of txns.slice(4)) first.append(t); // txns[3] is lost
    first.close();
    assert.throws(() => restore(dir.path, dir.path, {}, log), TxnLogGapError);
  } finally {
    dir.cleanup();
  }
});
