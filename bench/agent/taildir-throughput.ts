/**
 * Agent throughput: lines/s from a tailed file into a topic (TAILDIR -> channel -> Kafka sink,
 * acks=all idempotent producer), for a memory and a file channel, next to the reference: reading
 * the same file with `fs` and splitting it into lines in the same run (the ceiling any tailer has
 * on this machine). The broker is `gregor dev` in its own process, as in a deployment;
 * `--in-process` runs an embedded cluster in the agent's process instead.
 *
 *   npm run build && node dist/bench/agent/taildir-throughput.js [--lines 500000] [--line-bytes 100] [--in-process]
 *
 * Latency: the sink's time from send to the last acknowledgement of a batch (Flume's
 * KafkaEventSendTimer divided by batches), avg; and the end-to-end time from the first line
 * read to the last acknowledged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { open } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { propertiesMap } from '../../src/agent/config/properties.js';
import { Agent } from '../../src/agent/runtime/agent.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { createLogger } from '../../src/util/logger.js';
import { cliPath, tempDir } from '../../test/helpers/paths.js';
import { freePort } from '../../test/helpers/ports.js';

const { values: opts } = parseArgs({ options: { lines: { type: 'string', default: '500000' }, 'line-bytes': { type: 'string', default: '100' }, 'in-process': { type: 'boolean', default: false } } });
const lines = Number(opts.lines);
const lineBytes = Number(opts['line-bytes']);
const logger = createLogger({ level: 'warn' });

function report(label: string, n: number, bytes: number, ms: number, extra = ''): void {
  const perSec = (n * 1000) / ms;
  console.log(`${label.padEnd(22)} ${n} records sent, ${perSec.toFixed(1)} records/sec (${((bytes * 1000) / ms / 1048576).toFixed(2)} MB/sec)${extra}`);
}

/** Reference: read the file with fs and count its lines, 1 MiB at a time. */
async function fsReadLines(path: string): Promise<{ n: number; ms: number }> {
  const started = performance.now();
  const h = await open(path, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  let pos = 0;
  for (;;) {
    const { bytesRead } = await h.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) break;
    for (let i = buf.indexOf(0x0a); i >= 0 && i < bytesRead; i = buf.indexOf(0x0a, i + 1)) n++;
    pos += bytesRead;
  }
  await h.close();
  return { n, ms: performance.now() - started };
}

async function runAgent(dir: string, bootstrap: string, channel: 'memory' | 'file', topic: string, file: string): Promise<void> {
  const channelProps = channel === 'memory'
    ? ['a1.channels.c1.type = memory', 'a1.channels.c1.capacity = 200000', 'a1.channels.c1.transactionCapacity = 10000']
    : ['a1.channels.c1.type = file', `a1.channels.c1.checkpointDir = ${dir}/${topic}-cp`, `a1.channels.c1.dataDirs = ${dir}/${topic}-data`, 'a1.channels.c1.capacity = 200000', 'a1.channels.c1.minimumRequiredSpace = 0'];
  const agent = Agent.fromProperties(propertiesMap([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1', 'a1.sources.r1.filegroups = f1',
    `a1.sources.r1.filegroups.f1 = ${file}`, `a1.sources.r1.positionFile = ${dir}/${topic}-pos.json`,
    'a1.sources.r1.batchSize = 5000', 'a1.sources.r1.pollDelay = 10',
    ...channelProps,
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1', `a1.sinks.k1.kafka.bootstrap.servers = ${bootstrap}`,
    `a1.sinks.k1.kafka.topic = ${topic}`, 'a1.sinks.k1.flumeBatchSize = 5000',
    'a1.sinks.k1.kafka.producer.linger.ms = 5', 'a1.sinks.k1.kafka.producer.batch.size = 1048576',
  ].join('\n')), 'a1', { logger });
  const started = performance.now();
  await agent.start();
  const drained = (): number => Number(agent.counters.snapshot()['SINK.k1']!.EventDrainSuccessCount);
  while (drained() < lines) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - started;
  const k = agent.counters.snapshot()['SINK.k1']!;
  const batches = Number(k.BatchCompleteCount) + Number(k.BatchUnderflowCount);
  await agent.stop();
  report(`agent (${channel} channel)`, lines, lines * lineBytes, ms, `, ${(Number(k.KafkaEventSendTimer) / batches).toFixed(2)} ms avg batch latency (${batches} batches of <= 5000), ${ms.toFixed(0)} ms end to end.`);
}

/** `gregor dev` in a child process; resolves once it listens. */
async function startDevBroker(dataDir: string): Promise<{ bootstrap: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const keeperPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, [cliPath, 'dev', '--data-dir', dataDir, '--port', String(port), '--keeper-port', String(keeperPort), '--host', '127.0.0.1'], { stdio: 'ignore' });
  const bootstrap = `127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  };
  const deadline = Date.now() + 30000;
  for (;;) {
    const admin = new Admin({ bootstrapServers: bootstrap });
    try {
      await admin.describeCluster();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await admin.close();
    }
  }
  return {
    bootstrap,
    stop,
  };
}

async function main(): Promise<void> {
  const tmp = tempDir('gregor-agent-bench-');
  const dir = tmp.path;
  const file = join(dir, 'app.log');
  const body = 'x'.repeat(lineBytes - 8);
  const chunks: string[] = [];
  for (let i = 0; i < lines; i++) chunks.push(`${String(i).padStart(7, '0')}${body}\n`);
  writeFileSync(file, chunks.join(''));
  console.log(`agent bench: ${lines} lines of ${lineBytes} bytes, ${new Date().toISOString()}`);
  const cluster = opts['in-process']
    ? await startCluster({ brokers: 1, logger, dataDir: join(dir, 'cluster') }).then((c) => ({ bootstrap: c.bootstrapServers, stop: () => c.stop() }))
    : await startDevBroker(join(dir, 'cluster'));
  console.log(`broker: ${opts['in-process'] ? 'embedded in this process' : 'gregor dev, its own process'} at ${cluster.bootstrap}`);
  try {
    const admin = new Admin({ bootstrapServers: cluster.bootstrap });
    await admin.createTopics([{ name: 'bench-mem', numPartitions: 1, replicationFactor: 1 }, { name: 'bench-file', numPartitions: 1, replicationFactor: 1 }]);
    await admin.close();
    const ref = await fsReadLines(file);
    if (ref.n !== lines) throw new Error(`reference counted ${ref.n} lines`);
    report('reference (fs read)', ref.n, lines * lineBytes, ref.ms, '.');
    await runAgent(dir, cluster.bootstrap, 'memory', 'bench-mem', file);
    await runAgent(dir, cluster.bootstrap, 'file', 'bench-file', file);
  } finally {
    await cluster.stop();
    tmp.cleanup();
  }
}

await main();
