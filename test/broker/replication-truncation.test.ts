/**
 * Follower truncation by leader epoch (KIP-101/279): the leader takes writes with acks=1 that no
 * follower fetched, then crashes; a follower becomes leader (new epoch) and takes other writes at
 * the same offsets. The old leader restarts as a follower: OffsetForLeaderEpoch tells it where
 * its epoch ends on the new leader, it truncates its divergent suffix and fetches the new
 * leader's records — both logs end identical (offsets, leader epochs, batches).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Broker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createLogger } from '../../src/util/logger.js';
import { batchesOf, createReplicatedTopic, logOf, replicationCluster, waitUntil } from './replication/helpers.js';
import { produceTo, readAll } from './replication/read.js';

test('a divergent old leader truncates to the new leader\'s log and converges after it restarts', { timeout: 90_000 }, async () => {
  const cluster = await replicationCluster();
  let restarted: Broker | undefined;
  try {
    await createReplicatedTopic(cluster.brokers[0]!, 'diverge');
    const stateOf = (b: Broker) => b.metadata.snapshot().topics.get('diverge')!.partitions[0]!;
    const oldLeader = cluster.brokers[stateOf(cluster.brokers[0]!).leader]!;
    const followers = cluster.brokers.filter((b) => b !== oldLeader);
    assert.equal((await produceTo(oldLeader, 'diverge', ['a', 'b'], -1)).errorCode, ErrorCode.NONE);
    assert.ok(await waitUntil(() => followers.every((f) => logOf(f, 'diverge')?.logEndOffset === 2n)));
    const oldEpoch = stateOf(oldLeader).leaderEpoch;

    // The followers stop fetching; the leader takes acks=1 writes only it has.
    for (const f of followers) f.replicaManager.replicaFetchers!.removeFetcherForPartition('diverge', 0);
    assert.deepEqual(await produceTo(oldLeader, 'diverge', ['x1', 'x2', 'x3'], 1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
    assert.equal(logOf(oldLeader, 'diverge')!.logEndOffset, 5n, 'one batch of three records at offsets 2-4');
    await oldLeader.crash();

    // A follower is elected (it was in the ISR) and writes at the same offsets in a new epoch.
    assert.ok(await waitUntil(() => followers.every((b) => stateOf(b).leader >= 0 && stateOf(b).leader !== oldLeader.brokerId)), 'a new leader');
    const newLeader = followers.find((b) => b.brokerId === stateOf(followers[0]!).leader)!;
    assert.ok(stateOf(newLeader).leaderEpoch > oldEpoch);
    assert.ok(await waitUntil(() => newLeader.replicaManager.getPartition('diverge', 0)?.isLeader === true));
    assert.deepEqual(await produceTo(newLeader, 'diverge', ['y1', 'y2'], -1), { errorCode: ErrorCode.NONE, baseOffset: 2n });

    // The old leader's log still has its divergent suffix on disk; it restarts and follows.
    restarted = await Broker.start({ config: oldLeader.config, logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }) });
    const leaderLog = logOf(newLeader, 'diverge')!;
    const converged = await waitUntil(() => {
      const log = logOf(restarted!, 'diverge');
      return log !== undefined && log.logEndOffset === leaderLog.logEndOffset && JSON.stringify(batchesOf(restarted!, 'diverge'), (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) === JSON.stringify(batchesOf(newLeader, 'diverge'), (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    }, 30_000);
    assert.ok(converged, `restarted LEO ${logOf(restarted, 'diverge')?.logEndOffset}, leader LEO ${leaderLog.logEndOffset}`);
    const batches = batchesOf(restarted, 'diverge');
    assert.deepEqual(batches.map((b) => [b.baseOffset, b.lastOffset]), [[0n, 1n], [2n, 3n]]);
    assert.ok(batches[1]!.leaderEpoch > batches[0]!.leaderEpoch, 'the new leader\'s epoch on its records');
    assert.ok(await waitUntil(() => stateOf(newLeader).isr.includes(restarted!.brokerId)), 'the restarted broker rejoins the ISR');
    const read = await readAll(newLeader, 'diverge');
    assert.deepEqual(read.records.map((r) => r.value), ['a', 'b', 'y1', 'y2']);
  } finally {
    await restarted?.stop();
    await cluster.stop();
  }
});

test('after an unclean election the old leader gives up records only it had and converges to the new leader\'s log', { timeout: 90_000 }, async () => {
  const cluster = await replicationCluster();
  const restarted: Broker[] = [];
  const quiet = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });
  try {
    // Replicas on brokers 1 (preferred leader) and 2; broker 0 (the controller) stays up throughout.
    const [created] = await cluster.brokers[0]!.metadata.createTopics([{
      name: 'unclean', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [1, 2]]]), configs: { 'unclean.leader.election.enable': 'true' },
    }], { timeoutMs: 15_000 });
    assert.equal(created!.errorCode, ErrorCode.NONE);
    const stateOf = () => cluster.brokers[0]!.metadata.snapshot().topics.get('unclean')!.partitions[0]!;
    const [, b1, b2] = cluster.brokers;
    assert.equal(stateOf().leader, 1);
    assert.ok(await waitUntil(() => b1!.replicaManager.getPartition('unclean', 0)?.isLeader === true));
    assert.equal((await produceTo(b1!, 'unclean', ['a', 'b'], -1)).errorCode, ErrorCode.NONE);

    await b2!.crash(); // the follower dies: the controller drops it from the ISR
    assert.ok(await waitUntil(() => stateOf().isr.join() === '1'), `ISR ${stateOf().isr}`);
    assert.ok(await waitUntil(() => b1!.replicaManager.getPartition('unclean', 0)?.isr.join() === '1'));
    assert.deepEqual(await produceTo(b1!, 'unclean', ['c', 'd'], -1), { errorCode: ErrorCode.NONE, baseOffset: 2n });
    await b1!.crash(); // now nobody in the ISR is alive

    // Broker 2 comes back out of sync; unclean.leader.election.enable lets it lead.
    const r2 = await Broker.start({ config: b2!.config, logger: quiet });
    restarted.push(r2);
    assert.ok(await waitUntil(() => stateOf().leader === 2 && r2.replicaManager.getPartition('unclean', 0)?.isLeader === true), `state ${JSON.stringify(stateOf())}`);
    assert.deepEqual(await produceTo(r2, 'unclean', ['e'], 1), { errorCode: ErrorCode.NONE, baseOffset: 2n });

    // Broker 1 returns with c, d at offsets 2-3 in an older epoch: it truncates them and takes e.
    const r1 = await Broker.start({ config: b1!.config, logger: quiet });
    restarted.push(r1);
    const same = () => {
      const a = batchesOf(r1, 'unclean');
      const b = batchesOf(r2, 'unclean');
      return a.length === b.length && a.every((x, i) => x.baseOffset === b[i]!.baseOffset && x.lastOffset === b[i]!.lastOffset && x.leaderEpoch === b[i]!.leaderEpoch && x.crc === b[i]!.crc);
    };
    assert.ok(await waitUntil(() => logOf(r1, 'unclean')?.logEndOffset === 3n && same(), 30_000), `broker 1 LEO ${logOf(r1, 'unclean')?.logEndOffset}`);
    assert.deepEqual((await readAll(r2, 'unclean')).records.map((r) => r.value), ['a', 'b', 'e']);
    assert.ok(await waitUntil(() => stateOf().isr.includes(1)), 'broker 1 rejoins the ISR');
  } finally {
    for (const b of restarted) await b.stop();
    await cluster.stop();
  }
});
