/**
 * Sinks and monitoring: a Kafka sink that cannot deliver rolls its batch back (the events are
 * taken again) and a failover group moves on to the next sink; the logger sink's format;
 * Flume's JSON monitoring over HTTP; the CLI's --help and its configuration errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { formatEvent } from '../../src/agent/sinks/logger-sink.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { gregor } from '../helpers/cli.js';
import { tempDir } from '../helpers/paths.js';
import { agentFrom, fetchMetrics, quietLogger, waitFor } from './helpers.js';

test('failover: a Kafka sink whose records fail rolls back, the next sink takes the same events', async () => {
  const cluster = await startCluster({ brokers: 1, logger: quietLogger, brokerConfig: { 'auto.create.topics.enable': false } });
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1 k2', 'a1.sinkgroups = g1',
    'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1', 'a1.sources.r1.shell = /bin/sh -c',
    "a1.sources.r1.command = for i in $(seq 1 50); do echo ev-$i; done", 'a1.sources.r1.batchSize = 50',
    'a1.channels.c1.type = memory',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1',
    `a1.sinks.k1.kafka.bootstrap.servers = ${cluster.bootstrapServers}`,
    'a1.sinks.k1.kafka.topic = no-such-topic',
    'a1.sinks.k1.kafka.producer.max.block.ms = 500', 'a1.sinks.k1.kafka.producer.delivery.timeout.ms = 1000',
    'a1.sinks.k1.kafka.producer.request.timeout.ms = 500', 'a1.sinks.k1.kafka.producer.retries = 1',
    'a1.sinks.k2.type = null', 'a1.sinks.k2.channel = c1',
    'a1.sinkgroups.g1.sinks = k1 k2', 'a1.sinkgroups.g1.processor.type = failover',
    'a1.sinkgroups.g1.processor.priority.k1 = 10', 'a1.sinkgroups.g1.processor.priority.k2 = 5',
  ]);
  await agent.start();
  try {
    const m = () => agent.counters.snapshot();
    assert.ok(await waitFor(() => m()['SINK.k2']!.EventDrainSuccessCount === '50', 20000), JSON.stringify(m()));
    const k1 = m()['SINK.k1']!;
    assert.ok(Number(k1.RollbackCount) >= 1, 'the failed batch was rolled back');
    assert.equal(k1.EventDrainSuccessCount, '0');
    assert.equal(m()['CHANNEL.c1']!.ChannelSize, '0');
  } finally {
    await agent.stop();
    await cluster.stop();
  }
});

test('load_balance round_robin spreads batches over its sinks', async () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1 k2', 'a1.sinkgroups = g1',
    'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1', 'a1.sources.r1.shell = /bin/sh -c',
    "a1.sources.r1.command = for i in $(seq 1 400); do echo ev-$i; done", 'a1.sources.r1.batchSize = 10',
    'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = 1000',
    'a1.sinks.k1.type = null', 'a1.sinks.k1.channel = c1', 'a1.sinks.k1.batchSize = 10',
    'a1.sinks.k2.type = null', 'a1.sinks.k2.channel = c1', 'a1.sinks.k2.batchSize = 10',
    'a1.sinkgroups.g1.sinks = k1 k2', 'a1.sinkgroups.g1.processor.type = load_balance', 'a1.sinkgroups.g1.processor.selector = round_robin',
  ]);
  await agent.start();
  try {
    const drained = (k: string) => Number(agent.counters.snapshot()[`SINK.${k}`]!.EventDrainSuccessCount);
    assert.ok(await waitFor(() => drained('k1') + drained('k2') === 400, 10000));
    assert.ok(drained('k1') > 0 && drained('k2') > 0, `both sinks drained (${drained('k1')} / ${drained('k2')})`);
  } finally {
    await agent.stop();
  }
});

test('a component that cannot start stops the agent cleanly (netcat port in use)', async () => {
  const { createServer } = await import('node:net');
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as { port: number }).port;
  const tmp = tempDir();
  try {
    const agent = agentFrom([
      'a1.sources = r1 r2', 'a1.channels = c1', 'a1.sinks = k1',
      'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1', 'a1.sources.r1.filegroups = f1',
      `a1.sources.r1.filegroups.f1 = ${tmp.path}/x.log`, `a1.sources.r1.positionFile = ${tmp.path}/pos.json`,
      'a1.sources.r2.type = netcat', 'a1.sources.r2.channels = c1', 'a1.sources.r2.bind = 127.0.0.1', `a1.sources.r2.port = ${port}`,
      'a1.channels.c1.type = memory', 'a1.sinks.k1.type = null', 'a1.sinks.k1.channel = c1',
    ]);
    await assert.rejects(agent.start(), /EADDRINUSE/);
    assert.notEqual(agent.counters.snapshot()['SOURCE.r1']!.StopTime, '0', 'the source that had started was stopped');
  } finally {
    busy.close();
    tmp.cleanup();
  }
});

test("logger sink prints Flume's event format", () => {
  assert.equal(formatEvent({ headers: { host: 'h1' }, body: Buffer.from('Hello, world! and more') }, 16), 'Event: { headers:{host=h1} body: 48 65 6C 6C 6F 2C 20 77 6F 72 6C 64 21 20 61 6E  Hello, world! an }');
});

test("monitoring: Flume's JSON at GET /metrics, every value a string", async () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1', 'a1.sources.r1.command = echo one',
    'a1.channels.c1.type = memory', 'a1.sinks.k1.type = null', 'a1.sinks.k1.channel = c1',
  ], 'a1', { monitoringPort: 0 });
  await agent.start();
  try {
    const port = agent.monitoringPort!;
    assert.ok(await waitFor(async () => (await fetchMetrics(port))?.['SINK.k1']?.EventDrainSuccessCount === '1', 10000));
    const m = (await fetchMetrics(port))!;
    assert.deepEqual(Object.keys(m), ['CHANNEL.c1', 'SINK.k1', 'SOURCE.r1']);
    for (const group of Object.values(m)) for (const v of Object.values(group)) assert.equal(typeof v, 'string');
    assert.equal(m['SOURCE.r1']!.Type, 'SOURCE');
    assert.equal(m['SOURCE.r1']!.EventReceivedCount, '1');
    assert.equal(m['SOURCE.r1']!.EventAcceptedCount, '1');
    assert.equal(m['SOURCE.r1']!.AppendBatchAcceptedCount, '1');
    assert.equal(m['CHANNEL.c1']!.ChannelCapacity, '100');
    assert.equal(m['CHANNEL.c1']!.EventPutSuccessCount, '1');
    assert.equal(m['CHANNEL.c1']!.EventTakeSuccessCount, '1');
    assert.equal(m['CHANNEL.c1']!.ChannelFillPercentage, '0.0');
    assert.equal(m['SINK.k1']!.BatchUnderflowCount, '1');
    assert.ok(Number(m['SINK.k1']!.StartTime) > 0);
    assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);
  } finally {
    await agent.stop();
  }
});

test('gregor agent --help shows examples; a bad configuration exits 1 naming the key', async () => {
  const help = await gregor(['agent', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--conf-file/);
  assert.match(help.stdout, /Examples:\n {2}gregor agent --conf-file agent.conf --name a1/);
  const tmp = tempDir();
  try {
    const conf = join(tmp.path, 'bad.conf');
    writeFileSync(conf, 'a1.sources = r1\na1.channels = c1\na1.sources.r1.type = TAILDIR\na1.sources.r1.channels = c1\na1.channels.c1.type = memory\na1.channels.c1.capacity = -5\n');
    const r = await gregor(['agent', '-f', conf, '-n', 'a1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /a1\.channels\.c1\.capacity: -5 is out of range/);
    assert.match(r.stderr, /a1\.sources\.r1\.filegroups: is required/);
    const wrongName = await gregor(['agent', '-f', conf, '-n', 'agent2']);
    assert.equal(wrongName.code, 1);
    assert.match(wrongName.stderr, /no configuration found for agent 'agent2'/);
  } finally {
    tmp.cleanup();
  }
});
