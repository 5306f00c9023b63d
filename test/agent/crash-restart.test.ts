/**
 * At-least-once through a crash: `gregor agent` (a child process) tails a file that keeps
 * growing, through a durable file channel into Kafka; it is SIGKILLed mid-stream and started
 * again on the same position file and channel directories. Every line must reach the topic
 * (duplicates allowed, nothing missing), read back with KafkaJS. The monitoring endpoint is
 * read along the way (Flume's JSON, values as strings).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { fetchMetrics, freePort, quietLogger, readTopicWithKafkaJS, waitFor } from './helpers.js';

let cluster: EmbeddedCluster;
const tmp = tempDir('gregor-agent-crash-');
const children = new Set<ChildProcess>();
/** The agents' output, printed when the test fails (the child's view of what went wrong). */
let childOutput = '';

before(async () => {
  cluster = await startCluster({ brokers: 1, logger: quietLogger });
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([{ name: 'crash', numPartitions: 2, replicationFactor: 1 }]);
  await admin.close();
});

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cluster.stop();
  tmp.cleanup();
});

function startAgent(conf: string, port: number): ChildProcess {
  const child = spawn(process.execPath, [cliPath, 'agent', '--conf-file', conf, '--name', 'a1', '--monitoring-port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.stdout!.on('data', (d: Buffer) => (childOutput += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (childOutput += d.toString()));
  return child;
}

const line = (i: number): string => `line-${String(i).padStart(6, '0')}-${'p'.repeat(40)}`;

test('gregor agent with a file channel: SIGKILL mid-stream, restart, every line delivered', async () => {
  try {
    await crashAndRestart();
  } catch (err) {
    console.log(`agent output:\n${childOutput.slice(-4000)}`);
    throw err;
  }
});

async function crashAndRestart(): Promise<void> {
  const dir = tmp.path;
  const log = join(dir, 'app.log');
  const conf = join(dir, 'agent.conf');
  writeFileSync(log, '');
  writeFileSync(conf, [
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1',
    'a1.sources.r1.filegroups = f1', `a1.sources.r1.filegroups.f1 = ${log}`,
    `a1.sources.r1.positionFile = ${join(dir, 'taildir_position.json')}`,
    'a1.sources.r1.batchSize = 200', 'a1.sources.r1.pollDelay = 50', 'a1.sources.r1.writePosInterval = 200',
    'a1.channels.c1.type = file',
    `a1.channels.c1.checkpointDir = ${join(dir, 'checkpoint')}`,
    `a1.channels.c1.dataDirs = ${join(dir, 'data')}`,
    'a1.channels.c1.minimumRequiredSpace = 0',
    'a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink', 'a1.sinks.k1.channel = c1',
    `a1.sinks.k1.kafka.bootstrap.servers = ${cluster.bootstrapServers}`,
    'a1.sinks.k1.kafka.topic = crash', 'a1.sinks.k1.flumeBatchSize = 100',
    'a1.sinks.k1.kafka.producer.linger.ms = 1',
    '',
  ].join('\n'));
  const port = await freePort();
  const total = 12000;
  let written = 0;
  const write = (n: number): void => {
    let s = '';
    for (let i = 0; i < n && written < total; i++) s += `${line(written++)}\n`;
    appendFileSync(log, s);
  };

  let agent = startAgent(conf, port);
  const drained = async (atLeast: number): Promise<boolean> => {
    const m = await fetchMetrics(port);
    return m !== null && Number(m['SINK.k1']?.EventDrainSuccessCount ?? 0) >= atLeast;
  };
  // Stream lines in while the agent runs; kill it once a good part has gone through (the file
  // does not grow between then and the kill).
  while (written < 6000) {
    write(250);
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(await waitFor(() => drained(1500), 30000, 50), 'the agent delivers before the crash');
  const positionFile = join(dir, 'taildir_position.json');
  const savedPos = (): number => {
    try {
      return (JSON.parse(readFileSync(positionFile, 'utf8')) as { pos: number }[])[0]?.pos ?? 0;
    } catch {
      return 0; // not written yet
    }
  };
  // Kill once the saved position is past 4000 of the 6000 lines written so far: then at most
  // 2000 lines (plus one sink batch) can come twice, fewer than the 4000 a restart from 0 would repeat.
  const lineBytes = line(0).length + 1;
  assert.ok(await waitFor(() => savedPos() >= 4000 * lineBytes, 30000, 20), 'the position file is written as the agent reads');
  const before = await fetchMetrics(port);
  assert.ok(before !== null);
  assert.equal(before['CHANNEL.c1']!.Type, 'CHANNEL');
  assert.match(before['CHANNEL.c1']!.ChannelFillPercentage!, /^\d+(\.\d+)?$/);
  assert.equal(typeof before['SOURCE.r1']!.EventAcceptedCount, 'string');
  agent.kill('SIGKILL');
  await new Promise((r) => agent.once('exit', r));

  // Lines keep arriving while nobody tails the file.
  while (written < 9000) write(500);
  const saved = JSON.parse(readFileSync(join(dir, 'taildir_position.json'), 'utf8')) as { pos: number; file: string }[];
  assert.equal(saved[0]!.file, log);
  assert.ok(saved[0]!.pos > 0 && saved[0]!.pos < readFileSync(log).length, 'the position file points into the file');
  const linesBeforeSavedPos = saved[0]!.pos / lineBytes;

  agent = startAgent(conf, port);
  while (written < total) {
    write(250);
    await new Promise((r) => setTimeout(r, 10));
  }
  const expected = new Set(Array.from({ length: total }, (_, i) => line(i)));
  const values = await readTopicWithKafkaJS(cluster.bootstrapServers, 'crash', (v) => new Set(v).size >= total, 60000);
  const seen = new Set(values);
  const missing = [...expected].filter((l) => !seen.has(l));
  assert.deepEqual(missing.slice(0, 5), [], `${missing.length} lines missing`);
  const after = await fetchMetrics(port);
  assert.ok(after !== null);
  // Re-read from the saved position and replayed channel events may repeat; nothing else.
  assert.ok(values.length >= total);
  // The restarted agent resumed from the position file: had it started over, every line before
  // the saved position would be a duplicate.
  assert.ok(values.length - total < linesBeforeSavedPos, `${values.length - total} duplicates, ${linesBeforeSavedPos} lines before the saved position`);
  console.log(`delivered ${values.length} records for ${total} lines (${values.length - total} duplicates after SIGKILL)`);
  agent.kill('SIGTERM');
  await new Promise((r) => agent.once('exit', r));
}
