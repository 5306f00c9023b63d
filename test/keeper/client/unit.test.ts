/** The client's pure parts: connect strings, paths, frames (byte at a time), xids, the watch registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseConnectString, prependChroot, stripChroot, validatePath } from '../../../src/keeper/client/connect-string.js';
import { FrameDecoder, frame } from '../../../src/keeper/client/frame-decoder.js';
import { PendingRequests } from '../../../src/keeper/client/pending-requests.js';
import { WatchRegistry, parentPath, type WatchedEvent } from '../../../src/keeper/client/watch-registry.js';
import { FrameTooLargeError } from '../../../src/util/errors.js';

test('connect strings: servers, default port, chroot', () => {
  assert.deepEqual(parseConnectString('a:1,b,[::1]:3/kafka/x'), {
    servers: [
      { host: 'a', port: 1 },
      { host: 'b', port: 2181 },
      { host: '::1', port: 3 },
    ],
    chroot: '/kafka/x',
  });
  assert.equal(parseConnectString('h:1/').chroot, '');
  assert.throws(() => parseConnectString(''), /no servers/);
  assert.throws(() => parseConnectString('h:0'), /bad server/);
  assert.throws(() => parseConnectString('h:1/a/'), /must not end/);
  assert.equal(prependChroot('/k', '/'), '/k');
  assert.equal(prependChroot('/k', '/a'), '/k/a');
  assert.equal(stripChroot('/k', '/k'), '/');
  assert.equal(stripChroot('/k', '/k/a/b'), '/a/b');
  assert.equal(stripChroot('', '/a'), '/a');
});

test('paths are validated with PathUtils messages', () => {
  validatePath('/');
  validatePath('/a/b.c/..d');
  validatePath('/a/', true);
  assert.throws(() => validatePath('a'), /Path must start with \/ character/);
  assert.throws(() => validatePath('/a/'), /Path must not end with \/ character/);
  assert.throws(() => validatePath('/a//b'), /empty node name specified @3/);
  assert.throws(() => validatePath('/a/../b'), /relative paths not allowed/);
  assert.throws(() => validatePath('/a/./b'), /relative paths not allowed/);
  assert.throws(() => validatePath(''), /Path length must be > 0/);
});

test('frames split correctly when fed one byte at a time, and oversized ones are refused before allocation', () => {
  const bodies = [Buffer.from('hello'), Buffer.alloc(0), Buffer.from('x'.repeat(300))];
  const stream = Buffer.concat(bodies.map(frame));
  const dec = new FrameDecoder(1000);
  const got: Buffer[] = [];
  for (const b of stream) got.push(...dec.push(Buffer.from([b])));
  assert.deepEqual(got.map((b) => b.toString()), bodies.map((b) => b.toString()));
  const whole = new FrameDecoder(1000).push(stream);
  assert.equal(whole.length, 3);
  const big = Buffer.alloc(4);
  big.writeInt32BE(1001);
  assert.throws(() => new FrameDecoder(1000).push(big), FrameTooLargeError);
  const neg = Buffer.alloc(4);
  neg.writeInt32BE(-5);
  assert.throws(() => new FrameDecoder(1000).push(neg), /negative/);
});

test('replies must answer the oldest request (xid order)', () => {
  const p = new PendingRequests<string>();
  const a = p.allocateXid();
  const b = p.allocateXid();
  assert.ok(b > a);
  p.push({ xid: a, opCode: 4, path: '/a', value: 'a' });
  p.push({ xid: b, opCode: 4, path: '/b', value: 'b' });
  assert.throws(() => p.complete(b), /xid out of order/);
  assert.equal(p.complete(a).value, 'a');
  assert.equal(p.size, 1);
  assert.deepEqual(p.drain().map((e) => e.value), ['b']);
  assert.equal(p.size, 0);
  assert.throws(() => p.complete(99), /no request is outstanding/);
});

test('watch registry: one-shot watches fire once, persistent ones stay, recursive ones see descendants', () => {
  const reg = new WatchRegistry();
  const fired: string[] = [];
  const w = (name: string) => (e: WatchedEvent) => fired.push(`${name}:${e.type}:${e.path}`);
  const data = w('data');
  const child = w('child');
  const exist = w('exist');
  const pers = w('pers');
  const rec = w('rec');
  reg.add('data', '/a', data);
  reg.add('child', '/a', child);
  reg.add('exist', '/b', exist);
  reg.add('persistent', '/a', pers);
  reg.add('persistentRecursive', '/', rec);
  const ev = (type: WatchedEvent['type'], path: string): WatchedEvent => ({ type, state: 'SyncConnected', path });

  assert.deepEqual(reg.materialize(ev('NodeDataChanged', '/a')), [data, pers, rec]);
  assert.deepEqual(reg.materialize(ev('NodeDataChanged', '/a')), [pers, rec], 'the data watch was one-shot');
  assert.deepEqual(reg.materialize(ev('NodeChildrenChanged', '/a')), [child, pers], 'recursive watches skip child events');
  assert.deepEqual(reg.materialize(ev('NodeCreated', '/b')), [exist, rec]);
  assert.deepEqual(reg.materialize(ev('NodeDeleted', '/x/y')), [rec]);
  assert.deepEqual(reg.watchSet(), { dataWatches: [], existWatches: [], childWatches: [], persistentWatches: ['/a'], persistentRecursiveWatches: ['/'] });
  assert.equal(reg.hasAny('/a', 'data'), true);
  const removed = reg.remove('/a', 'any');
  assert.deepEqual(removed.map((r) => r.type), ['PersistentWatchRemoved']);
  assert.equal(reg.hasAny('/a', 'any'), false);
  assert.equal(reg.clearAll().length, 1);
  assert.equal(reg.size, 0);
  assert.equal(fired.length, 0, 'materialize only selects; the client calls the watchers');
  assert.equal(parentPath('/a/b'), '/a');
  assert.equal(parentPath('/a'), '/');
  assert.equal(parentPath('/'), null);
});

test('frames survive any chunking (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (bodies, cuts) => {
      const stream = Buffer.concat(bodies.map((b) => frame(Buffer.from(b))));
      const dec = new FrameDecoder(64);
      const got: Buffer[] = [];
      let at = 0;
      for (let i = 0; at < stream.length; i++) {
        const n = cuts[i % cuts.length]!;
        got.push(...dec.push(stream.subarray(at, at + n)));
        at += n;
      }
      assert.deepEqual(got.map((b) => b.toString('hex')), bodies.map((b) => Buffer.from(b).toString('hex')));
    }),
    { numRuns: 200 },
  );
});

test('a ConnectResponse without the readOnly byte (servers before 3.4) still connects', async () => {
  const { createServer } = await import('node:net');
  const { Writer } = await import('../../../src/util/bytes.js');
  const { encodeConnectResponse } = await import('../../../src/jute/index.js');
  const { ZooKeeperClient } = await import('../../../src/keeper/client/index.js');
  const server = createServer((sock) => {
    sock.once('data', () => {
      const w = new Writer();
      encodeConnectResponse(w, { protocolVersion: 0, timeOut: 4000, sessionId: 0x1234n, passwd: Buffer.alloc(16, 1), readOnly: false });
      sock.write(frame(w.finish().subarray(0, w.offset - 1)));
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const zk = new ZooKeeperClient(`127.0.0.1:${port}`, { sessionTimeoutMs: 4000 });
  try {
    await zk.connect();
    assert.equal(zk.sessionId, 0x1234n);
    assert.equal(zk.negotiatedTimeoutMs, 4000);
  } finally {
    await zk.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

test('replies and watch events are delivered in wire order (scripted server)', async () => {
  const { createServer } = await import('node:net');
  const { Writer, Reader } = await import('../../../src/util/bytes.js');
  const J = await import('../../../src/jute/index.js');
  const { ZooKeeperClient } = await import('../../../src/keeper/client/index.js');
  const stat = { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0, pzxid: 1n };
  const server = createServer((sock) => {
    const dec = new FrameDecoder(1 << 20);
    let connected = false;
    const xids: number[] = [];
    sock.on('data', (chunk) => {
      for (const f of dec.push(chunk)) {
        if (!connected) {
          connected = true;
          const w = new Writer();
          J.encodeConnectResponse(w, { protocolVersion: 0, timeOut: 6000, sessionId: 7n, passwd: Buffer.alloc(16), readOnly: false });
          sock.write(frame(Buffer.from(w.finish())));
          continue;
        }
        const h = J.decodeRequestHeader(new Reader(f));
        if (h.type !== J.OpCode.getData) continue;
        xids.push(h.xid);
        if (xids.length < 2) continue;
        // One write: reply 1, a watch event, reply 2.
        const out: Buffer[] = [];
        const reply = (xid: number, zxid: bigint): void => {
          const w = new Writer();
          J.encodeReplyHeader(w, { xid, zxid, err: 0 });
          J.encodeGetDataResponse(w, { data: Buffer.from('x'), stat });
          out.push(frame(Buffer.from(w.finish())));
        };
        reply(xids[0]!, 5n);
        const ev = new Writer();
        J.encodeReplyHeader(ev, { xid: -1, zxid: -1n, err: 0 });
        J.encodeWatcherEvent(ev, { type: J.EventType.NodeDataChanged, state: J.KeeperState.SyncConnected, path: '/a' });
        out.push(frame(Buffer.from(ev.finish())));
        reply(xids[1]!, 6n);
        sock.write(Buffer.concat(out));
      }
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const zk = new ZooKeeperClient(`127.0.0.1:${port}`);
  const order: string[] = [];
  try {
    await zk.connect();
    const first = zk.getData('/a', { watch: () => order.push('event /a') }).then(() => order.push('reply 1'));
    const second = zk.getData('/b').then(() => order.push('reply 2'));
    await Promise.all([first, second]);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(order, ['reply 1', 'event /a', 'reply 2']);
    assert.equal(zk.lastZxidSeen, 6n);
  } finally {
    zk.removeAllListeners();
    await zk.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
