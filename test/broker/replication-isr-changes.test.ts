/**
 * The leader's ISR changes on a live 3-broker cluster: a follower whose fetching stops leaves
 * the ISR after replica.lag.time.max.ms (written to the keeper, partition epoch bumped), acks=all
 * with min.insync.replicas=3 is then refused with NOT_ENOUGH_REPLICAS (nothing appended), and the
 * follower rejoins once it fetches again and catches up; an acks=all produce that was appended
 * while the ISR was large enough but completes after it shrank answers
 * NOT_ENOUGH_REPLICAS_AFTER_APPEND. acks=1 is answered at once throughout.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import type { Broker } from '../../src/broker/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createReplicatedTopic, leaderOf, logOf, replicationCluster, waitUntil } from './replication/helpers.js';
import { produceTo } from './replication/read.js';

let cluster: EmbeddedCluster;
before(async () => {
  cluster = await replicationCluster({ 'replica.lag.time.max.ms': 1000 });
});
after(async () => {
  await cluster?.stop();
});

function keeperIsr(b: Broker, topic: string): number[] {
  return [...(b.metadata.snapshot().topics.get(topic)?.partitions[0]?.isr ?? [])].sort();
}

/** The ISR as the keeper has it and as the leader's partition has committed it, when they agree. */
function agreedIsr(leader: Broker, topic: string): string {
  const local = [...(leader.replicaManager.getPartition(topic, 0)?.isr ?? [])].sort().join();
  return local === keeperIsr(leader, topic).join() ? local : 'pending';
}

function stopFetching(b: Broker, topic: string): void {
  b.replicaManager.replicaFetchers!.removeFetcherForPartition(topic, 0);
}

function resumeFetching(b: Broker, topic: string): void {
  b.replicaManager.replicaFetchers!.addFetcherForPartition(b.replicaManager.getPartition(topic, 0)!);
}

test('a follower that stops fetching leaves the ISR; acks=all with min.insync.replicas=3 gets NOT_ENOUGH_REPLICAS; it rejoins after catching up', { timeout: 60_000 }, async () => {
  await createReplicatedTopic(cluster.brokers[0]!, 'isr3', { configs: { 'min.insync.replicas': '3' } });
  const leader = cluster.brokers[leaderOf(cluster, 'isr3')]!;
  const [follower, other] = cluster.brokers.filter((b) => b !== leader);
  assert.deepEqual(await produceTo(leader, 'isr3', ['a', 'b'], -1), { errorCode: ErrorCode.NONE, baseOffset: 0n });
  const epochBefore = leader.metadata.snapshot().topics.get('isr3')!.partitions[0]!.partitionEpoch;

  stopFetching(follower!, 'isr3');
  // The leader's LEO moves on without the follower (acks=1 answers at once).
  assert.equal((await produceTo(leader, 'isr3', ['c'], 1)).errorCode, ErrorCode.NONE);
  const shrunk = await waitUntil(() => agreedIsr(leader, 'isr3') === [leader.brokerId, other!.brokerId].sort().join());
  assert.ok(shrunk, `ISR in the keeper: ${keeperIsr(leader, 'isr3')}`);
  const state = leader.metadata.snapshot().topics.get('isr3')!.partitions[0]!;
  assert.ok(state.partitionEpoch > epochBefore, 'the ISR write bumped the partition epoch');
  assert.equal(state.leader, leader.brokerId, 'the leader (and its epoch) stays');
  const leo = logOf(leader, 'isr3')!.logEndOffset;
  assert.equal((await produceTo(leader, 'isr3', ['refused'], -1)).errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
  assert.equal(logOf(leader, 'isr3')!.logEndOffset, leo, 'NOT_ENOUGH_REPLICAS appends nothing');
  // The HW follows the smaller ISR.
  assert.ok(await waitUntil(() => logOf(leader, 'isr3')!.highWatermark === leo));

  resumeFetching(follower!, 'isr3');
  const expanded = await waitUntil(() => agreedIsr(leader, 'isr3') === '0,1,2');
  assert.ok(expanded, `ISR in the keeper: ${keeperIsr(leader, 'isr3')}`);
  assert.deepEqual(await produceTo(leader, 'isr3', ['d'], -1), { errorCode: ErrorCode.NONE, baseOffset: leo });
  assert.ok(await waitUntil(() => logOf(follower!, 'isr3')!.logEndOffset === leo + 1n));
});

test('acks=all appended with enough replicas, completed after the ISR shrank below min.insync.replicas: NOT_ENOUGH_REPLICAS_AFTER_APPEND', { timeout: 60_000 }, async () => {
  await createReplicatedTopic(cluster.brokers[0]!, 'isr2', { configs: { 'min.insync.replicas': '2' } });
  const leader = cluster.brokers[leaderOf(cluster, 'isr2')]!;
  const followers = cluster.brokers.filter((b) => b !== leader);
  assert.equal((await produceTo(leader, 'isr2', ['x'], -1)).errorCode, ErrorCode.NONE);
  for (const f of followers) stopFetching(f, 'isr2');
  // Appended (the ISR has 3), then the followers never fetch it: both leave the ISR, the HW passes
  // the batch with the leader alone, and the produce is answered with the ISR below 2.
  const r = await produceTo(leader, 'isr2', ['y'], -1);
  assert.equal(r.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  assert.deepEqual(keeperIsr(leader, 'isr2'), [leader.brokerId]);
  for (const f of followers) resumeFetching(f, 'isr2');
  assert.ok(await waitUntil(() => agreedIsr(leader, 'isr2') === '0,1,2'), `ISR: ${keeperIsr(leader, 'isr2')}`);
  assert.equal((await produceTo(leader, 'isr2', ['z'], -1)).errorCode, ErrorCode.NONE);
});
