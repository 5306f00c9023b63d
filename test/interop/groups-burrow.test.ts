/**
 * Burrow (LinkedIn's consumer-lag monitor, Debian package `burrow`) pointed at the broker and
 * the keeper reads the group's committed offsets straight from `__consumer_offsets` — decoding
 * our OffsetCommit records with its own parser — and reports the group's lag over its HTTP API.
 * Proof that the records are in Kafka's format. (Burrow 1.2 cannot decode GroupMetadataValue v3,
 * which Kafka >= 2.3 writes too; it logs a warning and only loses the owner column.)
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { interopTool, pythonModule } from '../helpers/interop.js';
import { tempDir } from '../helpers/paths.js';
import { createTopic, produceWithKcat, startGroupCluster, startKafkaPythonConsumer, waitUntil } from '../broker/group/helpers.js';
import { freePort } from '../helpers/ports.js';

const burrow = interopTool('burrow', ['sh', '-c', 'command -v Burrow']);
const kafkaPython = pythonModule('kafka');

interface BurrowLag {
  status: { status: string; totallag: number; partitions: { topic: string; partition: number; end: { offset: number } | null; current_lag: number }[] };
}

test('Burrow reads committed offsets from __consumer_offsets and reports the lag', { skip: burrow.skip || kafkaPython.skip, timeout: 120_000 }, async () => {
  const dir = tempDir('gregor-burrow-');
  const cluster = await startGroupCluster();
  let burrowProcess: ReturnType<typeof spawn> | null = null;
  let burrowLog = '';
  try {
    await createTopic(cluster, 'lagging', 3);
    await produceWithKcat(cluster.bootstrapServers, 'lagging', Array.from({ length: 30 }, (_, i) => `a-${i}`));
    const consumer = startKafkaPythonConsumer('c', cluster.bootstrapServers, 'burrow-group', 'lagging');
    await waitUntil(() => consumer.consumed.length >= 30, 40_000, () => consumer.stderr);
    assert.equal(await consumer.stop(), 0, consumer.stderr);
    const committed = new Map<number, number>();
    for (const c of consumer.consumed) committed.set(c.partition, Math.max(committed.get(c.partition) ?? 0, c.offset + 1));
    await produceWithKcat(cluster.bootstrapServers, 'lagging', Array.from({ length: 12 }, (_, i) => `b-${i}`));

    const httpPort = await freePort();
    writeFileSync(
      join(dir.path, 'burrow.toml'),
      `[general]
pidfile="${join(dir.path, 'burrow.pid')}"
[logging]
level="info"
[zookeeper]
servers=["${cluster.keeperConnect}"]
timeout=6
root-path="/burrow"
[client-profile.test]
client-id="burrow-test"
kafka-version="2.0.0"
[cluster.local]
class-name="kafka"
servers=["${cluster.bootstrapServers}"]
client-profile="test"
topic-refresh=2
offset-refresh=1
[consumer.local]
class-name="kafka"
cluster="local"
servers=["${cluster.bootstrapServers}"]
client-profile="test"
start-latest=false
[httpserver.default]
address="127.0.0.1:${httpPort}"
[storage.default]
class-name="inmemory"
workers=2
intervals=10
expire-group=604800
min-distance=1
`,
    );
    burrowProcess = spawn('Burrow', ['--config-dir', dir.path], { cwd: dir.path, stdio: ['ignore', 'pipe', 'pipe'] });
    burrowProcess.stdout!.on('data', (d: Buffer) => (burrowLog = (burrowLog + d.toString()).slice(-10_000)));
    burrowProcess.stderr!.on('data', (d: Buffer) => (burrowLog = (burrowLog + d.toString()).slice(-10_000)));

    // Burrow's answer, polled until it has seen the group's commits and the new log end offsets.
    let lag: BurrowLag | null = null;
    let polling = true;
    const poller = (async () => {
      while (polling) {
        try {
          const res = await fetch(`http://127.0.0.1:${httpPort}/v3/kafka/local/consumer/burrow-group/lag`);
          if (res.ok) lag = (await res.json()) as BurrowLag;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const ready = (l: BurrowLag | null) => l !== null && l.status.partitions.length === 3 && l.status.totallag === 12;
    try {
      await waitUntil(() => ready(lag), 60_000, () => `${JSON.stringify(lag)}\n${burrowLog}`);
    } finally {
      polling = false;
      await poller;
    }
    const final = lag as unknown as BurrowLag;
    for (const p of final.status.partitions) {
      assert.equal(p.topic, 'lagging');
      assert.equal(p.end?.offset, committed.get(p.partition) ?? 0, `committed offset of partition ${p.partition} as Burrow read it`);
    }
  } finally {
    if (burrowProcess !== null && burrowProcess.exitCode === null) {
      const exited = new Promise((r) => burrowProcess!.once('exit', r));
      burrowProcess.kill('SIGTERM');
      await exited;
    }
    await cluster.stop();
    dir.cleanup();
  }
});
