/**
 * Static membership (KIP-345) with librdkafka: a consumer with group.instance.id that is killed
 * and restarted within its session timeout takes its old place under a new member id — same
 * partitions, no rebalance for the other member (the old member id is fenced; see the core's
 * unit tests for FENCED_INSTANCE_ID).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pythonModule } from '../helpers/interop.js';
import { createTopic, produceWithKcat, startConfluentConsumer, startGroupCluster, waitUntil, type ConsumerProcess } from '../broker/group/helpers.js';

const confluent = pythonModule('confluent_kafka');

test('a static member restarted within its session keeps its partitions without a rebalance', { skip: confluent.skip, timeout: 90_000 }, async () => {
  const cluster = await startGroupCluster();
  const members: ConsumerProcess[] = [];
  try {
    await createTopic(cluster, 'static-topic', 4);
    const start = (name: string, instance: string) => {
      const c = startConfluentConsumer(name, cluster.bootstrapServers, 'static-group', 'static-topic', 'range', { 'group.instance.id': instance, 'session.timeout.ms': 10_000 });
      members.push(c);
      return c;
    };
    const assigned = (m: ConsumerProcess) => [...m.events].reverse().find((e) => e.startsWith('assign:') && e.length > 'assign:'.length);
    const report = () => members.map((m) => `${m.member}: ${m.events.join(' ')}\n${m.stderr.slice(-800)}`).join('\n');
    const a = start('a', 'instance-a');
    const b = start('b', 'instance-b');
    await waitUntil(() => assigned(a) !== undefined && assigned(b) !== undefined && assigned(a) !== assigned(b), 40_000, report);
    const before = { a: assigned(a)!, b: assigned(b)!, bEvents: b.events.length };

    await a.kill(); // no LeaveGroup: static members never send one on a crash
    const a2 = start('a2', 'instance-a');
    await waitUntil(() => assigned(a2) !== undefined, 30_000, report);
    assert.equal(assigned(a2), before.a, 'the restarted instance gets its old partitions');
    await produceWithKcat(cluster.bootstrapServers, 'static-topic', Array.from({ length: 20 }, (_, i) => `s-${i}`));
    await waitUntil(() => a2.consumed.length + b.consumed.length >= 20, 30_000, report);
    assert.deepEqual(b.events.slice(before.bEvents), [], 'the other member saw no rebalance');
    assert.deepEqual([...a2.consumed, ...b.consumed].map((c) => c.value).sort(), Array.from({ length: 20 }, (_, i) => `s-${i}`).sort());
  } finally {
    await Promise.all(members.map((m) => m.stop()));
    await cluster.stop();
  }
});
