/**
 * kcat (librdkafka) against an embedded keeper + broker: metadata (-L), 100k keyed messages
 * with headers produced and consumed back identical and in per-partition order, and starting
 * at an offset and at a timestamp (-o s@<ts>).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { interopTool } from '../helpers/interop.js';
import { runProcess, testCluster } from '../broker/helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
let cluster: EmbeddedCluster;

before(async () => {
  if (kcat.available) cluster = await testCluster({ brokerConfig: { 'num.partitions': 4 } });
});
after(async () => {
  await cluster?.stop();
});

function kcatRun(args: string[], input?: string) {
  return runProcess('kcat', ['-b', cluster.bootstrapServers, ...args], { input, timeoutMs: 90_000 });
}

test('kcat -L lists the broker and topics', { skip: kcat.skip }, async () => {
  const r = await kcatRun(['-L', '-t', 'listed']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 brokers:/);
  assert.match(r.stdout, new RegExp(`broker 0 at ${cluster.bootstrapServers} \\(controller\\)`));
  assert.match(r.stdout, /topic "listed" with 4 partitions/);
  assert.match(r.stdout, /partition 0, leader 0, replicas: 0, isrs: 0/);
});

test('100k keyed messages with headers come back identical, in per-partition order', { skip: kcat.skip, timeout: 120_000 }, async () => {
  const n = 100_000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(`key-${i % 997}\tvalue-${i}-${'x'.repeat(i % 50)}`);
  const p = await kcatRun(['-P', '-t', 'bulk', '-K', '\t', '-H', 'origin=kcat', '-H', 'trace=abc', '-X', 'acks=all', '-X', 'linger.ms=5'], lines.join('\n') + '\n');
  assert.equal(p.code, 0, p.stderr);
  const c = await kcatRun(['-C', '-t', 'bulk', '-o', 'beginning', '-e', '-q', '-f', '%p\t%o\t%k\t%s\t%h\n']);
  assert.equal(c.code, 0, c.stderr);
  const got = c.stdout.split('\n').filter((l) => l !== '');
  assert.equal(got.length, n);
  const nextOffset = new Map<number, number>();
  const lastSeq = new Map<number, number>();
  const keyPartition = new Map<string, number>();
  const seen = new Set<number>();
  for (const line of got) {
    const [ps, os, key, value, headers] = line.split('\t') as [string, string, string, string, string];
    const partition = Number(ps);
    const offset = Number(os);
    assert.equal(offset, nextOffset.get(partition) ?? 0, `offsets of partition ${partition} have no gaps`);
    nextOffset.set(partition, offset + 1);
    const seq = Number(/^value-(\d+)-/.exec(value)![1]);
    assert.equal(value, `value-${seq}-${'x'.repeat(seq % 50)}`);
    assert.equal(key, `key-${seq % 997}`);
    assert.equal(headers, 'origin=kcat,trace=abc');
    assert.ok(seq > (lastSeq.get(partition) ?? -1), 'per-partition order is the produce order');
    lastSeq.set(partition, seq);
    const kp = keyPartition.get(key);
    assert.ok(kp === undefined || kp === partition, 'one key, one partition');
    keyPartition.set(key, partition);
    seen.add(seq);
  }
  assert.equal(seen.size, n);
});

test('consuming from an offset and from a timestamp (-o s@ts)', { skip: kcat.skip, timeout: 60_000 }, async () => {
  const first = Array.from({ length: 20 }, (_, i) => `early-${i}`).join('\n') + '\n';
  assert.equal((await kcatRun(['-P', '-t', 'timed', '-p', '0'], first)).code, 0);
  await new Promise((r) => setTimeout(r, 50));
  const ts = Date.now();
  await new Promise((r) => setTimeout(r, 50));
  const second = Array.from({ length: 10 }, (_, i) => `late-${i}`).join('\n') + '\n';
  assert.equal((await kcatRun(['-P', '-t', 'timed', '-p', '0'], second)).code, 0);

  const fromOffset = await kcatRun(['-C', '-t', 'timed', '-p', '0', '-o', '15', '-e', '-q', '-f', '%o %s\n']);
  assert.equal(fromOffset.code, 0, fromOffset.stderr);
  const lines = fromOffset.stdout.trim().split('\n');
  assert.equal(lines.length, 15);
  assert.equal(lines[0], '15 early-15');
  assert.equal(lines.at(-1), '29 late-9');

  const fromTs = await kcatRun(['-C', '-t', 'timed', '-p', '0', '-o', `s@${ts}`, '-e', '-q', '-f', '%o %s\n']);
  assert.equal(fromTs.code, 0, fromTs.stderr);
  assert.deepEqual(fromTs.stdout.trim().split('\n'), Array.from({ length: 10 }, (_, i) => `${20 + i} late-${i}`));
});
