/**
 * Consumer groups with other third-party clients: kcat's balanced consumer (-G), kafka-python
 * (commit, restart, resume from the committed offset), KafkaJS (two members), a member that
 * stops heart-beating (SIGKILL: its partitions move after session.timeout.ms), and a broker
 * restart (committed offsets survive in __consumer_offsets and consumers resume from them).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { interopTool, pythonModule } from '../helpers/interop.js';
import { tempDir } from '../helpers/paths.js';
import {
  ConsumerProcess, createTopic, produceWithKcat, startConfluentConsumer, startGroupCluster, startKafkaPythonConsumer, waitUntil,
} from '../broker/group/helpers.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
const kafkaPython = pythonModule('kafka');
const confluent = pythonModule('confluent_kafka');
const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('consumer groups with third-party clients', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startGroupCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('kcat -G: two balanced consumers share the partitions and see every message once', { skip: kcat.skip, timeout: 60_000 }, async () => {
    await createTopic(cluster, 'kcat-topic', 4);
    const members = ['k1', 'k2'].map((m) => {
      const child = spawn('kcat', ['-u', '-b', cluster.bootstrapServers, '-G', 'kcat-group', '-o', 'beginning', '-f', '{"value":"%s","partition":%p,"offset":%o}\\n', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300', 'kcat-topic'], { stdio: ['ignore', 'pipe', 'pipe'] });
      return new ConsumerProcess(m, child);
    });
    const report = () => members.map((m) => `${m.member}: ${m.consumed.length}\n${m.stderr.slice(-1000)}`).join('\n');
    try {
      await waitUntil(() => members.every((m) => /assigned: kcat-topic/.test(m.stderr)), 30_000, report);
      await produceWithKcat(cluster.bootstrapServers, 'kcat-topic', values('k', 40));
      await waitUntil(() => members.reduce((n, m) => n + m.consumed.length, 0) >= 40, 30_000, report);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(members.flatMap((m) => m.consumed.map((c) => c.value)).sort(), values('k', 40).sort(), report());
      assert.ok(members.every((m) => m.consumed.length > 0), report());
      const owners = new Map<number, Set<string>>();
      for (const c of members.flatMap((m) => m.consumed)) owners.set(c.partition, (owners.get(c.partition) ?? new Set()).add(c.member));
      for (const [p, o] of owners) assert.equal(o.size, 1, `partition ${p} consumed by ${[...o].join(',')}`);
    } finally {
      await Promise.all(members.map((m) => m.stop()));
    }
  });

  test('kafka-python commits, is restarted and resumes from the committed offset', { skip: kafkaPython.skip, timeout: 60_000 }, async () => {
    await createTopic(cluster, 'kp-topic', 3);
    await produceWithKcat(cluster.bootstrapServers, 'kp-topic', values('first', 20));
    let c = startKafkaPythonConsumer('kp1', cluster.bootstrapServers, 'kp-group', 'kp-topic');
    try {
      await waitUntil(() => c.consumed.length >= 20, 40_000, () => c.stderr);
      assert.equal(await c.stop(), 0, c.stderr);
      assert.deepEqual(c.consumed.map((x) => x.value).sort(), values('first', 20).sort());
      await produceWithKcat(cluster.bootstrapServers, 'kp-topic', values('second', 10));
      c = startKafkaPythonConsumer('kp2', cluster.bootstrapServers, 'kp-group', 'kp-topic');
      await waitUntil(() => c.consumed.length >= 10, 40_000, () => c.stderr);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(c.consumed.map((x) => x.value).sort(), values('second', 10).sort(), 'the restarted consumer resumes after its commits');
    } finally {
      await c.stop();
    }
  });

  test('KafkaJS: a group of two members splits the partitions and consumes everything once', { timeout: 60_000 }, async () => {
    await createTopic(cluster, 'kjs-topic', 4);
    const kafka = new Kafka({ clientId: 'kjs', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
    const seen: { member: number; value: string; partition: number }[] = [];
    const assigned = new Map<number, number[]>();
    const consumers = [0, 1].map(() => kafka.consumer({ groupId: 'kjs-group', sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 }));
    try {
      for (const [i, consumer] of consumers.entries()) {
        consumer.on(consumer.events.GROUP_JOIN, (e) => assigned.set(i, e.payload.memberAssignment['kjs-topic'] ?? []));
        await consumer.connect();
        await consumer.subscribe({ topic: 'kjs-topic', fromBeginning: true });
        await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push({ member: i, value: message.value!.toString(), partition }) });
      }
      await waitUntil(() => assigned.size === 2 && [...assigned.values()].every((p) => p.length > 0) && [...assigned.values()].flat().length === 4, 40_000, () => JSON.stringify([...assigned]));
      await produceWithKcat(cluster.bootstrapServers, 'kjs-topic', values('kjs', 40));
      await waitUntil(() => seen.length >= 40, 30_000, () => `${seen.length} seen`);
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(seen.map((s) => s.value).sort(), values('kjs', 40).sort());
      assert.deepEqual([...assigned.values()].flat().sort(), [0, 1, 2, 3]);
    } finally {
      for (const c of consumers) await c.disconnect();
    }
  });

  test('a member that stops heart-beating is removed after session.timeout.ms and its partitions move', { skip: confluent.skip, timeout: 60_000 }, async () => {
    await createTopic(cluster, 'hb-topic', 6);
    const extra = { 'session.timeout.ms': 2000 };
    const a = startConfluentConsumer('a', cluster.bootstrapServers, 'hb-group', 'hb-topic', 'range', extra);
    const b = startConfluentConsumer('b', cluster.bootstrapServers, 'hb-group', 'hb-topic', 'range', extra);
    const report = () => [a, b].map((m) => `${m.member}: ${m.events.join(' ')} ${m.stderr.slice(-800)}`).join('\n');
    try {
      const lastAssign = (m: ConsumerProcess) => [...m.events].reverse().find((e) => e.startsWith('assign:'));
      await waitUntil(() => [a, b].every((m) => (lastAssign(m)?.length ?? 0) > 'assign:'.length), 30_000, report);
      await b.kill(); // SIGKILL sends no LeaveGroup: only the session timeout can remove it
      await waitUntil(() => lastAssign(a) === 'assign:0,1,2,3,4,5', 30_000, report);
      await produceWithKcat(cluster.bootstrapServers, 'hb-topic', values('hb', 30));
      await waitUntil(() => a.consumed.length >= 30, 30_000, report);
      assert.deepEqual(new Set(a.consumed.map((c) => c.partition)).size, 6);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('committed offsets survive a broker restart', { skip: kafkaPython.skip }, () => {
  test('the group resumes where it committed', { timeout: 90_000 }, async () => {
    const dir = tempDir('gregor-group-restart-');
    let cluster = await startGroupCluster({ dataDir: dir.path });
    let c: ConsumerProcess | null = null;
    try {
      await createTopic(cluster, 'restart-topic', 3);
      await produceWithKcat(cluster.bootstrapServers, 'restart-topic', values('before', 15));
      c = startKafkaPythonConsumer('r1', cluster.bootstrapServers, 'restart-group', 'restart-topic');
      await waitUntil(() => c!.consumed.length >= 15, 40_000, () => c!.stderr);
      assert.equal(await c.stop(), 0, c.stderr);
      await cluster.stop();

      cluster = await startGroupCluster({ dataDir: dir.path });
      await produceWithKcat(cluster.bootstrapServers, 'restart-topic', values('after', 10));
      c = startKafkaPythonConsumer('r2', cluster.bootstrapServers, 'restart-group', 'restart-topic');
      await waitUntil(() => c!.consumed.length >= 10, 40_000, () => c!.stderr);
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(c.consumed.map((x) => x.value).sort(), values('after', 10).sort());
    } finally {
      await c?.stop();
      await cluster.stop();
      dir.cleanup();
    }
  });
});
