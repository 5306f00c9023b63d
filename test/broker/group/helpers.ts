/**
 * Helpers for the group coordinator's integration and interop tests: an embedded cluster with
 * small group timeouts, topic creation, producing with kcat, and consumer child processes
 * (confluent_kafka / kafka-python) that print what they consume as JSON lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type ClusterOptions, type EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createLogger } from '../../../src/util/logger.js';
import { systemPython } from '../../helpers/interop.js';
import { tempDir } from '../../helpers/paths.js';

/** Broker settings that keep group tests short (Kafka's defaults are minutes and seconds). */
export const fastGroupConfig = {
  'group.initial.rebalance.delay.ms': 200,
  'group.min.session.timeout.ms': 1000,
  'offsets.topic.num.partitions': 10,
  'offsets.topic.replication.factor': 1,
  'num.partitions': 1,
  'auto.create.topics.enable': false,
} as const;

export const quietLogger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'warn' });

export async function startGroupCluster(options: ClusterOptions = {}): Promise<EmbeddedCluster> {
  return startCluster({ logger: quietLogger, ...options, brokerConfig: { ...fastGroupConfig, ...options.brokerConfig } });
}

export async function createTopic(cluster: EmbeddedCluster, name: string, partitions: number): Promise<void> {
  const md = cluster.brokers[0]!.metadata;
  const [r] = await md.createTopics([{ name, numPartitions: partitions, replicationFactor: 1, configs: {} }], { timeoutMs: 10_000 });
  if (r!.errorCode !== ErrorCode.NONE) throw new Error(`creating ${name}: ${r!.errorMessage}`);
  const ok = await md.waitFor((m) => m.topics.get(name)?.partitions.every((p) => p.leader !== -1) === true, 10_000);
  if (!ok) throw new Error(`${name} has no leaders`);
}

/** Runs a command without blocking the event loop (the broker runs in this process). */
export function run(argv: readonly string[], input = '', timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** Produces `values` with kcat, each keyed by itself (so they hash over all the partitions). */
export async function produceWithKcat(bootstrap: string, topic: string, values: readonly string[]): Promise<void> {
  const r = await run(['kcat', '-P', '-b', bootstrap, '-t', topic, '-K', '\t'], values.map((v) => `${v}\t${v}`).join('\n') + '\n');
  if (r.code !== 0) throw new Error(`kcat -P failed: ${r.stderr}`);
}

export interface Consumed {
  member: string;
  value: string;
  partition: number;
  offset: number;
}

/**
 * A consumer child process: reads JSON lines {"value","partition","offset"} (and {"event": ...})
 * from its stdout; `stop()` sends SIGTERM (the script closes the consumer cleanly, leaving the
 * group), `kill()` sends SIGKILL (no LeaveGroup: the session must time out).
 */
export class ConsumerProcess {
  readonly consumed: Consumed[] = [];
  readonly events: string[] = [];
  stderr = '';
  private readonly exited: Promise<number | null>;

  constructor(
    readonly member: string,
    readonly child: ChildProcess,
  ) {
    let buffered = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (line === '') continue;
        try {
          const o = JSON.parse(line) as { value?: string; partition?: number; offset?: number; event?: string };
          if (o.event !== undefined) this.events.push(o.event);
          else this.consumed.push({ member, value: o.value!, partition: o.partition!, offset: o.offset! });
        } catch {
          this.stderr += `unparsed stdout: ${line}\n`;
        }
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-20_000);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** confluent_kafka consumer: commits each message synchronously before printing it. */
const confluentScript = String.raw`
import json, os, signal, sys
from confluent_kafka import Consumer
bootstrap, group, topic, strategy = sys.argv[1:5]
extra = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
conf = {
    'bootstrap.servers': bootstrap, 'group.id': group, 'auto.offset.reset': 'earliest',
    'enable.auto.commit': False, 'partition.assignment.strategy': strategy,
    'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300, 'topic.metadata.refresh.interval.ms': 1000,
    'reconnect.backoff.ms': 50, 'reconnect.backoff.max.ms': 500,
}
if os.environ.get('GROUP_TEST_DEBUG'):
    conf['debug'] = 'cgrp'
conf.update(extra)
def on_assign(c, parts):
    print(json.dumps({'event': 'assign:' + ','.join(str(p.partition) for p in parts)}), flush=True)
def on_revoke(c, parts):
    print(json.dumps({'event': 'revoke:' + ','.join(str(p.partition) for p in parts)}), flush=True)
c = Consumer(conf)
c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
while running:
    m = c.poll(0.2)
    if m is None or m.error():
        continue
    c.commit(message=m, asynchronous=False)
    print(json.dumps({'value': m.value().decode(), 'partition': m.partition(), 'offset': m.offset()}), flush=True)
c.close()
`;

/** kafka-python consumer: commits each message synchronously before printing it. */
const kafkaPythonScript = String.raw`
import json, signal, sys
from kafka import KafkaConsumer, TopicPartition, OffsetAndMetadata
bootstrap, group, topic = sys.argv[1:4]
running = True
def stop(*_):
    global running
    running = False
signal.signal(signal.SIGTERM, stop)
c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, auto_offset_reset='earliest',
                  enable_auto_commit=False, session_timeout_ms=6000, heartbeat_interval_ms=300,
                  api_version_auto_timeout_ms=10000)
while running:
    batch = c.poll(timeout_ms=200)
    for tp, msgs in batch.items():
        for m in msgs:
            try:
                om = OffsetAndMetadata(m.offset + 1, '', -1)
            except TypeError:  # kafka-python < 2.1 has no leader epoch
                om = OffsetAndMetadata(m.offset + 1, '')
            c.commit({tp: om})
            print(json.dumps({'value': m.value.decode(), 'partition': m.partition, 'offset': m.offset}), flush=True)
c.close()
`;

let scriptDir: string | null = null;
const written = new Map<string, string>();
/** Writes a script once (rewriting it while another process starts would hand it a truncated file). */
function script(name: string, text: string): string {
  const existing = written.get(name);
  if (existing !== undefined) return existing;
  if (scriptDir === null) {
    const dir = tempDir('gregor-group-scripts-');
    process.once('exit', dir.cleanup);
    scriptDir = dir.path;
  }
  const path = join(scriptDir, name);
  writeFileSync(path, text);
  written.set(name, path);
  return path;
}

export function startConfluentConsumer(member: string, bootstrap: string, group: string, topic: string, strategy: string, extra: Record<string, unknown> = {}): ConsumerProcess {
  const child = spawn(systemPython, [script('confluent_consumer.py', confluentScript), bootstrap, group, topic, strategy, JSON.stringify(extra)], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new ConsumerProcess(member, child);
}

export function startKafkaPythonConsumer(member: string, bootstrap: string, group: string, topic: string): ConsumerProcess {
  const child = spawn(systemPython, [script('kafka_python_consumer.py', kafkaPythonScript), bootstrap, group, topic], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new ConsumerProcess(member, child);
}

/** Polls `predicate` every 50 ms until true, or throws after `timeoutMs` with `describe()`. */
export async function waitUntil(predicate: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
