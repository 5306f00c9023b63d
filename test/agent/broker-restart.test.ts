/**
 * Back-pressure end to end: the broker stops while the agent runs. The Kafka sink cannot
 * deliver, so the memory channel fills to capacity; the TAILDIR source gets
 * ChannelFullException and backs off without advancing its position. When the broker is back,
 * the channel drains and every line arrives (duplicates allowed, nothing lost), in order.
 */
import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import type { TaildirSource } from '../../src/agent/sources/taildir/taildir-source.js';
import { tempDir } from '../helpers/paths.js';
import { agentFrom, freePort, quietLogger, readTopic, waitFor } from './helpers.js';

test('broker stopped and restarted under the agent: channel fills, source backs off, then everything drains', async () => {
  const cluster = await startCluster({ brokers: 1, port: await freePort(), logger: quietLogger });
  const tmp = tempDir('gregor-agent-broker-');
  let restarted: Broker | null = null;
  const log = join(tmp.path, 'app.log');
  writeFileSync(log, '');
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([{ name: 'bp', numPartitions: 1, replicationFactor: 1 }]);
  await admin.close();
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1',
    'a1.sources.r1.filegroups = f1', `a1.sources.r1.filegroups.f1 = ${log}`,
    `a1.sources.r1.positionFile = ${join(tmp.path, 'pos.json')}`,
    'a1.sources.r1.batchSize = 100', 'a1.sources.r1.pollDelay = 50',
    'a1.sources.r1.backoffSleepIncrement = 100', 'a1.sources.r1.maxBackoffSleep = 300',
    'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = 1000', 'a1.channels.c1.transactionCapacity = 100',
    'a1.channels.c1.keep-alive = 0',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1',
    `a1.sinks.k1.kafka.bootstrap.servers = ${cluster.bootstrapServers}`,
    'a1.sinks.k1.kafka.topic = bp', 'a1.sinks.k1.flumeBatchSize = 100',
    'a1.sinks.k1.kafka.producer.linger.ms = 1',
    'a1.sinks.k1.kafka.producer.request.timeout.ms = 3000',
    'a1.sinks.k1.kafka.producer.delivery.timeout.ms = 60000',
    'a1.sinks.k1.kafka.producer.retry.backoff.max.ms = 200',
  ]);
  const line = (i: number): string => `bp-${String(i).padStart(6, '0')}`;
  const write = (from: number, to: number): void => {
    let s = '';
    for (let i = from; i < to; i++) s += `${line(i)}\n`;
    appendFileSync(log, s);
  };
  await agent.start();
  const metric = (group: string, name: string): number => Number(agent.counters.snapshot()[group]![name]);
  try {
    write(0, 500);
    assert.ok(await waitFor(() => metric('SINK.k1', 'EventDrainSuccessCount') >= 500, 20000), 'delivered while the broker is up');

    const old = cluster.brokers[0]!;
    await old.stop();
    write(500, 3000);
    // Full: the queue holds capacity minus the batch the blocked sink has taken (Flume's
    // ChannelSize does not count taken events either): at least 900 of 1000, "90.0" percent.
    assert.ok(await waitFor(() => Number(agent.counters.snapshot()['CHANNEL.c1']!.ChannelFillPercentage) >= 90, 20000), 'the channel fills');
    assert.ok(await waitFor(() => metric('SOURCE.r1', 'ChannelWriteFail') > 0, 20000), 'the source meets ChannelFullException');
    const source = agent.sources[0] as TaildirSource;
    const stuckAt = source.positions()[0]!.pos;
    assert.ok(stuckAt < 3000 * (line(0).length + 1), 'the source has not read past what the channel took');

    restarted = await Broker.start({ config: old.config, logger: quietLogger });
    write(3000, 4000);
    const got = await readTopic(restarted.bootstrap, 'bp', 1, 4000, 60000, (r) => new Set(r.map((x) => x.value)).size >= 4000);
    const values = got.map((r) => r.value);
    const firstSeen = [...new Set(values)];
    assert.equal(firstSeen.length, 4000, `every line delivered (${values.length} records, ${values.length - firstSeen.length} duplicates)`);
    assert.deepEqual(firstSeen, Array.from({ length: 4000 }, (_, i) => line(i)), 'in file order');
    assert.ok(await waitFor(() => metric('CHANNEL.c1', 'ChannelSize') === 0, 20000), 'the channel drains');
  } finally {
    await agent.stop();
    await restarted?.stop();
    await cluster.stop();
    tmp.cleanup();
  }
});
