/**
 * TAILDIR -> memory channel -> Kafka sink against an embedded cluster: lines appended to files
 * that are rotated by rename (logrotate's create mode) and by copytruncate all arrive in the
 * topic, in order per file; headers and keys follow the sink's configuration; batches are
 * lz4-compressed (kafka.producer.compression.type) and kcat decodes them.
 */
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, renameSync, truncateSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import type { TaildirSource } from '../../src/agent/sources/taildir/taildir-source.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { interopTool } from '../helpers/interop.js';
import { tempDir } from '../helpers/paths.js';
import { agentFrom, quietLogger, readTopic, waitFor } from './helpers.js';

let cluster: EmbeddedCluster;
const tmp = tempDir('gregor-agent-taildir-');

before(async () => {
  cluster = await startCluster({ brokers: 1, logger: quietLogger });
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([
    { name: 'logs-rotate', numPartitions: 1, replicationFactor: 1 },
    { name: 'logs-headers', numPartitions: 3, replicationFactor: 1 },
    { name: 'logs-kcat', numPartitions: 1, replicationFactor: 1 },
  ]);
  await admin.close();
});

after(async () => {
  await cluster.stop();
  tmp.cleanup();
});

function taildirConf(dir: string, topic: string, extra: string[] = []): string[] {
  return [
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = TAILDIR',
    'a1.sources.r1.channels = c1',
    'a1.sources.r1.filegroups = f1 f2',
    `a1.sources.r1.filegroups.f1 = ${dir}/app\\.log`,
    `a1.sources.r1.filegroups.f2 = ${dir}/web-.*\\.log`,
    `a1.sources.r1.positionFile = ${dir}/pos/taildir_position.json`,
    'a1.sources.r1.fileHeader = true',
    'a1.sources.r1.pollDelay = 50',
    'a1.sources.r1.writePosInterval = 100',
    'a1.channels.c1.type = memory',
    'a1.channels.c1.capacity = 10000',
    'a1.channels.c1.transactionCapacity = 1000',
    'a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink',
    'a1.sinks.k1.channel = c1',
    `a1.sinks.k1.kafka.bootstrap.servers = ${cluster.bootstrapServers}`,
    `a1.sinks.k1.kafka.topic = ${topic}`,
    'a1.sinks.k1.flumeBatchSize = 500',
    'a1.sinks.k1.kafka.producer.linger.ms = 2',
    'a1.sinks.k1.kafka.producer.compression.type = lz4',
    'a1.sinks.k1.header.file = source-file',
    ...extra,
  ];
}

const lines = (prefix: string, from: number, to: number): string => {
  let s = '';
  for (let i = from; i < to; i++) s += `${prefix}-${String(i).padStart(6, '0')}\n`;
  return s;
};

test('TAILDIR follows appends, rename rotation and copytruncate: every line, in order per file', async () => {
  const dir = join(tmp.path, 'rotate');
  mkdirSync(dir, { recursive: true });
  const app = join(dir, 'app.log');
  const web = join(dir, 'web-1.log');
  appendFileSync(app, lines('app', 0, 500));
  appendFileSync(web, lines('web', 0, 300));
  const agent = agentFrom(taildirConf(dir, 'logs-rotate'));
  await agent.start();
  const source = agent.sources[0] as TaildirSource;
  const committed = (path: string, bytes: number) => waitFor(() => source.positions().some((p) => p.file === path && p.pos === bytes), 20000);
  try {
    // Appends in small pieces, and a line written in two parts (no partial lines become events).
    for (let i = 500; i < 1000; i += 100) appendFileSync(app, lines('app', i, i + 100));
    appendFileSync(app, 'app-001000');
    await new Promise((r) => setTimeout(r, 150));
    appendFileSync(app, '\n');

    // Rename rotation: app.log -> app.log.1 (out of the pattern), lines written to the old file
    // right before the rename, then a new app.log.
    appendFileSync(app, lines('app', 1001, 1200));
    renameSync(app, `${app}.1`);
    appendFileSync(`${app}.1`, lines('app', 1200, 1250)); // a writer still holding the old file
    appendFileSync(app, lines('app', 1250, 1600));

    // copytruncate on web-1.log: wait until everything was read, copy it away, truncate, write on.
    assert.ok(await committed(web, readFileSync(web).length), 'web-1.log read to its end');
    copyFileSync(web, join(dir, 'web-1.log.copy'));
    truncateSync(web, 0);
    appendFileSync(web, lines('web', 300, 320)); // shorter than before: seen as truncated
    assert.ok(await committed(web, readFileSync(web).length), 'the truncated web-1.log is read from 0');
    appendFileSync(web, lines('web', 320, 700));

    const expectedApp = 1600;
    const expectedWeb = 700;
    const got = await readTopic(cluster.bootstrapServers, 'logs-rotate', 1, expectedApp + expectedWeb);
    const appValues = got.filter((r) => r.value.startsWith('app-')).map((r) => r.value);
    const webValues = got.filter((r) => r.value.startsWith('web-')).map((r) => r.value);
    assert.deepEqual(appValues, lines('app', 0, expectedApp).trimEnd().split('\n'), 'app lines, all and in order');
    assert.deepEqual(webValues, lines('web', 0, expectedWeb).trimEnd().split('\n'), 'web lines, all and in order');
    // fileHeader + header.file = source-file: the path as a Kafka header.
    assert.ok(got.filter((r) => r.value.startsWith('web-')).every((r) => r.headers['source-file'] === web));
    assert.ok(got.filter((r) => r.value.startsWith('app-') && r.value > 'app-001250').every((r) => r.headers['source-file'] === app));

    // Flume's position file: one entry per tracked file, by inode.
    await new Promise((r) => setTimeout(r, 300));
    const positions = JSON.parse(readFileSync(join(dir, 'pos', 'taildir_position.json'), 'utf8')) as { inode: number; pos: number; file: string }[];
    assert.deepEqual(positions.map((p) => p.file).sort(), [app, web].sort());
    for (const p of positions) assert.equal(p.pos, readFileSync(p.file).length);

    const m = agent.counters.snapshot();
    assert.equal(m['SOURCE.r1']!.EventAcceptedCount, String(expectedApp + expectedWeb));
    assert.equal(m['SINK.k1']!.EventDrainSuccessCount, String(expectedApp + expectedWeb));
    assert.equal(m['CHANNEL.c1']!.ChannelSize, '0');
  } finally {
    await agent.stop();
  }
});

test('static/timestamp interceptors, key header and topic override reach Kafka', async () => {
  const dir = join(tmp.path, 'headers');
  mkdirSync(dir, { recursive: true });
  const app = join(dir, 'app.log');
  appendFileSync(app, lines('x', 0, 60));
  const agent = agentFrom(taildirConf(dir, 'default-not-used', [
    'a1.sources.r1.interceptors = i1 i2 i3',
    'a1.sources.r1.interceptors.i1.type = static',
    'a1.sources.r1.interceptors.i1.key = topic',
    'a1.sources.r1.interceptors.i1.value = logs-headers',
    'a1.sources.r1.interceptors.i2.type = org.apache.flume.interceptor.StaticInterceptor$Builder',
    'a1.sources.r1.interceptors.i2.key = key',
    'a1.sources.r1.interceptors.i2.value = k1',
    'a1.sources.r1.interceptors.i3.type = timestamp',
    'a1.sinks.k1.header.timestamp = ts',
  ]));
  await agent.start();
  try {
    const got = await readTopic(cluster.bootstrapServers, 'logs-headers', 3, 60);
    assert.equal(got.length, 60);
    assert.ok(got.every((r) => r.key === 'k1'), 'the key header is the record key');
    assert.equal(new Set(got.map((r) => r.partition)).size, 1, 'one key, one partition');
    assert.deepEqual(got.map((r) => r.value), lines('x', 0, 60).trimEnd().split('\n'));
    assert.ok(got.every((r) => /^\d{13}$/.test(r.headers.ts ?? '')), 'timestamp interceptor header mapped to Kafka header ts');
  } finally {
    await agent.stop();
  }
});

const kcat = interopTool('kcat', ['kcat', '-V']);

test('kcat (librdkafka) reads what the agent delivered: values, keys and headers', { skip: kcat.skip }, async () => {
  const dir = join(tmp.path, 'kcat');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'app.log'), lines('kc', 0, 200));
  const agent = agentFrom(taildirConf(dir, 'logs-kcat', [
    'a1.sources.r1.interceptors = i1', 'a1.sources.r1.interceptors.i1.type = static',
    'a1.sources.r1.interceptors.i1.key = key', 'a1.sources.r1.interceptors.i1.value = host-7',
  ]));
  await agent.start();
  try {
    assert.ok(await waitFor(() => agent.counters.snapshot()['SINK.k1']!.EventDrainSuccessCount === '200', 20000));
    // Asynchronously: the broker runs in this process and must keep answering.
    const r = await promisify(execFile)('kcat', ['-C', '-b', cluster.bootstrapServers, '-t', 'logs-kcat', '-e', '-q', '-f', '%k|%h|%s\n'], { encoding: 'utf8', timeout: 30000 });
    const got = r.stdout.trimEnd().split('\n');
    assert.equal(got.length, 200);
    const app = join(dir, 'app.log');
    assert.deepEqual(got, lines('kc', 0, 200).trimEnd().split('\n').map((v) => `host-7|source-file=${app}|${v}`));
  } finally {
    await agent.stop();
  }
});
