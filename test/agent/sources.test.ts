/**
 * The exec, netcat and spooldir sources, interceptors and channel selectors, each into memory
 * channels read directly (no sink): what events come out, with which headers, on which channel.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NetcatSource } from '../../src/agent/sources/netcat-source.js';
import { tempDir } from '../helpers/paths.js';
import { agentFrom, collect, drain, waitFor } from './helpers.js';

const memory = (name: string): string[] => [`a1.channels.${name}.type = memory`, `a1.channels.${name}.capacity = 10000`, `a1.channels.${name}.transactionCapacity = 1000`];

test('exec: each stdout line is an event; restart re-runs the command after restartThrottle', async () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1',
    'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1',
    'a1.sources.r1.shell = /bin/sh -c',
    "a1.sources.r1.command = for i in 1 2 3 4 5; do echo exec-$i; done",
    'a1.sources.r1.restart = true', 'a1.sources.r1.restartThrottle = 50', 'a1.sources.r1.batchSize = 2',
    ...memory('c1'),
  ]);
  await agent.start();
  try {
    const events = await collect(agent.channels.get('c1')!, 10);
    assert.deepEqual(events.slice(0, 10).map((e) => e.body.toString()), ['exec-1', 'exec-2', 'exec-3', 'exec-4', 'exec-5', 'exec-1', 'exec-2', 'exec-3', 'exec-4', 'exec-5']);
    assert.ok(Number(agent.counters.snapshot()['SOURCE.r1']!.AppendBatchAcceptedCount) >= 6, 'batches of 2 (and the remainder)');
  } finally {
    await agent.stop();
  }
});

test('netcat: one event per line, OK after the commit, over-long lines refused', async () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.channels = c1',
    'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0', 'a1.sources.r1.max-line-length = 16',
    ...memory('c1'),
  ]);
  await agent.start();
  try {
    const port = (agent.sources[0] as NetcatSource).port;
    const socket = connect(port, '127.0.0.1');
    let replies = '';
    socket.on('data', (d) => (replies += d.toString()));
    socket.write('hello\nworld\r\n');
    socket.write(`${'x'.repeat(40)}\nlast`);
    socket.write('\n');
    assert.ok(await waitFor(() => replies.split('\n').length > 4, 5000), replies);
    socket.destroy();
    assert.deepEqual(replies.split('\n').slice(0, 4), ['OK', 'OK', 'FAILED: Event exceeds the maximum length (16 chars, including newline)', 'OK']);
    const events = await collect(agent.channels.get('c1')!, 3);
    assert.deepEqual(events.map((e) => e.body.toString()), ['hello', 'world', 'last']);
  } finally {
    await agent.stop();
  }
});

test('spooldir: whole files in order, last line without newline, renamed .COMPLETED, headers', async () => {
  const tmp = tempDir();
  const spool = join(tmp.path, 'spool');
  mkdirSync(spool);
  writeFileSync(join(spool, 'a.log'), 'a1\na2\na3\n');
  writeFileSync(join(spool, 'b.log'), 'b1\nb2');
  writeFileSync(join(spool, 'skip.tmp'), 'never\n');
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1',
    'a1.sources.r1.type = spooldir', 'a1.sources.r1.channels = c1',
    `a1.sources.r1.spoolDir = ${spool}`, 'a1.sources.r1.ignorePattern = ^.*\\.tmp$',
    'a1.sources.r1.basenameHeader = true', 'a1.sources.r1.pollDelay = 20',
    ...memory('c1'),
  ]);
  await agent.start();
  try {
    const events = await collect(agent.channels.get('c1')!, 5);
    assert.deepEqual(events.map((e) => e.body.toString()).sort(), ['a1', 'a2', 'a3', 'b1', 'b2']);
    assert.deepEqual(events.filter((e) => e.headers.basename === 'a.log').map((e) => e.body.toString()), ['a1', 'a2', 'a3']);
    assert.ok(await waitFor(() => existsSync(join(spool, 'b.log.COMPLETED')), 5000));
    assert.deepEqual(readdirSync(spool).filter((f) => !f.startsWith('.')).sort(), ['a.log.COMPLETED', 'b.log.COMPLETED', 'skip.tmp']);
  } finally {
    await agent.stop();
    tmp.cleanup();
  }
});

test('spooldir: a file whose .COMPLETED name is taken is delivered once, reported, and not re-read', async () => {
  const tmp = tempDir();
  const spool = join(tmp.path, 'spool');
  mkdirSync(spool);
  writeFileSync(join(spool, 'a.log'), 'x1\nx2\n');
  writeFileSync(join(spool, 'a.log.COMPLETED'), 'an older file of the same name\n');
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1',
    'a1.sources.r1.type = spooldir', 'a1.sources.r1.channels = c1', `a1.sources.r1.spoolDir = ${spool}`,
    'a1.sources.r1.pollDelay = 20', 'a1.sources.r1.maxBackoff = 20',
    ...memory('c1'),
  ]);
  await agent.start();
  try {
    assert.deepEqual((await collect(agent.channels.get('c1')!, 2)).map((e) => e.body.toString()), ['x1', 'x2']);
    await new Promise((r) => setTimeout(r, 300)); // several polls
    assert.deepEqual(await drain(agent.channels.get('c1')!), [], 'not sent again');
    const m = agent.counters.snapshot()['SOURCE.r1']!;
    assert.equal(m.EventAcceptedCount, '2');
    assert.equal(m.GenericProcessingFail, '1', 'the rename failure is counted once');
  } finally {
    await agent.stop();
    tmp.cleanup();
  }
});

test('multiplexing selector routes by header; regex_filter and host interceptors', async () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1 c2 c3',
    'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1 c2 c3',
    'a1.sources.r1.shell = /bin/sh -c',
    "a1.sources.r1.command = printf 'ERROR one\\nINFO two\\nDEBUG three\\nERROR four\\nWARN five\\n'",
    'a1.sources.r1.batchSize = 100', 'a1.sources.r1.batchTimeout = 20',
    'a1.sources.r1.interceptors = drop level host',
    'a1.sources.r1.interceptors.drop.type = regex_filter',
    'a1.sources.r1.interceptors.drop.regex = ^DEBUG', 'a1.sources.r1.interceptors.drop.excludeEvents = true',
    'a1.sources.r1.interceptors.level.type = static', 'a1.sources.r1.interceptors.level.key = state', 'a1.sources.r1.interceptors.level.value = CZ',
    'a1.sources.r1.interceptors.host.type = host', 'a1.sources.r1.interceptors.host.hostHeader = agent-host',
    'a1.sources.r1.selector.type = multiplexing', 'a1.sources.r1.selector.header = state',
    'a1.sources.r1.selector.mapping.CZ = c1', 'a1.sources.r1.selector.mapping.US = c2',
    'a1.sources.r1.selector.optional.CZ = c3', 'a1.sources.r1.selector.default = c2',
    ...memory('c1'), ...memory('c2'), ...memory('c3'),
  ]);
  await agent.start();
  try {
    const c1 = await collect(agent.channels.get('c1')!, 4);
    assert.deepEqual(c1.map((e) => e.body.toString()), ['ERROR one', 'INFO two', 'ERROR four', 'WARN five'], 'DEBUG dropped by regex_filter');
    assert.ok(c1.every((e) => e.headers.state === 'CZ' && /^\d+\.\d+\.\d+\.\d+$/.test(e.headers['agent-host'] ?? '')));
    assert.equal((await collect(agent.channels.get('c3')!, 4)).length, 4, 'the optional channel gets them too');
    assert.equal((await drain(agent.channels.get('c2')!)).length, 0, 'nothing for the US mapping or the default');
  } finally {
    await agent.stop();
  }
});
