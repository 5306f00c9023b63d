/**
 * confluent_kafka (librdkafka) consumer groups against Gregor's group coordinator: three
 * consumer processes in one group on a 6-partition topic consume every message exactly once
 * across members while one member leaves and another joins — with the range, roundrobin and
 * cooperative-sticky (incremental rebalance) assignors. Each consumer commits every message
 * synchronously before reporting it, so a partition's next owner resumes exactly after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { pythonModule } from '../helpers/interop.js';
import { createTopic, produceWithKcat, startConfluentConsumer, startGroupCluster, waitUntil, type ConsumerProcess } from '../broker/group/helpers.js';

const confluent = pythonModule('confluent_kafka');
const PER_PHASE = 30;

describe('confluent_kafka consumer groups', { skip: confluent.skip }, () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startGroupCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  for (const strategy of ['range', 'roundrobin', 'cooperative-sticky']) {
    test(`3 members, one leaves and one joins: every message exactly once (${strategy})`, { timeout: 90_000 }, async () => {
      const topic = `orders-${strategy}`;
      const group = `g-${strategy}`;
      await createTopic(cluster, topic, 6);
      const bootstrap = cluster.bootstrapServers;
      const members: ConsumerProcess[] = ['a', 'b', 'c'].map((m) => startConfluentConsumer(m, bootstrap, group, topic, strategy));
      const all = () => members.flatMap((m) => m.consumed);
      const report = () => members.map((m) => `${m.member}: ${m.consumed.length} consumed, events ${m.events.join(' ')}\n${m.stderr.slice(-1500)}`).join('\n');
      try {
        // Every member owns partitions before the first messages arrive.
        await waitUntil(() => members.every((m) => m.events.some((e) => e.startsWith('assign:') && e.length > 'assign:'.length)), 40_000, report);
        await produceWithKcat(bootstrap, topic, Array.from({ length: PER_PHASE }, (_, i) => `one-${i}`));
        await waitUntil(() => all().length >= PER_PHASE, 30_000, report);

        // c leaves cleanly (LeaveGroup), d joins.
        assert.equal(await members[2]!.stop(), 0, members[2]!.stderr);
        members.push(startConfluentConsumer('d', bootstrap, group, topic, strategy));
        await waitUntil(() => members[3]!.events.some((e) => e.startsWith('assign:') && e.length > 'assign:'.length), 40_000, report);
        await produceWithKcat(bootstrap, topic, Array.from({ length: PER_PHASE }, (_, i) => `two-${i}`));
        await waitUntil(() => all().length >= 2 * PER_PHASE, 30_000, report);
        await new Promise((r) => setTimeout(r, 500)); // duplicates, if any, would show up now

        const values = all().map((c) => c.value).sort();
        const expected = [...Array.from({ length: PER_PHASE }, (_, i) => `one-${i}`), ...Array.from({ length: PER_PHASE }, (_, i) => `two-${i}`)].sort();
        assert.deepEqual(values, expected, report());
        // The second phase was shared by the three remaining members' partitions.
        const partitionsPhase2 = new Set(all().filter((c) => c.value.startsWith('two-')).map((c) => `${c.member}:${c.partition}`));
        assert.ok(!all().some((c) => c.member === 'c' && c.value.startsWith('two-')), 'c left before phase two');
        assert.ok(partitionsPhase2.size >= 2, report());
      } finally {
        await Promise.all(members.map((m) => m.stop()));
      }
    });
  }
});
