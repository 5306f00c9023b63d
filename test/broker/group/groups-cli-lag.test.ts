/**
 * `gregor groups --describe` while a live consumer lags behind a producer: a KafkaJS member
 * commits what it consumed, then stops committing (it stays in the group, heart-beating) while
 * kcat produces more. The table must show, per partition, the member's committed offset, the
 * log end offset, their difference as LAG, and the member's id, host and client id — the
 * columns of kafka-consumer-groups.sh. The expected numbers come from the clients, not from
 * the broker: the offsets KafkaJS committed and KafkaJS admin's log end offsets.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import { interopTool } from '../../helpers/interop.js';
import { cliPath } from '../../helpers/paths.js';
import { createTopic, produceWithKcat, run, startGroupCluster, waitUntil } from './helpers.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
const TOPIC = 'lag-topic';
const GROUP = 'lag-group';
const values = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

let cluster: EmbeddedCluster;
before(async () => {
  cluster = await startGroupCluster();
});
after(async () => {
  await cluster?.stop();
});

test('groups --describe shows each partition\'s lag while a member lags behind the producer', { skip: kcat.skip, timeout: 90_000 }, async () => {
  await createTopic(cluster, TOPIC, 3);
  const kafka = new Kafka({ clientId: 'lagging-app', brokers: cluster.bootstrapServers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10, initialRetryTime: 100 } });
  const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 300, rebalanceTimeout: 10_000, maxWaitTimeInMs: 500 });
  const committed = new Map<number, number>();
  let consumed = 0;
  let frozen = false;
  let memberId = '';
  consumer.on(consumer.events.GROUP_JOIN, (e) => (memberId = e.payload.memberId));
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (frozen) return;
        const next = Number(message.offset) + 1;
        await consumer.commitOffsets([{ topic: TOPIC, partition, offset: String(next) }]);
        committed.set(partition, next);
        consumed++;
      },
    });
    await waitUntil(() => memberId !== '', 40_000, () => 'no GROUP_JOIN');
    await produceWithKcat(cluster.bootstrapServers, TOPIC, values('early', 20));
    await waitUntil(() => consumed >= 20, 30_000, () => `${consumed} consumed and committed`);
    frozen = true; // the member stays, but commits nothing more: it lags from here on
    await produceWithKcat(cluster.bootstrapServers, TOPIC, values('late', 12));

    const admin = kafka.admin();
    await admin.connect();
    const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, Number(p.high)]));
    await admin.disconnect();
    assert.equal([...ends.values()].reduce((a, b) => a + b, 0), 32);

    const r = await run(['node', cliPath, 'groups', '--bootstrap-server', cluster.bootstrapServers, '--describe', '--group', GROUP]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    assert.match(lines[0]!, /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/);
    const rows = lines.slice(1).map((l) => l.split(/\s+/));
    assert.equal(rows.length, 3, r.stdout);
    let totalLag = 0;
    for (const [group, topic, partition, current, end, lag, consumerId, host, clientId] of rows) {
      const p = Number(partition);
      const expectedCurrent = committed.get(p);
      assert.equal(group, GROUP);
      assert.equal(topic, TOPIC);
      assert.equal(end, String(ends.get(p)), `log end offset of partition ${p}`);
      // A partition that got nothing early has no committed offset: Kafka prints '-' and the lag is unknown.
      if (expectedCurrent === undefined) {
        assert.equal(current, '-', r.stdout);
        totalLag += ends.get(p)!;
      } else {
        assert.equal(current, String(expectedCurrent), `committed offset of partition ${p}`);
        assert.equal(lag, String(ends.get(p)! - expectedCurrent), `lag of partition ${p}`);
        totalLag += Number(lag);
      }
      assert.equal(consumerId, memberId, 'the lagging member owns the partition');
      assert.equal(host, '/127.0.0.1');
      assert.equal(clientId, 'lagging-app');
    }
    assert.equal(totalLag, 12, r.stdout);
  } finally {
    await consumer.disconnect();
  }
});
