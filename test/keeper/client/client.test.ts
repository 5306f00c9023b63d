/**
 * The keeper client against a server: the keeper, and a real ZooKeeper 3.8 when java is here
 * (the same expectations must hold on both). CRUD and error codes, ACLs, multi, watches and their
 * order, persistent watches, session re-establishment after a cut connection (through a TCP
 * proxy), expiry and ephemeral removal.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateMode,
  KeeperError,
  MultiError,
  Perms,
  ZkErrorCode,
  ZooKeeperClient,
  op,
  type WatchedEvent,
} from '../../../src/keeper/client/index.js';
import { keeperTarget, realZooKeeperTarget, type RunningServer, type ServerTarget } from './targets.js';
import { startTcpProxy } from './tcp-proxy.js';

const SESSION_TIMEOUT_MS = 2000;

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function rejectsWith(p: Promise<unknown>, code: number): Promise<KeeperError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KeeperError, `expected KeeperError, got ${String(err)}`);
    assert.equal(err.errorCode, code, `expected ${code}, got ${err.errorCode} (${err.message})`);
    return err;
  }
  assert.fail(`expected error ${code}`);
}

function digest(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

function suite(target: ServerTarget): void {
  test(`keeper client against ${target.name}`, { skip: target.skip, timeout: 90_000 }, async (t: TestContext) => {
    const server: RunningServer = await target.start({ tickTimeMs: 500 });
    const clients: ZooKeeperClient[] = [];
    const open = async (connectString = server.connectString, timeoutMs = SESSION_TIMEOUT_MS): Promise<ZooKeeperClient> => {
      const c = new ZooKeeperClient(connectString, { sessionTimeoutMs: timeoutMs });
      clients.push(c);
      await c.connect();
      return c;
    };
    try {
      await t.test('CRUD and ZooKeeper error codes', async () => {
        const zk = await open();
        assert.ok(zk.sessionId !== 0n);
        assert.ok(zk.negotiatedTimeoutMs > 0);
        assert.equal(await zk.create('/crud', 'v0'), '/crud');
        await rejectsWith(zk.create('/crud', 'again'), ZkErrorCode.NODEEXISTS);
        await rejectsWith(zk.create('/missing/child'), ZkErrorCode.NONODE);
        const { path, stat } = await zk.create2('/crud/a', Buffer.from([1, 2, 3]));
        assert.equal(path, '/crud/a');
        assert.equal(stat.dataLength, 3);
        const got = await zk.getData('/crud');
        assert.equal(got.data?.toString(), 'v0');
        assert.equal(got.stat.numChildren, 1);
        const s1 = await zk.setData('/crud', 'v1', 0);
        assert.equal(s1.version, 1);
        await rejectsWith(zk.setData('/crud', 'v2', 0), ZkErrorCode.BADVERSION);
        await rejectsWith(zk.delete('/crud'), ZkErrorCode.NOTEMPTY);
        assert.equal(await zk.exists('/nope'), null);
        const seq1 = await zk.create('/crud/s-', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL });
        const seq2 = await zk.create('/crud/s-', null, { mode: CreateMode.PERSISTENT_SEQUENTIAL });
        assert.match(seq1, /^\/crud\/s-\d{10}$/);
        assert.ok(seq2 > seq1);
        const eph = await zk.create('/crud/e', 'x', { mode: CreateMode.EPHEMERAL });
        await rejectsWith(zk.create(`${eph}/child`), ZkErrorCode.NOCHILDRENFOREPHEMERALS);
        assert.deepEqual(await zk.getEphemerals('/crud'), ['/crud/e']);
        assert.equal((await zk.exists(eph))?.ephemeralOwner, zk.sessionId);
        assert.deepEqual((await zk.getChildren('/crud')).sort(), ['a', 'e', seq1.slice(6), seq2.slice(6)].sort());
        const c2 = await zk.getChildren2('/crud');
        assert.equal(c2.stat.numChildren, 4);
        assert.equal(await zk.getAllChildrenNumber('/crud'), 4);
        assert.equal((await zk.getChildren('/crud', { stat: true })).stat.numChildren, 4);
        // More requests than may be in flight: the rest wait, and all answer in order.
        const narrow = new ZooKeeperClient(server.connectString, { maxInFlightRequests: 2 });
        clients.push(narrow);
        await narrow.connect();
        const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => narrow.exists(i % 2 === 0 ? '/crud' : '/crud/none')));
        assert.deepEqual(answers.map((a) => a !== null), Array.from({ length: 50 }, (_, i) => i % 2 === 0));
        assert.equal(await zk.sync('/crud'), '/crud');
        await assert.rejects(zk.getData('no-slash'), (e: unknown) => e instanceof KeeperError && e.errorCode === ZkErrorCode.BADARGUMENTS);
        await zk.deleteAll('/crud');
        assert.equal(await zk.exists('/crud'), null);
        await zk.create('/nulldata');
        assert.equal((await zk.getData('/nulldata')).data, null);
        await zk.delete('/nulldata', 0);
      });

      await t.test('ACLs with digest and addAuth', async () => {
        const owner = await open();
        const other = await open();
        await owner.addAuth('digest', 'alice:secret');
        await owner.create('/acl', 'private', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('alice', 'secret') } }] });
        await rejectsWith(other.getData('/acl'), ZkErrorCode.NOAUTH);
        assert.equal((await owner.getData('/acl')).data?.toString(), 'private');
        const { acl } = await owner.getACL('/acl');
        assert.deepEqual(acl, [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('alice', 'secret') } }]);
        await other.addAuth('digest', 'alice:secret');
        assert.equal((await other.getData('/acl')).data?.toString(), 'private');
        const stat = await owner.setACL('/acl', [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }], 0);
        assert.equal(stat.aversion, 1);
        await rejectsWith(owner.setACL('/acl', [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }], 0), ZkErrorCode.NOAUTH);
        await rejectsWith(owner.setData('/acl', 'x'), ZkErrorCode.NOAUTH);
        await owner.delete('/acl');
      });

      await t.test('multi: atomic success, failure with per-op results, transaction builder, multiRead', async () => {
        const zk = await open();
        const results = await zk.multi([op.create('/m', 'root'), op.create('/m/a', 'a'), op.setData('/m', 'root2', 0), op.check('/m', 1)]);
        assert.deepEqual(results.map((r) => r.type), ['create', 'create', 'setData', 'check']);
        const err = await rejectsWith(zk.multi([op.create('/m/b', 'b'), op.delete('/m/missing')]), ZkErrorCode.NONODE);
        assert.ok(err instanceof MultiError);
        assert.equal(err.results.length, 2);
        assert.deepEqual(err.results[1], { type: 'error', err: ZkErrorCode.NONODE });
        assert.equal(await zk.exists('/m/b'), null, 'nothing of a failed multi is applied');
        await zk.transaction().create('/m/t', 't').setData('/m/a', 'a2').commit();
        const reads = await zk.multiRead([op.getData('/m/a'), op.getChildren('/m'), op.getData('/m/none')]);
        assert.equal(reads[0]!.type === 'getData' && reads[0]!.data?.toString(), 'a2');
        assert.deepEqual(reads[1]!.type === 'getChildren' && reads[1]!.children.sort(), ['a', 't']);
        assert.deepEqual(reads[2], { type: 'error', err: ZkErrorCode.NONODE });
        await zk.deleteAll('/m');
      });

      await t.test('watches fire once, with the right types, in wire order', async () => {
        const zk = await open();
        const other = await open();
        const events: WatchedEvent[] = [];
        const watcher = (e: WatchedEvent): void => {
          events.push(e);
        };
        assert.equal(await zk.exists('/w', { watch: watcher }), null);
        await other.create('/w', 'x');
        await until('NodeCreated', () => events.length === 1);
        assert.deepEqual(events[0], { type: 'NodeCreated', state: 'SyncConnected', path: '/w' });
        await zk.getData('/w', { watch: watcher });
        await zk.getChildren('/w', { watch: watcher });
        await other.create('/w/c');
        await other.setData('/w', 'y');
        await other.setData('/w', 'z'); // the data watch was one-shot: no second event
        await until('two more events', () => events.length === 3);
        await other.sync('/w');
        await sleep(100);
        assert.deepEqual(events.slice(1).map((e) => e.type).sort(), ['NodeChildrenChanged', 'NodeDataChanged']);
        // A write's watch event is on the wire before its reply, and is delivered first.
        const order: string[] = [];
        await zk.getData('/w', { watch: () => order.push('event') });
        await zk.setData('/w', 'mine').then(() => order.push('reply'));
        await until('event and reply', () => order.length === 2);
        assert.deepEqual(order, ['event', 'reply']);
        // The default watcher: `watch: true` events arrive as 'event'.
        const defaults: WatchedEvent[] = [];
        zk.on('event', (e: WatchedEvent) => defaults.push(e));
        await zk.getData('/w', { watch: true });
        await other.delete('/w/c');
        await other.delete('/w');
        await until('default watcher NodeDeleted', () => defaults.some((e) => e.type === 'NodeDeleted' && e.path === '/w'));
      });

      await t.test('persistent and recursive watches, removeWatches', async () => {
        const zk = await open();
        const other = await open();
        const seen: string[] = [];
        await zk.create('/p', 'x');
        await zk.addWatch('/p', 'persistentRecursive', (e) => seen.push(`${e.type} ${e.path}`));
        await other.create('/p/a', '1');
        await other.setData('/p/a', '2');
        await other.setData('/p', 'y');
        await other.setData('/p', 'z');
        await until('four events', () => seen.length === 4);
        assert.deepEqual(seen, ['NodeCreated /p/a', 'NodeDataChanged /p/a', 'NodeDataChanged /p', 'NodeDataChanged /p']);
        await zk.removeWatches('/p', 'any');
        await until('PersistentWatchRemoved', () => seen.length === 5);
        assert.equal(seen[4], 'PersistentWatchRemoved /p');
        await rejectsWith(zk.removeWatches('/p', 'any'), ZkErrorCode.NOWATCHER);
        await other.setData('/p', 'after');
        await other.sync('/p');
        await sleep(100);
        assert.equal(seen.length, 5, 'no events after removal');
        await zk.deleteAll('/p');
      });

      await t.test('a cut connection: same session on reconnect, ephemerals kept, watches re-registered', async () => {
        const proxy = await startTcpProxy(server.host, server.port);
        try {
          const zk = await open(proxy.connectString, 4000);
          const other = await open();
          const states: string[] = [];
          zk.on('state', (s: string) => states.push(s));
          const sessionId = zk.sessionId;
          await zk.create('/rc', 'v0');
          await zk.create('/rc/eph', 'me', { mode: CreateMode.EPHEMERAL });
          const events: WatchedEvent[] = [];
          await zk.getData('/rc', { watch: (e) => events.push(e) });
          await zk.getChildren('/rc', { watch: (e) => events.push(e) });
          // (on another path: a server keeps one watch per connection and path, so a recursive
          // watch on /rc would take over the child watch there, in ZooKeeper as in the keeper)
          await zk.create('/rcp');
          const persistent: WatchedEvent[] = [];
          await zk.addWatch('/rcp', 'persistentRecursive', (e) => persistent.push(e));

          proxy.pause();
          proxy.cut();
          await until('Disconnected', () => states.includes('Disconnected'));
          const waiting = zk.getData('/rc'); // made while disconnected: waits for the reconnect
          const authed = zk.addAuth('digest', 'bob:pw'); // sent first on the next connection
          await other.addAuth('digest', 'bob:pw');
          await other.create('/rc-bob', 'b', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digest('bob', 'pw') } }] });
          // Changed while this client is away: setWatches with the last zxid seen makes the server tell it.
          await other.setData('/rc', 'changed-while-away');
          proxy.resume();
          await until('SyncConnected again', () => states.lastIndexOf('SyncConnected') > states.indexOf('Disconnected'));
          assert.equal(zk.sessionId, sessionId);
          assert.equal((await waiting).data?.toString(), 'changed-while-away');
          await authed;
          assert.equal((await zk.getData('/rc-bob')).data?.toString(), 'b');
          await zk.delete('/rc-bob');
          await until('missed NodeDataChanged', () => events.some((e) => e.type === 'NodeDataChanged'));
          assert.ok((await other.exists('/rc/eph')) !== null, 'the ephemeral node survived the reconnect');
          await other.create('/rc/new');
          await until('child watch still registered', () => events.some((e) => e.type === 'NodeChildrenChanged'));
          // The persistent watch came back with setWatches2: it saw the missed change and the new node.
          // (ZooKeeper re-adds persistent watches without replaying what they missed; one-shot ones are told.)
          await other.create('/rcp/new');
          await until('persistent watch re-registered', () => persistent.some((e) => e.type === 'NodeCreated' && e.path === '/rcp/new'));
          assert.ok(persistent.some((e) => e.type === 'None' && e.state === 'Disconnected'), 'watchers hear Disconnected');
          // Requests queued while reconnecting are sent once connected.
          proxy.cut();
          const queued = zk.getData('/rc');
          assert.equal((await queued.catch(() => zk.getData('/rc'))).data?.toString(), 'changed-while-away');
          await zk.delete('/rc/eph');
          await zk.deleteAll('/rc');
          await zk.deleteAll('/rcp');
        } finally {
          await proxy.close();
        }
      });

      await t.test('failover: the session moves to the next server of the connect string', async () => {
        const first = await startTcpProxy(server.host, server.port);
        const second = await startTcpProxy(server.host, server.port);
        try {
          const zk = new ZooKeeperClient(`${first.connectString},${second.connectString}`, { sessionTimeoutMs: 4000, shuffleServers: false });
          clients.push(zk);
          await zk.connect();
          assert.equal(zk.currentServer?.port, first.port);
          const sessionId = zk.sessionId;
          await zk.create('/failover', null, { mode: CreateMode.EPHEMERAL });
          first.pause();
          first.cut();
          await until('connected through the second server', () => zk.state === 'SyncConnected' && zk.currentServer?.port === second.port);
          assert.equal(zk.sessionId, sessionId);
          assert.ok((await zk.exists('/failover')) !== null);
          await zk.delete('/failover');
        } finally {
          await first.close();
          await second.close();
        }
      });

      await t.test('expiry: the server drops the session, its ephemerals go, the client is finished', async () => {
        const proxy = await startTcpProxy(server.host, server.port);
        try {
          const zk = await open(proxy.connectString, SESSION_TIMEOUT_MS);
          const other = await open();
          const states: string[] = [];
          zk.on('state', (s: string) => states.push(s));
          const events: WatchedEvent[] = [];
          await zk.create('/exp', 'x', { mode: CreateMode.EPHEMERAL });
          await zk.exists('/exp', { watch: (e) => events.push(e) });
          const deleted: WatchedEvent[] = [];
          await other.exists('/exp', { watch: (e) => deleted.push(e) });
          proxy.pause();
          proxy.cut();
          await until('ephemeral removed by expiry', () => deleted.length === 1, 15_000);
          assert.deepEqual(deleted[0], { type: 'NodeDeleted', state: 'SyncConnected', path: '/exp' });
          proxy.resume();
          await until('Expired', () => states.includes('Expired'), 15_000);
          assert.equal(zk.state, 'Expired');
          assert.ok(events.some((e) => e.state === 'Expired' && e.type === 'None'), 'watchers hear Expired');
          await rejectsWith(zk.getData('/'), ZkErrorCode.SESSIONEXPIRED);
        } finally {
          await proxy.close();
        }
      });

      await t.test('an unknown auth scheme: AUTHFAILED, state AuthFailed, the client is finished', async () => {
        const zk = await open();
        const states: string[] = [];
        zk.on('state', (s: string) => states.push(s));
        await rejectsWith(zk.addAuth('no-such-scheme', 'x'), ZkErrorCode.AUTHFAILED);
        await until('AuthFailed', () => states.includes('AuthFailed'));
        assert.equal(zk.state, 'AuthFailed');
        await rejectsWith(zk.exists('/'), ZkErrorCode.AUTHFAILED);
      });

      await t.test('close removes ephemerals at once and finishes the client', async () => {
        const zk = await open();
        const other = await open();
        await zk.create('/closing', null, { mode: CreateMode.EPHEMERAL });
        const gone: WatchedEvent[] = [];
        await other.exists('/closing', { watch: (e) => gone.push(e) });
        await zk.close();
        assert.equal(zk.state, 'Closed');
        await until('NodeDeleted', () => gone.length === 1);
        await rejectsWith(zk.exists('/'), ZkErrorCode.CONNECTIONLOSS);
      });

      await t.test('large values up to jute.maxbuffer and a chroot', async () => {
        const zk = await open();
        const big = Buffer.alloc(1024 * 1023, 7);
        await zk.create('/big', big);
        const got = await zk.getData('/big');
        assert.equal(got.data?.length, big.length);
        assert.ok(got.data?.equals(big));
        await zk.delete('/big');
        await zk.create('/chroot', null);
        const rooted = await open(`${server.connectString}/chroot`);
        assert.equal(await rooted.create('/a', 'x'), '/a');
        assert.deepEqual(await zk.getChildren('/chroot'), ['a']);
        const evs: WatchedEvent[] = [];
        await rooted.getData('/a', { watch: (e) => evs.push(e) });
        await zk.setData('/chroot/a', 'y');
        await until('chrooted event', () => evs.length === 1);
        assert.equal(evs[0]!.path, '/a');
        await zk.deleteAll('/chroot');
      });
    } finally {
      for (const c of clients) await c.close().catch(() => undefined);
      await server.stop();
    }
  });
}

suite(keeperTarget());
suite(realZooKeeperTarget());
