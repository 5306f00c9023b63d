/**
 * TAILDIR on its own (memory channel, read directly): skipToEnd, byteOffsetHeader and group
 * headers, a rename within the pattern keeping its position, idle files closed and reopened,
 * a restart honouring the position file, and the position file's format (big inodes kept).
 */
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readlinkSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatPositions, readPositionFile } from '../../src/agent/sources/taildir/position-file.js';
import type { TaildirSource } from '../../src/agent/sources/taildir/taildir-source.js';
import { tempDir } from '../helpers/paths.js';
import { agentFrom, collect, waitFor } from './helpers.js';

/** Paths this process holds open (Linux). */
function openFiles(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      out.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

const conf = (dir: string, extra: string[] = []): string[] => [
  'a1.sources = r1', 'a1.channels = c1',
  'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1',
  'a1.sources.r1.filegroups = g1', `a1.sources.r1.filegroups.g1 = ${dir}/app\\.log.*`,
  'a1.sources.r1.headers.g1.service = billing',
  `a1.sources.r1.positionFile = ${dir}/pos.json`, 'a1.sources.r1.pollDelay = 20', 'a1.sources.r1.writePosInterval = 50',
  'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = 10000', 'a1.channels.c1.transactionCapacity = 1000',
  ...extra,
];

test('skipToEnd, byteOffsetHeader and file group headers', async () => {
  const tmp = tempDir();
  const app = join(tmp.path, 'app.log');
  writeFileSync(app, 'old-1\nold-2\n');
  const agent = agentFrom(conf(tmp.path, ['a1.sources.r1.skipToEnd = true', 'a1.sources.r1.byteOffsetHeader = true']));
  await agent.start();
  try {
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(app, 'new-1\nnew-2\n');
    const events = await collect(agent.channels.get('c1')!, 2);
    assert.deepEqual(events.map((e) => e.body.toString()), ['new-1', 'new-2'], 'lines before the start are skipped');
    assert.deepEqual(events.map((e) => e.headers.byteoffset), ['12', '18']);
    assert.ok(events.every((e) => e.headers.service === 'billing'));
  } finally {
    await agent.stop();
    tmp.cleanup();
  }
});

test('rename within the pattern keeps the position; idle files close and reopen; restart resumes from the position file', async () => {
  const tmp = tempDir();
  const app = join(tmp.path, 'app.log');
  writeFileSync(app, 'a\nb\n');
  let agent = agentFrom(conf(tmp.path, ['a1.sources.r1.idleTimeout = 50']));
  await agent.start();
  try {
    assert.deepEqual((await collect(agent.channels.get('c1')!, 2)).map((e) => e.body.toString()), ['a', 'b']);
    renameSync(app, `${app}.1`); // still matches app\.log.*: same inode, same position
    appendFileSync(`${app}.1`, 'c\n');
    writeFileSync(app, 'new\n');
    const got = (await collect(agent.channels.get('c1')!, 2)).map((e) => e.body.toString()).sort();
    assert.deepEqual(got, ['c', 'new'], 'nothing re-read from the renamed file');
    // Idle: after idleTimeout with no growth the descriptor is closed; growth reopens it.
    if (existsSync('/proc/self/fd')) {
      assert.ok(await waitFor(() => !openFiles().includes(app), 5000), 'the idle file was closed');
    }
    appendFileSync(app, 'after-idle\n');
    assert.deepEqual((await collect(agent.channels.get('c1')!, 1)).map((e) => e.body.toString()), ['after-idle']);
    await agent.stop();

    const positions = readPositionFile(join(tmp.path, 'pos.json'));
    assert.deepEqual(positions.map((p) => [p.file, p.pos]).sort(), [[app, 15], [`${app}.1`, 6]]);
    assert.equal(positions.find((p) => p.file === app)!.inode, statSync(app, { bigint: true }).ino);
    // Written while stopped; a restart reads only what is new.
    appendFileSync(app, 'while-down\n');
    appendFileSync(`${app}.1`, 'late\n');
    agent = agentFrom(conf(tmp.path));
    await agent.start();
    const after = (await collect(agent.channels.get('c1')!, 2)).map((e) => e.body.toString()).sort();
    assert.deepEqual(after, ['late', 'while-down']);
    assert.ok((agent.sources[0] as TaildirSource).positions().length === 2);
  } finally {
    await agent.stop();
    tmp.cleanup();
  }
});

test("position file: Flume's JSON, inodes beyond 2^53 kept exactly, junk entries skipped", () => {
  const tmp = tempDir();
  try {
    const big = 18446744073709551557n;
    const text = formatPositions([{ inode: big, pos: 42, file: '/var/log/a "quoted".log' }]);
    assert.equal(text, '[{"inode":18446744073709551557,"pos":42,"file":"/var/log/a \\"quoted\\".log"}]');
    const path = join(tmp.path, 'sub', 'p.json');
    mkdirSync(join(tmp.path, 'sub'));
    writeFileSync(path, text.replace(']', ',{"inode":"x","pos":1,"file":"/y"},{"pos":-1}]'));
    assert.deepEqual(readPositionFile(path), [{ inode: big, pos: 42, file: '/var/log/a "quoted".log' }]);
    assert.deepEqual(readPositionFile(join(tmp.path, 'missing.json')), []);
    assert.ok(readFileSync(path, 'utf8').length > 0);
  } finally {
    tmp.cleanup();
  }
});

test('maxBatchCount takes turns between busy files; the replicating selector fills every channel', async () => {
  const tmp = tempDir();
  let a = '';
  let b = '';
  for (let i = 0; i < 100; i++) {
    a += `a-${i}\n`;
    b += `b-${i}\n`;
  }
  writeFileSync(join(tmp.path, 'app.log.a'), a);
  writeFileSync(join(tmp.path, 'app.log.b'), b);
  const agent = agentFrom([
    ...conf(tmp.path, ['a1.sources.r1.batchSize = 10', 'a1.sources.r1.maxBatchCount = 1', 'a1.sources.r1.channels = c1 c2']),
    'a1.channels = c1 c2', 'a1.channels.c2.type = memory', 'a1.channels.c2.capacity = 10000', 'a1.channels.c2.transactionCapacity = 1000',
  ]);
  await agent.start();
  try {
    const events = (await collect(agent.channels.get('c1')!, 200)).map((e) => e.body.toString());
    assert.equal(events.length, 200);
    // With one batch per file per round, the first 40 events hold 20 of each file.
    const first = events.slice(0, 40);
    assert.equal(first.filter((e) => e.startsWith('a-')).length, 20, first.join(' '));
    assert.deepEqual((await collect(agent.channels.get('c2')!, 200)).map((e) => e.body.toString()), events, 'c2 got the same events');
  } finally {
    await agent.stop();
    tmp.cleanup();
  }
});
