/**
 * startCluster({ brokers: 3 }) for embedded use (start-up time recorded), and
 * `gregor broker --config server.properties` against the keeper and against a real ZooKeeper.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeeper } from '../../src/keeper/index.js';
import { createLogger } from '../../src/util/logger.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { interopTool } from '../helpers/interop.js';
import { freePort, realZooKeeper, startRealZooKeeper } from '../helpers/real-zookeeper.js';
import { runProcess, testCluster } from './helpers/cluster.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
const zk = realZooKeeper();
const dirs: { cleanup: () => void }[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.cleanup();
});

test('startCluster with 3 brokers: partitions spread over brokers, produce and consume through all', { skip: kcat.skip, timeout: 60_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig: { 'num.partitions': 6 } });
  try {
    assert.equal(cluster.brokers.length, 3);
    assert.equal(cluster.bootstrapServers.split(',').length, 3);
    // Every partition broker 0 ever published for the topic: leader -1 is allowed only before the
    // controller wrote the partition's state (partitionEpoch -1: not elected yet, which clients see
    // as LEADER_NOT_AVAILABLE and retry); once elected, an RF=1 partition on a live broker must
    // never be published leaderless again.
    const published: string[] = [];
    const everLed = new Set<number>();
    const unsubscribe = cluster.brokers[0]!.metadata.onMetadataUpdate((m) => {
      for (const x of m.topics.get('spread')?.partitions ?? []) {
        if (x.leader >= 0) everLed.add(x.partition);
        else if (x.partitionEpoch >= 0 || everLed.has(x.partition)) published.push(`partition ${x.partition} leader ${x.leader} at partition epoch ${x.partitionEpoch}`);
      }
    });
    const input = Array.from({ length: 600 }, (_, i) => `k${i}:v${i}`).join('\n') + '\n';
    const p = await runProcess('kcat', ['-b', cluster.bootstrapServers, '-P', '-t', 'spread', '-K', ':'], { input });
    assert.equal(p.code, 0, p.stderr);
    // kcat may finish on metadata from brokers 1 and 2 while broker 0's cache still waits for the
    // watch on the last partition states the controller created (as Kafka's UpdateMetadata reaches
    // each broker on its own): wait for broker 0 to converge instead of reading it at an instant.
    const converged = await cluster.brokers[0]!.metadata.waitFor((m) => {
      const t = m.topics.get('spread');
      return t !== undefined && t.partitions.length === 6 && t.partitions.every((x) => x.leader >= 0);
    }, 10_000);
    unsubscribe();
    assert.ok(converged, 'broker 0 never learned a leader for every partition of spread');
    assert.deepEqual(published, []);
    const md = cluster.brokers[0]!.metadata.snapshot().topics.get('spread')!;
    assert.deepEqual(new Set(md.partitions.map((x) => x.leader)), new Set([0, 1, 2]));
    const c = await runProcess('kcat', ['-b', cluster.bootstrapServers, '-C', '-t', 'spread', '-o', 'beginning', '-e', '-q', '-f', '%k:%s\n']);
    assert.equal(c.code, 0, c.stderr);
    assert.deepEqual(c.stdout.trim().split('\n').sort(), input.trim().split('\n').sort());
  } finally {
    await cluster.stop();
  }
});

async function runBrokerCommand(keeperConnect: string): Promise<void> {
  const dir = tempDir('gregor-broker-cmd-');
  dirs.push(dir);
  const port = await freePort();
  const props = join(dir.path, 'server.properties');
  writeFileSync(props, [`broker.id=5`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${join(dir.path, 'logs')}`, `zookeeper.connect=${keeperConnect}`, `num.partitions=2`, ''].join('\n'));
  const child = spawn(process.execPath, [cliPath, 'broker', '--config', props, '--override', 'log.retention.hours=24'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' } });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('is running')) resolve();
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`gregor broker exited ${code}: ${out}`)));
  });
  const bootstrap = `127.0.0.1:${port}`;
  const p = await runProcess('kcat', ['-b', bootstrap, '-P', '-t', 'cmd'], { input: 'one\ntwo\n' });
  assert.equal(p.code, 0, p.stderr);
  const l = await runProcess('kcat', ['-b', bootstrap, '-L', '-t', 'cmd']);
  assert.match(l.stdout, /broker 5 at 127.0.0.1:\d+ \(controller\)/);
  assert.match(l.stdout, /topic "cmd" with 2 partitions/);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
  assert.equal(code, 0);
}

test('gregor broker --config server.properties against the keeper', { skip: kcat.skip, timeout: 60_000 }, async () => {
  const dir = tempDir('gregor-keeper-');
  dirs.push(dir);
  const keeper = await startKeeper({ dataDir: dir.path, clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 2000 }, { logger: createLogger({ level: 'silent' }) });
  try {
    await runBrokerCommand(keeper.connectString);
  } finally {
    await keeper.close();
  }
});

test('gregor broker --config server.properties against a real ZooKeeper 3.8', { skip: kcat.skip || zk.skip, timeout: 90_000 }, async () => {
  const server = await startRealZooKeeper();
  try {
    await runBrokerCommand(server.connectString);
  } finally {
    await server.stop();
  }
});
