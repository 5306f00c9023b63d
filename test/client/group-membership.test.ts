/**
 * Group membership edge cases on two brokers (the offsets topic on both, so the coordinator can
 * move): a static member fenced by another instance with its group.instance.id, a commit whose
 * generation went stale while it was being retried, and a coordinator that stops while a rejoin
 * is due. The last test stops a broker: keep it last.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer } from '../../src/client/consumer/consumer.js';
import { Producer } from '../../src/client/producer/producer.js';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import type { TopicPartition } from '../../src/client/offsets.js';

let cluster: EmbeddedCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster({ brokers: 2, brokerConfig: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.replication.factor': 2 } });
  admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
});
after(async () => {
  await admin.close();
  await cluster.stop();
});

interface GroupInternals { memberId: string; generationId: number; coordinator: number; rejoinNeeded: boolean; lost: boolean }
const groupOf = (c: Consumer): GroupInternals => (c as unknown as { group: GroupInternals }).group;

async function pollUntil(consumers: Consumer[], done: () => boolean, what: string, boundMs = 20_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!done()) {
    assert.ok(Date.now() < deadline, `not within ${boundMs} ms: ${what}`);
    await Promise.all(consumers.map((c) => c.poll({ timeoutMs: 100 })));
  }
}

test('a static member fenced by a newer instance with its group.instance.id fails with FENCED_INSTANCE_ID instead of rejoining for ever', async () => {
  const topic = 'fenced-static';
  const groupId = 'fenced-static-group';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  const config = { bootstrapServers: cluster.bootstrapServers, groupId, groupInstanceId: 'instance-1', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 };
  const old = new Consumer(config);
  const newer = new Consumer(config);
  const lost: TopicPartition[][] = [];
  old.subscribe([topic], { onPartitionsLost: (tps) => void lost.push(tps) });
  newer.subscribe([topic]);
  try {
    await pollUntil([old], () => old.assignment().length === 2, 'the first instance joined');
    // The second instance takes over the static membership: the coordinator fences the first one.
    await pollUntil([newer], () => newer.assignment().length === 2, 'the second instance took over');
    const newerGeneration = groupOf(newer).generationId;
    let failure: unknown = null;
    for (let i = 0; i < 100 && failure === null; i++) {
      try {
        await old.poll({ timeoutMs: 100 });
        await newer.poll({ timeoutMs: 0 });
      } catch (err) {
        failure = err;
      }
    }
    // As Java's FencedInstanceIdException: fatal for the fenced instance, which must not rejoin
    // (with a reset member id it would fence the newer instance in turn, back and forth).
    assert.ok(failure instanceof KafkaError && failure.errorCode === ErrorCode.FENCED_INSTANCE_ID, `poll() failed with FENCED_INSTANCE_ID (got ${String(failure)})`);
    await assert.rejects(old.poll({ timeoutMs: 100 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.FENCED_INSTANCE_ID, 'and keeps failing');
    await assert.rejects(old.commit([{ topic, partition: 0, offset: 1n }]), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.FENCED_INSTANCE_ID, 'commits fail with it too');
    assert.deepEqual(old.assignment(), [], 'the fenced instance consumes nothing');
    assert.equal(lost.length, 1, 'its partitions were reported lost once');
    for (let i = 0; i < 5; i++) await newer.poll({ timeoutMs: 100 });
    assert.equal(groupOf(newer).generationId, newerGeneration, 'the newer instance kept its generation');
    assert.equal(newer.assignment().length, 2);
    const [desc] = await admin.describeGroups([groupId]);
    assert.deepEqual(desc!.members.map((m) => m.memberId), [groupOf(newer).memberId]);
  } finally {
    await old.close();
    await newer.close();
  }
});

test('a commit answered ILLEGAL_GENERATION for a generation the member has already left behind does not cost the member its new generation', async () => {
  const topic = 'stale-commit';
  const groupId = 'stale-commit-group';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  // The commit's retry waits retry.backoff.ms; the join's own retries wait at most 1 s.
  const config = {
    bootstrapServers: cluster.bootstrapServers, groupId, enableAutoCommit: false, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000,
    retryBackoffMs: 4000, retryBackoffMaxMs: 4000,
  };
  const a = new Consumer(config);
  const b = new Consumer(config);
  const lost: TopicPartition[][] = [];
  a.subscribe([topic], { onPartitionsLost: (tps) => void lost.push(tps) });
  try {
    await pollUntil([a], () => a.assignment().length === 2, 'a joined');
    const group = groupOf(a);
    const firstGeneration = group.generationId;
    // The cached coordinator is the wrong broker: the commit (made for the current generation)
    // meets NOT_COORDINATOR and is retried after retry.backoff.ms, meanwhile b joins.
    group.coordinator = group.coordinator === 0 ? 1 : 0;
    const commit = a.commit([{ topic, partition: 0, offset: 1n }]).then(() => null, (err: unknown) => err);
    b.subscribe([topic]);
    await pollUntil([a, b], () => a.assignment().length === 1 && b.assignment().length === 1 && group.generationId > firstGeneration, 'the group rebalanced onto both');
    const err = await commit;
    assert.ok(err instanceof KafkaError && err.errorCode === ErrorCode.ILLEGAL_GENERATION, `the retried commit was refused as stale (got ${String(err)})`);
    const generation = group.generationId;
    assert.equal(group.lost, false, 'a stale commit\'s answer says nothing about the current generation (Java: generationUnchanged())');
    for (let i = 0; i < 5; i++) await Promise.all([a.poll({ timeoutMs: 100 }), b.poll({ timeoutMs: 100 })]);
    assert.deepEqual(lost, []);
    assert.equal(group.generationId, generation, 'no further rebalance');
    assert.equal(a.assignment().length, 1);
  } finally {
    await a.close();
    await b.close();
  }
});

test('cooperative-sticky: a member that unsubscribes a topic revokes its partitions before it rejoins, so no one is given a partition another still owns', async () => {
  const [t1, t2] = ['coop-unsub-1', 'coop-unsub-2'];
  const groupId = 'coop-unsub-group';
  await admin.createTopics([{ name: t1, numPartitions: 2, replicationFactor: 2 }, { name: t2, numPartitions: 1, replicationFactor: 2 }]);
  const config = { bootstrapServers: cluster.bootstrapServers, groupId, partitionAssignmentStrategy: ['cooperative-sticky' as const], heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 };
  const a = new Consumer(config);
  const b = new Consumer(config);
  const t2Moves: string[] = [];
  const has = (tps: TopicPartition[]): boolean => tps.some((tp) => tp.topic === t2);
  a.subscribe([t1, t2], { onPartitionsRevoked: (tps) => void (has(tps) && t2Moves.push(`a revoked in generation ${groupOf(a).generationId}`)) });
  b.subscribe([t1], { onPartitionsAssigned: (tps) => void (has(tps) && t2Moves.push(`b assigned in generation ${groupOf(b).generationId}`)) });
  try {
    await pollUntil([a, b], () => a.assignment().length + b.assignment().length === 3 && b.assignment().length > 0 && !groupOf(a).rejoinNeeded && !groupOf(b).rejoinNeeded, 'the group is stable');
    assert.ok(has(a.assignment()), 'a, the only subscriber of t2, owns it');
    const before = groupOf(a).generationId;
    // a gives t2 up, b takes it on: a must revoke t2-0 before it joins the next generation
    // (Java's onJoinPrepare), or the leader gives it to b while a still consumes it.
    a.subscribe([t1], { onPartitionsRevoked: (tps) => void (has(tps) && t2Moves.push(`a revoked in generation ${groupOf(a).generationId}`)) });
    b.subscribe([t1, t2], { onPartitionsAssigned: (tps) => void (has(tps) && t2Moves.push(`b assigned in generation ${groupOf(b).generationId}`)) });
    await pollUntil([a, b], () => has(b.assignment()), 'b got t2');
    assert.equal(has(a.assignment()), false);
    assert.deepEqual(t2Moves, [`a revoked in generation ${before}`, `b assigned in generation ${before + 1}`]);
  } finally {
    await a.close();
    await b.close();
  }
});

test('cooperative-sticky with enable.auto.commit=false: partitions revoked in a rebalance are not committed behind the application\'s back', async () => {
  const topic = 'coop-manual-commit';
  const groupId = 'coop-manual-commit-group';
  await admin.createTopics([{ name: topic, numPartitions: 4, replicationFactor: 2 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await Promise.all(Array.from({ length: 40 }, (_, i) => producer.send({ topic, partition: i % 4, value: `m${i}` })));
  await producer.close();
  const config = {
    bootstrapServers: cluster.bootstrapServers, groupId, partitionAssignmentStrategy: ['cooperative-sticky' as const], enableAutoCommit: false,
    autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000,
  };
  const a = new Consumer(config);
  const b = new Consumer(config);
  const revoked: TopicPartition[] = [];
  a.subscribe([topic], { onPartitionsRevoked: (tps) => void revoked.push(...tps) });
  try {
    let read = 0;
    const deadline = Date.now() + 20_000;
    while (read < 40) {
      assert.ok(Date.now() < deadline, 'a read the 40 records');
      read += (await a.poll({ timeoutMs: 100 })).length;
    }
    b.subscribe([topic]);
    await pollUntil([a, b], () => a.assignment().length === 2 && b.assignment().length === 2, 'the partitions were split');
    assert.equal(revoked.length, 2);
    // The application never committed: nothing may be (Java commits on a rebalance only with auto-commit).
    assert.deepEqual(await admin.listConsumerGroupOffsets(groupId), []);
  } finally {
    await a.close();
    await b.close();
  }
});

test('close() and unsubscribe() give the partitions up through the listener (Java\'s onLeavePrepare): revoked when the generation stands, lost when the membership is gone', async () => {
  const topic = 'leave-callbacks';
  const groupId = 'leave-callbacks-group';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  const config = { bootstrapServers: cluster.bootstrapServers, groupId, enableAutoCommit: false, autoOffsetReset: 'earliest' as const, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 };
  const events: string[] = [];
  const names = (tps: TopicPartition[]): string => tps.map((tp) => tp.partition).sort().join(',');
  // 1. close(): onPartitionsRevoked, in which the application commits (a common Java pattern).
  const a = new Consumer(config);
  a.subscribe([topic], {
    onPartitionsRevoked: async (tps) => {
      events.push(`a revoked ${names(tps)}`);
      await a.commit(tps.map((tp) => ({ ...tp, offset: 3n })));
    },
    onPartitionsLost: (tps) => void events.push(`a lost ${names(tps)}`),
  });
  await pollUntil([a], () => a.assignment().length === 2, 'a joined');
  await a.close();
  assert.deepEqual(events, ['a revoked 0,1']);
  assert.deepEqual((await admin.listConsumerGroupOffsets(groupId)).map((o) => o.offset), [3n, 3n], 'the commit made in onPartitionsRevoked on close landed');
  // 2. unsubscribe(): the same, and the consumer owns nothing afterwards.
  const b = new Consumer(config);
  b.subscribe([topic], { onPartitionsRevoked: (tps) => void events.push(`b revoked ${names(tps)}`), onPartitionsLost: (tps) => void events.push(`b lost ${names(tps)}`) });
  try {
    await pollUntil([b], () => b.assignment().length === 2, 'b joined');
    await b.unsubscribe();
    assert.deepEqual(b.assignment(), []);
    assert.deepEqual(events.slice(1), ['b revoked 0,1']);
  } finally {
    await b.close();
  }
  // 3. A member the coordinator no longer knows: close() reports the partitions lost, commits nothing.
  const c = new Consumer({ ...config, enableAutoCommit: true });
  c.subscribe([topic], { onPartitionsRevoked: (tps) => void events.push(`c revoked ${names(tps)}`), onPartitionsLost: (tps) => void events.push(`c lost ${names(tps)}`) });
  await pollUntil([c], () => c.assignment().length === 2, 'c joined');
  const cGroup = groupOf(c);
  await admin.removeMembersFromConsumerGroup(groupId, [{ memberId: cGroup.memberId }]);
  const deadline = Date.now() + 10_000;
  while (!cGroup.lost) {
    assert.ok(Date.now() < deadline, 'the heartbeat heard UNKNOWN_MEMBER_ID');
    await new Promise((r) => setTimeout(r, 20));
  }
  c.seek({ topic, partition: 0 }, 7n);
  await c.close();
  assert.deepEqual(events.slice(2), ['c lost 0,1']);
  assert.deepEqual((await admin.listConsumerGroupOffsets(groupId)).map((o) => o.offset), [3n, 3n], 'nothing committed for lost partitions');
});

test('close() while a poll waits on a JoinGroup the coordinator holds: the poll ends with no records instead of failing', async () => {
  const topic = 'close-during-join';
  const groupId = 'close-during-join-group';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  // m owns the group and does not poll: the rebalance c starts waits for m's JoinGroup.
  const m = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000, maxPollIntervalMs: 20_000 });
  m.subscribe([topic]);
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 });
  try {
    await pollUntil([m], () => m.assignment().length === 2, 'm joined');
    c.subscribe([topic]);
    const polled = c.poll({ timeoutMs: 15_000 }).then((records) => ({ records }), (err: unknown) => ({ err }));
    const group = (c as unknown as { group: { memberId: string } }).group;
    const deadline = Date.now() + 10_000;
    while (group.memberId === '') { // past MEMBER_ID_REQUIRED: the JoinGroup that waits for m is out
      assert.ok(Date.now() < deadline, 'c sent its JoinGroup');
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 100));
    await c.close();
    assert.deepEqual(await polled, { records: [] });
  } finally {
    await c.close();
    await m.close();
  }
});

test('commit() by a subscribed consumer that lost its membership fails as Java\'s CommitFailedException, even when the group is empty, and commits nothing', async () => {
  const topic = 'lost-commit';
  const groupId = 'lost-commit-group';
  await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 2 }]);
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId, enableAutoCommit: false, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 });
  c.subscribe([topic]);
  try {
    await pollUntil([c], () => c.assignment().length === 1, 'joined');
    const group = groupOf(c);
    await admin.removeMembersFromConsumerGroup(groupId, [{ memberId: group.memberId }]);
    const deadline = Date.now() + 10_000;
    while (!group.lost) {
      assert.ok(Date.now() < deadline, 'the heartbeat heard UNKNOWN_MEMBER_ID');
      await new Promise((r) => setTimeout(r, 20));
    }
    // The group is empty now, so the coordinator would take a commit without a generation.
    await assert.rejects(c.commit([{ topic, partition: 0, offset: 5n }]), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
    assert.deepEqual(await admin.listConsumerGroupOffsets(groupId), []);
  } finally {
    await c.close();
  }
});

test('subscribe() again with the same topics keeps the generation (Java: an unchanged subscription is no reason to rebalance)', async () => {
  const topic = 'same-subscription';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  const revoked: TopicPartition[][] = [];
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'same-subscription-group', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 });
  c.subscribe([topic], { onPartitionsRevoked: (tps) => void revoked.push(tps) });
  try {
    await pollUntil([c], () => c.assignment().length === 2, 'joined');
    const generation = groupOf(c).generationId;
    c.subscribe([topic], { onPartitionsRevoked: (tps) => void revoked.push(tps) });
    for (let i = 0; i < 5; i++) await c.poll({ timeoutMs: 100 });
    assert.equal(groupOf(c).generationId, generation);
    assert.deepEqual(revoked, []);
    assert.equal(c.assignment().length, 2);
  } finally {
    await c.close();
  }
});

test('a join that completed while the application did not poll, and whose generation the poll timeout then left, is not applied (Java: "generation data was cleared by heartbeat thread")', async () => {
  const topic = 'stale-join-result';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }]);
  const events: string[] = [];
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'stale-join-result-group', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000, maxPollIntervalMs: 1000 });
  c.subscribe([topic], {
    onPartitionsAssigned: (tps) => void events.push(`assigned ${tps.length} in generation ${groupOf(c).generationId}`),
    onPartitionsLost: (tps) => void events.push(`lost ${tps.length}`),
  });
  try {
    await c.poll({ timeoutMs: 0 }); // JoinGroup goes out; the poll does not wait for it
    const group = groupOf(c);
    const deadline = Date.now() + 10_000;
    while (!group.lost) { // joined, then left by the heartbeat timer: the application did not poll
      assert.ok(Date.now() < deadline, 'the poll timeout left the group');
      await new Promise((r) => setTimeout(r, 20));
    }
    await pollUntil([c], () => c.assignment().length === 2, 'joined again');
    assert.equal(events.length, 1, events.join('; '));
    assert.match(events[0]!, /^assigned 2 in generation \d+$/);
  } finally {
    await c.close();
  }
});

test('a listener that throws in close() still lets the consumer leave the group and close; its error is reported', async () => {
  const topic = 'throwing-listener';
  const groupId = 'throwing-listener-group';
  await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 2 }]);
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId, heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 });
  c.subscribe([topic], { onPartitionsRevoked: () => { throw new Error('listener failed'); } });
  await pollUntil([c], () => c.assignment().length === 1, 'joined');
  await assert.rejects(c.close(), /listener failed/);
  const [desc] = await admin.describeGroups([groupId]);
  assert.deepEqual(desc!.members, [], 'LeaveGroup was sent');
  assert.deepEqual(await c.poll({ timeoutMs: 10 }), [], 'closed');
});

test('a member whose coordinator stopped before its rejoin finds the new coordinator and joins there', { timeout: 90_000 }, async () => {
  const topic = 'coordinator-stops';
  const other = 'coordinator-stops-2';
  await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 2 }, { name: other, numPartitions: 2, replicationFactor: 2 }]);
  // Heartbeats far apart and no auto-commit before the rejoin: only the join itself meets the stopped coordinator.
  const c = new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId: 'coordinator-stops-group', enableAutoCommit: false, heartbeatIntervalMs: 20_000, sessionTimeoutMs: 45_000,
    retryBackoffMs: 50, retryBackoffMaxMs: 500, requestTimeoutMs: 5000,
  });
  c.subscribe([topic]);
  try {
    await pollUntil([c], () => c.assignment().length === 2, 'joined');
    const group = groupOf(c);
    const coordinator = group.coordinator;
    await cluster.brokers[coordinator]!.stop();
    // A new subscription: the member must rejoin, and its cached coordinator is gone.
    c.subscribe([topic, other]);
    const errors: string[] = [];
    const deadline = Date.now() + 30_000;
    while (c.assignment().length < 4) {
      assert.ok(Date.now() < deadline, `rejoined through the new coordinator within 30 s (poll errors: ${errors.slice(0, 3).join('; ')} …${errors.length})`);
      try {
        await c.poll({ timeoutMs: 200 });
      } catch (err) {
        errors.push(String(err));
      }
    }
    assert.notEqual(group.coordinator, coordinator);
    assert.deepEqual(c.assignment().map((tp) => `${tp.topic}-${tp.partition}`).sort(), [`${topic}-0`, `${topic}-1`, `${other}-0`, `${other}-1`]);
  } finally {
    await c.close();
  }
});
