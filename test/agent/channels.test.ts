/**
 * Channel transaction semantics (Flume's): capacity and transactionCapacity, ChannelFullException
 * after keep-alive, rollback returning taken events to the head in order; the file channel's
 * replay after a restart, after a torn tail, and its data files released once consumed.
 */
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Channel } from '../../src/agent/channels/channel.js';
import { FileChannel, type FileChannelConfig } from '../../src/agent/channels/file/file-channel.js';
import { MemoryChannel, memoryChannelConfig } from '../../src/agent/channels/memory-channel.js';
import { Context } from '../../src/agent/config/context.js';
import { ChannelException, ChannelFullException } from '../../src/agent/errors.js';
import { tempDir } from '../helpers/paths.js';

const ev = (s: string) => ({ headers: { n: s }, body: Buffer.from(s) });

async function putAll(c: Channel, bodies: string[]): Promise<void> {
  const tx = c.transaction();
  for (const b of bodies) tx.put(ev(b));
  await tx.commit();
}

async function takeAll(c: Channel, max: number, commit = true): Promise<string[]> {
  const tx = c.transaction();
  const out: string[] = [];
  for (let i = 0; i < max; i++) {
    const e = tx.take();
    if (e === null) break;
    out.push(e.body.toString());
  }
  if (commit) await tx.commit();
  else await tx.rollback();
  return out;
}

function fileConfig(dir: string, over: Partial<FileChannelConfig> = {}): FileChannelConfig {
  return {
    checkpointDir: join(dir, 'checkpoint'), dataDirs: [join(dir, 'data1'), join(dir, 'data2')], capacity: 1000, transactionCapacity: 100,
    maxFileBytes: 1 << 20, keepAliveMs: 0, fsyncPerTransaction: true, minimumRequiredSpaceBytes: 0, ...over,
  };
}

for (const kind of ['memory', 'file'] as const) {
  test(`${kind} channel: capacity, transactionCapacity, keep-alive and rollback order`, async () => {
    const tmp = tempDir();
    const c: Channel = kind === 'memory'
      ? new MemoryChannel('c1', { capacity: 5, transactionCapacity: 3, keepAliveMs: 50, byteCapacity: 1 << 20 })
      : new FileChannel('c1', fileConfig(tmp.path, { capacity: 5, transactionCapacity: 3, keepAliveMs: 50 }));
    await c.start();
    try {
      const tx = c.transaction();
      tx.put(ev('a')); tx.put(ev('b')); tx.put(ev('c'));
      assert.throws(() => tx.put(ev('d')), ChannelException, 'a put beyond transactionCapacity');
      await tx.commit();
      await putAll(c, ['d', 'e']);
      assert.equal(c.size(), 5);
      await assert.rejects(putAll(c, ['f']), ChannelFullException, 'no room after keep-alive');
      // Taken-but-uncommitted events still hold their slots.
      const taker = c.transaction();
      assert.equal(taker.take()!.body.toString(), 'a');
      assert.equal(taker.take()!.body.toString(), 'b');
      await assert.rejects(putAll(c, ['f']), ChannelFullException);
      await taker.rollback();
      assert.deepEqual(await takeAll(c, 3, false), ['a', 'b', 'c'], 'rolled back events come first, in order');
      assert.deepEqual(await takeAll(c, 3), ['a', 'b', 'c']);
      // A commit waiting in keep-alive gets the room a concurrent take frees.
      await putAll(c, ['f', 'g', 'h']);
      const waiting = putAll(c, ['i']);
      assert.deepEqual(await takeAll(c, 1), ['d']);
      await waiting;
      assert.deepEqual(await takeAll(c, 3), ['e', 'f', 'g']);
      assert.deepEqual(await takeAll(c, 3), ['h', 'i']);
      const m = c.counter.attributes();
      assert.equal(m.EventPutSuccessCount, '9');
      assert.equal(m.EventTakeSuccessCount, '9');
      assert.equal(m.ChannelSize, '0');
      assert.equal(m.ChannelCapacity, '5');
      assert.equal(m.ChannelFillPercentage, '0.0');
    } finally {
      await c.stop();
      tmp.cleanup();
    }
  });
}

test('memory channel: byteCapacity bounds the bodies held (with byteCapacityBufferPercentage headroom)', async () => {
  const cfg = memoryChannelConfig(new Context('a1.channels.c1.', new Map([['byteCapacity', '1000'], ['keep-alive', '0']])));
  assert.equal(cfg.byteCapacity, 800, '20% kept for headers');
  const c = new MemoryChannel('c1', cfg);
  await c.start();
  const tx = c.transaction();
  tx.put({ headers: {}, body: Buffer.alloc(500) });
  await tx.commit();
  const big = c.transaction();
  big.put({ headers: {}, body: Buffer.alloc(400) });
  await assert.rejects(big.commit(), /Byte capacity allocated to store event body 800 reached/);
  await big.rollback();
  assert.equal((await takeAll(c, 5)).length, 1);
  await putAll(c, ['x'.repeat(700)]); // the taken bytes are free again
  await c.stop();
});

test('file channel: a restart replays what was put and not taken, uncommitted takes included', async () => {
  const tmp = tempDir();
  try {
    const c1 = new FileChannel('c1', fileConfig(tmp.path));
    await c1.start();
    await putAll(c1, ['1', '2', '3', '4', '5']);
    assert.deepEqual(await takeAll(c1, 2), ['1', '2']);
    const open = c1.transaction();
    assert.equal(open.take()!.body.toString(), '3'); // taken, never committed: "crash" now
    await c1.stop();

    const c2 = new FileChannel('c1', fileConfig(tmp.path));
    await c2.start();
    assert.equal(c2.replayedEvents, 3);
    const tx = c2.transaction();
    const e = tx.take()!;
    assert.deepEqual([e.body.toString(), e.headers.n], ['3', '3'], 'headers survive');
    await tx.rollback();
    assert.deepEqual(await takeAll(c2, 10), ['3', '4', '5']);
    await c2.stop();
  } finally {
    tmp.cleanup();
  }
});

test('file channel: a torn last record is dropped (never half a transaction); consumed files are deleted', async () => {
  const tmp = tempDir();
  try {
    const cfg = fileConfig(tmp.path, { maxFileBytes: 1024, dataDirs: [join(tmp.path, 'data')] });
    const c1 = new FileChannel('c1', cfg);
    await c1.start();
    for (let i = 0; i < 40; i++) await putAll(c1, [`event-${i}-${'x'.repeat(100)}`]);
    const files = readdirSync(join(tmp.path, 'data')).filter((f) => f.startsWith('log-'));
    assert.ok(files.length > 3, `rolled into several files (${files.join()})`);
    await c1.stop();
    // A crash in the middle of writing the next transaction: a partial record at the end.
    const last = files.map((f) => Number(f.slice(4))).sort((a, b) => a - b).at(-1)!;
    const lastPath = join(tmp.path, 'data', `log-${last}`);
    const before = statSync(lastPath).size;
    appendFileSync(lastPath, Buffer.from([0, 0, 0, 200, 1, 2, 3, 4, 1, 0, 0]));
    const c2 = new FileChannel('c1', cfg);
    await c2.start();
    assert.equal(c2.replayedEvents, 40);
    assert.equal(statSync(lastPath).size, before, 'the torn tail was truncated away');
    const taken: string[] = [];
    for (let i = 0; i < 4; i++) taken.push(...(await takeAll(c2, 10)));
    assert.equal(taken.length, 40);
    assert.ok(taken.every((t, i) => t.startsWith(`event-${i}-`)), 'in put order');
    await putAll(c2, ['after']); // a new file beyond the consumed ones
    const left = readdirSync(join(tmp.path, 'data')).filter((f) => f.startsWith('log-'));
    assert.ok(left.length <= 2, `files whose events are all taken are deleted (left: ${left.join()})`);
    await c2.stop();
    const c3 = new FileChannel('c1', cfg);
    await c3.start();
    assert.deepEqual(await takeAll(c3, 10), ['after']);
    await c3.stop();
  } finally {
    tmp.cleanup();
  }
});

test('file channel: a second agent on the same directories is refused while the first runs', async () => {
  const tmp = tempDir();
  try {
    const c1 = new FileChannel('c1', fileConfig(tmp.path));
    await c1.start();
    // Simulate another live process holding the lock: our parent's pid.
    writeFileSync(join(tmp.path, 'checkpoint', 'in_use.lock'), `${process.ppid}\n`);
    const c2 = new FileChannel('c1', fileConfig(tmp.path));
    await assert.rejects(c2.start(), /already locked by process/);
    await c1.stop();
  } finally {
    tmp.cleanup();
  }
});

test('file channel: events are read back from the data files (interleaved puts and takes, rolled files, headers)', async () => {
  const tmp = tempDir();
  try {
    const c = new FileChannel('c1', fileConfig(tmp.path, { maxFileBytes: 4096 }));
    await c.start();
    const model: string[] = []; // what the channel should hold, in order
    for (let i = 0; i < 300; i++) {
      const f = `f${i}-${'y'.repeat(i % 50)}`;
      await putAll(c, [`e${i}`, f]);
      model.push(`e${i}`, f);
      const tx = c.transaction();
      const a = tx.take()!;
      assert.equal(a.body.toString(), model.shift());
      assert.equal(a.headers.n, a.body.toString());
      await tx.commit();
      if (i % 3 === 0) assert.deepEqual(await takeAll(c, 3), model.splice(0, 3));
    }
    assert.deepEqual(await takeAll(c, 1000), model);
    await c.stop();
  } finally {
    tmp.cleanup();
  }
});
