/**
 * Leader failover with replication: the leader of an RF=3 topic crashes (Broker.crash(): no
 * clean shutdown, session closed) while a producer sends with acks=all. The controller elects a
 * new leader from the ISR; every acknowledged record is readable, in send order, from it; the
 * crashed broker restarts on its old log directory, truncates / catches up as a follower and
 * rejoins the ISR with a log identical to the new leader's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker/broker.js';
import { Producer } from '../../src/client/index.js';
import { createLogger } from '../../src/util/logger.js';
import { batchesOf, createReplicatedTopic, logOf, replicationCluster, waitUntil } from './replication/helpers.js';
import { readAll } from './replication/read.js';

test('the leader crashes under acks=all load: no acknowledged record is lost; the restarted broker catches up and rejoins the ISR', { timeout: 120_000 }, async () => {
  const cluster = await replicationCluster();
  let restarted: Broker | undefined;
  try {
    await createReplicatedTopic(cluster.brokers[0]!, 'failover', { configs: { 'min.insync.replicas': '2' } });
    const stateOf = (b: Broker) => b.metadata.snapshot().topics.get('failover')!.partitions[0]!;
    const oldLeader = cluster.brokers[stateOf(cluster.brokers[0]!).leader]!;
    const survivors = cluster.brokers.filter((b) => b !== oldLeader);
    const oldEpoch = stateOf(survivors[0]!).leaderEpoch;

    const producer = new Producer({ bootstrapServers: survivors.map((b) => b.bootstrap).join(','), acks: 'all', lingerMs: 1, retryBackoffMs: 50, deliveryTimeoutMs: 60_000 });
    const total = 3000;
    const acked: number[] = [];
    const failed: number[] = [];
    const sends: Promise<void>[] = [];
    try {
      for (let i = 0; i < total; i++) {
        sends.push(producer.send({ topic: 'failover', partition: 0, value: `m${i}` }).then(() => { acked.push(i); }, () => { failed.push(i); }));
        if (i === 1000) {
          // Some records are acknowledged, more are in flight: crash the leader now.
          assert.ok(await waitUntil(() => acked.length >= 500, 30_000), 'first acknowledgements');
          await oldLeader.crash();
        }
        if (i % 100 === 99) await new Promise((r) => setImmediate(r));
      }
      await Promise.all(sends);
    } finally {
      await producer.close();
    }
    assert.ok(acked.length > 1000, `acknowledged ${acked.length}, failed ${failed.length}`);

    assert.ok(await waitUntil(() => survivors.every((b) => stateOf(b).leader !== oldLeader.brokerId && stateOf(b).leader >= 0)), 'a new leader');
    const state = stateOf(survivors[0]!);
    assert.ok(state.leaderEpoch > oldEpoch);
    assert.ok(!state.isr.includes(oldLeader.brokerId), 'the crashed broker left the ISR');
    const newLeader = survivors.find((b) => b.brokerId === state.leader)!;
    assert.ok(await waitUntil(() => newLeader.replicaManager.getPartition('failover', 0)?.isLeader === true));

    const read = await readAll(newLeader, 'failover');
    assert.equal(read.errorCode, 0);
    const positions = new Map<string, number>();
    read.records.forEach((r, i) => { if (!positions.has(r.value)) positions.set(r.value, i); });
    const missing = acked.filter((i) => !positions.has(`m${i}`));
    assert.deepEqual(missing, [], 'every acknowledged record is on the new leader');
    // In send order: acknowledged records appear in the log in the order they were sent.
    const order = [...acked].sort((a, b) => a - b).map((i) => positions.get(`m${i}`)!);
    for (let k = 1; k < order.length; k++) assert.ok(order[k]! > order[k - 1]!, `m${k} out of order`);
    read.records.forEach((r, i) => assert.equal(r.offset, BigInt(i), 'offsets are dense'));

    // The crashed broker comes back on its log directory: it follows, truncates, catches up, rejoins.
    restarted = await Broker.start({ config: oldLeader.config, logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }) });
    const leaderLog = logOf(newLeader, 'failover')!;
    const caughtUp = await waitUntil(() => logOf(restarted!, 'failover')?.logEndOffset === leaderLog.logEndOffset && stateOf(newLeader).isr.length === 3, 30_000);
    assert.ok(caughtUp, `restarted LEO ${logOf(restarted, 'failover')?.logEndOffset}, leader LEO ${leaderLog.logEndOffset}, ISR ${stateOf(newLeader).isr}`);
    assert.deepEqual(batchesOf(restarted, 'failover'), batchesOf(newLeader, 'failover'), 'the restarted replica holds exactly the leader\'s log');
  } finally {
    await restarted?.stop();
    await cluster.stop();
  }
});
