import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import type { AssignorName } from '../../src/client/consumer/assignors.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { Producer } from '../../src/client/producer/producer.js';

let cluster: EmbeddedCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { 'group.initial.rebalance.delay.ms': 0 } });
  admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
});
after(async () => {
  await admin.close();
  await cluster.stop();
});

function groupConsumer(groupId: string, strategy: AssignorName[]): Consumer {
  return new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId, autoOffsetReset: 'earliest', partitionAssignmentStrategy: strategy,
    heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, autoCommitIntervalMs: 200,
  });
}

async function pollUntil(consumers: Consumer[], done: (all: ConsumerRecord[]) => boolean, timeoutMs = 20000): Promise<ConsumerRecord[]> {
  const all: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(all) && Date.now() < deadline) {
    const batches = await Promise.all(consumers.map((c) => c.poll({ timeoutMs: 200 })));
    for (const b of batches) all.push(...b);
  }
  return all;
}

for (const strategy of [['range'], ['roundrobin'], ['sticky'], ['cooperative-sticky']] as AssignorName[][]) {
  test(`two members share a topic with ${strategy[0]}, commit, and a new member resumes from the commits`, async () => {
    const topic = `g-${strategy[0]}`;
    const groupId = `group-${strategy[0]}`;
    await admin.createTopics([{ name: topic, numPartitions: 4, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
    await Promise.all(Array.from({ length: 200 }, (_, i) => producer.send({ topic, partition: i % 4, value: `m${i}` })));
    const a = groupConsumer(groupId, strategy);
    const b = groupConsumer(groupId, strategy);
    a.subscribe([topic]);
    b.subscribe([topic]);
    const seen = await pollUntil([a, b], (all) => all.length >= 200 && a.assignment().length + b.assignment().length === 4 && a.assignment().length > 0 && b.assignment().length > 0);
    assert.equal(new Set(seen.map((r) => `${r.partition}:${r.offset}`)).size, 200);
    assert.equal(a.assignment().length + b.assignment().length, 4);
    const [desc] = await admin.describeGroups([groupId]);
    assert.equal(desc!.state, 'Stable');
    assert.equal(desc!.protocol, strategy[0]);
    assert.equal(desc!.members.length, 2);
    assert.equal(desc!.members.flatMap((m) => m.assignment).length, 4);
    await a.commit();
    await b.commit();
    await a.close();
    await b.close();
    const offsets = await admin.listConsumerGroupOffsets(groupId);
    assert.deepEqual(offsets.map((o) => o.offset).sort(), [50n, 50n, 50n, 50n]);
    await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send({ topic, partition: i % 4, value: `late${i}` })));
    const c = groupConsumer(groupId, strategy);
    c.subscribe([topic]);
    const late = await pollUntil([c], (all) => all.length >= 8);
    assert.deepEqual(late.map((r) => r.value!.toString()).sort(), Array.from({ length: 8 }, (_, i) => `late${i}`).sort());
    await c.close();
    await producer.close();
  });

  // The second member arrives only once the first owns everything: the incumbent must rejoin
  // from its own poll loop while the newcomer's JoinGroup waits, and neither poll may block the
  // other (a JoinGroup held inside poll() would stall the single-threaded loop until the
  // rebalance timeout). The partitions end up split, never claimed twice.
  test(`a second member joins an established group (${strategy[0]}): partitions split, none owned twice`, async () => {
    const topic = `late-${strategy[0]}`;
    const groupId = `late-group-${strategy[0]}`;
    await admin.createTopics([{ name: topic, numPartitions: 4, replicationFactor: 1 }]);
    const a = groupConsumer(groupId, strategy);
    const b = groupConsumer(groupId, strategy);
    const events: string[] = [];
    a.subscribe([topic], { onPartitionsLost: (tps) => void events.push(`a lost ${tps.length}`) });
    try {
      await pollUntil([a], () => a.assignment().length === 4);
      assert.equal(a.assignment().length, 4);
      const before = a.assignment().map((tp) => tp.partition);
      b.subscribe([topic], { onPartitionsLost: (tps) => void events.push(`b lost ${tps.length}`) });
      await pollUntil([a, b], () => a.assignment().length === 2 && b.assignment().length === 2);
      const mine = a.assignment().map((tp) => tp.partition);
      const theirs = b.assignment().map((tp) => tp.partition);
      assert.equal(mine.length, 2, `a has ${mine.join(',')}, b has ${theirs.join(',')}`);
      assert.equal(theirs.length, 2);
      assert.deepEqual([...mine, ...theirs].sort(), [0, 1, 2, 3]);
      assert.deepEqual(events, [], 'nobody lost its membership');
      // Sticky assignors keep the incumbent on partitions it had (all four, so any two of them);
      // what matters is that every kept partition was the incumbent's already.
      for (const p of mine) assert.ok(before.includes(p));
      const [desc] = await admin.describeGroups([groupId]);
      assert.equal(desc!.state, 'Stable');
      assert.equal(desc!.members.length, 2);
    } finally {
      await a.close();
      await b.close();
    }
  });
}

test('a member removed by an administrator loses its partitions, rejoins owning nothing, and the group converges', async () => {
  const topic = 'removed-member';
  const groupId = 'removed-member-group';
  await admin.createTopics([{ name: topic, numPartitions: 4, replicationFactor: 1 }]);
  const strategy: AssignorName[] = ['cooperative-sticky'];
  const a = groupConsumer(groupId, strategy);
  const b = groupConsumer(groupId, strategy);
  const lost: number[][] = [];
  a.subscribe([topic], { onPartitionsLost: (tps) => void lost.push(tps.map((tp) => tp.partition)) });
  b.subscribe([topic]);
  try {
    await pollUntil([a, b], () => a.assignment().length === 2 && b.assignment().length === 2);
    assert.equal(a.assignment().length, 2);
    const aHad = a.assignment().map((tp) => tp.partition).sort();
    const aMemberId = (a as unknown as { group: { memberId: string } }).group.memberId;
    const removed = await admin.removeMembersFromConsumerGroup(groupId, [{ memberId: aMemberId }]);
    assert.deepEqual(removed.map((r) => r.errorCode), [0]);
    // a hears UNKNOWN_MEMBER_ID at its next heartbeat, drops its partitions without committing
    // (onPartitionsLost) and joins again as a new member claiming nothing; the group converges.
    await pollUntil([a, b], () => lost.length > 0 && a.assignment().length === 2 && b.assignment().length === 2);
    assert.deepEqual(lost, [aHad]);
    const newId = (a as unknown as { group: { memberId: string } }).group.memberId;
    assert.notEqual(newId, aMemberId);
    assert.deepEqual([...a.assignment(), ...b.assignment()].map((tp) => tp.partition).sort(), [0, 1, 2, 3]);
    const [desc] = await admin.describeGroups([groupId]);
    assert.deepEqual(desc!.members.map((m) => m.memberId).sort(), [newId, (b as unknown as { group: { memberId: string } }).group.memberId].sort());
  } finally {
    await a.close();
    await b.close();
  }
});

test('a member that stops polling for max.poll.interval.ms leaves the group; its next poll finds the partitions lost and rejoins', async () => {
  const topic = 'slow-poller';
  const groupId = 'slow-poller-group';
  await admin.createTopics([{ name: topic, numPartitions: 4, replicationFactor: 1 }]);
  const slow = new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId, autoOffsetReset: 'earliest', heartbeatIntervalMs: 200, sessionTimeoutMs: 6000, maxPollIntervalMs: 1500,
  });
  const b = groupConsumer(groupId, ['range']);
  const lost: number[][] = [];
  slow.subscribe([topic], { onPartitionsLost: (tps) => void lost.push(tps.map((tp) => tp.partition)) });
  try {
    await pollUntil([slow], () => slow.assignment().length === 4);
    assert.equal(slow.assignment().length, 4);
    // b joins; slow does not poll, so it cannot rejoin: after max.poll.interval.ms its heartbeat
    // timer leaves the group (well before its session would expire) and b gets everything.
    b.subscribe([topic]);
    await pollUntil([b], () => b.assignment().length === 4);
    assert.equal(b.assignment().length, 4);
    const [desc] = await admin.describeGroups([groupId]);
    assert.equal(desc!.members.length, 1);
    assert.deepEqual(lost, [], 'the callback runs in the application\'s next poll, not on the timer');
    await pollUntil([slow, b], () => slow.assignment().length === 2 && b.assignment().length === 2);
    assert.deepEqual(lost, [[0, 1, 2, 3]]);
    assert.deepEqual([...slow.assignment(), ...b.assignment()].map((tp) => tp.partition).sort(), [0, 1, 2, 3]);
  } finally {
    await slow.close();
    await b.close();
  }
});

test('the leader notices added partitions and the group rebalances onto them', async () => {
  await admin.createTopics([{ name: 'grow', numPartitions: 2, replicationFactor: 1 }]);
  const c = new Consumer({
    bootstrapServers: cluster.bootstrapServers, groupId: 'grow-group', autoOffsetReset: 'earliest', metadataMaxAgeMs: 300, heartbeatIntervalMs: 200,
  });
  c.subscribe(['grow']);
  await pollUntil([c], () => c.assignment().length === 2);
  assert.equal(c.assignment().length, 2);
  await admin.createPartitions([{ topic: 'grow', count: 4 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await producer.send({ topic: 'grow', partition: 3, value: 'on-new-partition' });
  await producer.close();
  const got = await pollUntil([c], (all) => all.some((r) => r.partition === 3));
  assert.equal(c.assignment().length, 4);
  assert.ok(got.some((r) => r.value!.toString() === 'on-new-partition'));
  await c.close();
});

test('auto commit: positions are committed every auto.commit.interval.ms while polling', async () => {
  await admin.createTopics([{ name: 'autocommit', numPartitions: 1, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await Promise.all(Array.from({ length: 25 }, (_, i) => producer.send({ topic: 'autocommit', value: `a${i}` })));
  await producer.close();
  const c = groupConsumer('auto-group', ['range']);
  c.subscribe(['autocommit']);
  await pollUntil([c], (all) => all.length >= 25);
  let committed: bigint | undefined;
  const deadline = Date.now() + 10000;
  while (committed !== 25n && Date.now() < deadline) {
    await c.poll({ timeoutMs: 200 });
    committed = (await admin.listConsumerGroupOffsets('auto-group')).find((o) => o.topic === 'autocommit')?.offset;
  }
  assert.equal(committed, 25n, 'committed without an explicit commit()');
  await c.close();
});

test('auto.offset.reset=none without a committed offset fails with GREGOR_ERR_NO_OFFSET', async () => {
  await admin.createTopics([{ name: 'noreset', numPartitions: 1, replicationFactor: 1 }]);
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'none-group', autoOffsetReset: 'none' });
  c.assign([{ topic: 'noreset', partition: 0 }]);
  await assert.rejects(c.poll({ timeoutMs: 500 }), (e: unknown) => (e as { code?: string }).code === 'GREGOR_ERR_NO_OFFSET');
  await admin.alterConsumerGroupOffsets('none-group', [{ topic: 'noreset', partition: 0, offset: 0n }]);
  assert.deepEqual(await c.poll({ timeoutMs: 200 }), []);
  assert.equal(await c.position({ topic: 'noreset', partition: 0 }), 0n);
  await c.close();
});


test('a member whose coordinator became unknown looks it up again from the heartbeat, without a rebalance', async () => {
  await admin.createTopics([{ name: 'coordinator-lookup', numPartitions: 2, replicationFactor: 1 }]);
  const c = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'coordinator-lookup-group', heartbeatIntervalMs: 100, sessionTimeoutMs: 6000 });
  c.subscribe(['coordinator-lookup']);
  try {
    await pollUntil([c], () => c.assignment().length === 2);
    assert.equal(c.assignment().length, 2);
    const group = (c as unknown as { group: { coordinator: number; generationId: number; rejoinNeeded: boolean } }).group;
    const generation = group.generationId;
    const coordinator = group.coordinator;
    // As after a commit that met NOT_COORDINATOR or a lost connection: the coordinator is unknown.
    group.coordinator = -1;
    const deadline = Date.now() + 10_000;
    while (group.coordinator < 0) {
      assert.ok(Date.now() < deadline, 'the heartbeat found the coordinator again within 10 s');
      await c.poll({ timeoutMs: 100 });
    }
    for (let i = 0; i < 5; i++) await c.poll({ timeoutMs: 100 }); // a few more heartbeats
    assert.equal(group.coordinator, coordinator);
    assert.equal(group.generationId, generation, 'no rebalance');
    assert.equal(group.rejoinNeeded, false);
  } finally {
    await c.close();
  }
});
