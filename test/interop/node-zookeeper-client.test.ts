/**
 * node-zookeeper-client (npm, always runs) against the keeper: CRUD with its error codes,
 * sequential and ephemeral nodes, a transaction, digest ACLs, and one-shot watches (data, child,
 * exists) firing once each, including for a node deleted when its owner's session closes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startKeeper } from '../../src/keeper/index.js';
import { tempDir } from '../helpers/paths.js';

// node-zookeeper-client ships no type declarations.
const zookeeper: any = createRequire(import.meta.url)('node-zookeeper-client');

interface Event {
  type: number;
  name: string;
  path: string;
}

function call<T>(fn: (cb: (err: Error | null, ...rest: any[]) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, ...rest) => (err ? reject(err) : resolve(rest as unknown as T))));
}

function connect(connectString: string): Promise<any> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 10_000, retries: 0 });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node-zookeeper-client did not connect')), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function code(err: unknown): number {
  return (err as { code: number }).code;
}

test('node-zookeeper-client: CRUD, transaction, ACLs and watches against the keeper', { timeout: 60_000 }, async () => {
  const dir = tempDir('gregor-nzc-');
  const keeper = await startKeeper({ clientPort: 0, clientPortAddress: '127.0.0.1', dataDir: dir.path, tickTime: 500 });
  const a = await connect(keeper.connectString);
  const b = await connect(keeper.connectString);
  try {
    const E = zookeeper.Exception;
    const [created] = await call<[string]>((cb) => a.create('/nzc', Buffer.from('root'), cb));
    assert.equal(created, '/nzc');
    await assert.rejects(call((cb) => a.create('/nzc', Buffer.from('x'), cb)), (e) => code(e) === E.NODE_EXISTS);
    await assert.rejects(call((cb) => a.getData('/nope', cb)), (e) => code(e) === E.NO_NODE);
    const [data, stat] = await call<[Buffer, any]>((cb) => a.getData('/nzc', cb));
    assert.equal(data.toString(), 'root');
    assert.equal(stat.version, 0);
    await call((cb) => a.setData('/nzc', Buffer.from('v1'), 0, cb));
    await assert.rejects(call((cb) => a.setData('/nzc', Buffer.from('v2'), 0, cb)), (e) => code(e) === E.BAD_VERSION);
    const [seq] = await call<[string]>((cb) => a.create('/nzc/s-', Buffer.alloc(0), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL, cb));
    assert.match(seq, /^\/nzc\/s-\d{10}$/);
    await call((cb) => a.create('/nzc/eph', Buffer.from('e'), zookeeper.CreateMode.EPHEMERAL, cb));
    const [children] = await call<[string[]]>((cb) => b.getChildren('/nzc', cb));
    assert.deepEqual(children.sort(), ['eph', seq.slice(5)].sort());
    const [exists] = await call<[any]>((cb) => b.exists('/nzc/none', cb));
    assert.equal(exists, null);

    // A transaction is all or nothing.
    const [results] = await call<[any[]]>((cb) => a.transaction().create('/nzc/t1').setData('/nzc', Buffer.from('t'), -1).check('/nzc', 2).commit(cb));
    assert.equal(results.length, 3);
    await assert.rejects(call((cb) => a.transaction().create('/nzc/t2').remove('/nzc/absent').commit(cb)));
    assert.equal((await call<[any]>((cb) => b.exists('/nzc/t2', cb)))[0], null);

    // Digest ACL.
    const acl = [new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id('digest', 'u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ='))];
    await call((cb) => a.create('/nzc/private', Buffer.from('p'), acl, zookeeper.CreateMode.PERSISTENT, cb));
    await assert.rejects(call((cb) => b.getData('/nzc/private', cb)), (e) => code(e) === E.NO_AUTH);
    b.addAuthInfo('digest', Buffer.from('u:p'));
    assert.equal((await call<[Buffer]>((cb) => b.getData('/nzc/private', cb)))[0].toString(), 'p');

    // Watches: each fires once.
    const events: Event[] = [];
    const watcher = (e: Event): void => {
      events.push(e);
    };
    await call((cb) => b.getData('/nzc', watcher, cb));
    await call((cb) => b.getChildren('/nzc', watcher, cb));
    await call((cb) => b.exists('/nzc/later', watcher, cb));
    await call((cb) => b.exists('/nzc/eph', watcher, cb));
    await call((cb) => a.setData('/nzc', Buffer.from('w1'), -1, cb));
    await call((cb) => a.setData('/nzc', Buffer.from('w2'), -1, cb));
    await call((cb) => a.create('/nzc/later', cb));
    await until('three events', () => events.length >= 3);
    a.close(); // its ephemeral /nzc/eph goes with the session
    await until('NodeDeleted for the ephemeral', () => events.some((e) => e.path === '/nzc/eph'));
    await call((cb) => b.getData('/nzc', cb)); // a round trip after the last event
    await new Promise((r) => setTimeout(r, 100));
    const seen = events.map((e) => `${e.name} ${e.path}`).sort();
    assert.deepEqual(seen, ['NODE_CHILDREN_CHANGED /nzc', 'NODE_CREATED /nzc/later', 'NODE_DATA_CHANGED /nzc', 'NODE_DELETED /nzc/eph'].sort());
  } finally {
    a.close();
    b.close();
    await keeper.close();
    dir.cleanup();
  }
});
