/** The controller's deciding core, driven directly: no keeper, no clock, seeded randomness. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ControllerCore, type ControllerAction, type ControllerBroker, type ControllerTopic } from '../../../src/broker/controller/controller-core.js';
import { assignReplicas, assignReplicasToBrokers, rackAlternatedBrokerList } from '../../../src/broker/controller/replica-assignment.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { prng } from '../../helpers/prng.js';

const broker = (id: number, brokerEpoch = 1n): ControllerBroker => ({ id, host: 'h', port: 9000 + id, rack: null, brokerEpoch });
const topic = (name: string, partitions: Array<[number, number[]]>): ControllerTopic => ({ name, topicId: Buffer.alloc(16, name.length), partitions: new Map(partitions) });
const settings = { deleteTopicEnable: true, uncleanLeaderElectionEnable: false };

function writes(actions: ControllerAction[]): Array<Extract<ControllerAction, { kind: 'write-partition-state' }>> {
  return actions.filter((a): a is Extract<ControllerAction, { kind: 'write-partition-state' }> => a.kind === 'write-partition-state');
}

function load(brokers: number[], topics: ControllerTopic[]) {
  return { epoch: 5, brokers: brokers.map((b) => broker(b)), topics, partitionStates: [], topicsToDelete: [], topicUncleanOverrides: new Map<string, boolean>() };
}

test('new partitions: leader is the first live replica, ISR the live replicas, LeaderAndIsr to each', () => {
  const core = new ControllerCore(settings, load([1, 2], [topic('t', [[0, [2, 1, 3]], [1, [3]]])]));
  const ws = writes(core.startup());
  assert.equal(ws.length, 1, 'partition 1 has no live replica: stays new, no znode');
  assert.deepEqual(ws[0]!.state, { leader: 2, leaderEpoch: 0, isr: [2, 1], controllerEpoch: 5 });
  assert.equal(ws[0]!.expectedVersion, -1);
  assert.deepEqual(ws[0]!.notify.map((r) => [r.brokerId, r.changes[0]!.kind]), [[2, 'become-leader'], [1, 'become-follower']]);
  // broker 3 arrives: partition 1 gets its first state
  const later = writes(core.step({ type: 'brokers-changed', brokers: [broker(1), broker(2), broker(3)] }));
  assert.deepEqual(later.map((w) => [w.partition, w.state.leader]), [[1, 3]]);
});

test('broker death: the leader moves within the ISR with a new leader epoch; without unclean election nobody outside the ISR leads', () => {
  const core = new ControllerCore(settings, load([1, 2, 3], [topic('t', [[0, [1, 2, 3]]])]));
  core.startup();
  const states = [{ topic: 't', partition: 0, state: { state: { leader: 1, leaderEpoch: 3, isr: [1, 2], controllerEpoch: 5 }, zkVersion: 4 } }];
  core.step({ type: 'partition-states-loaded', states });
  const [w] = writes(core.step({ type: 'brokers-changed', brokers: [broker(2), broker(3)] }));
  assert.deepEqual(w!.state, { leader: 2, leaderEpoch: 4, isr: [2], controllerEpoch: 5 });
  assert.equal(w!.expectedVersion, 4);
  // 2 dies too: 3 is not in the ISR -> no leader, the ISR keeps its last member
  const [w2] = writes(core.step({ type: 'brokers-changed', brokers: [broker(3)] }));
  assert.deepEqual(w2!.state, { leader: -1, leaderEpoch: 5, isr: [2], controllerEpoch: 5 });
  // 2 returns: clean leader again
  const [w3] = writes(core.step({ type: 'brokers-changed', brokers: [broker(2), broker(3)] }));
  assert.deepEqual(w3!.state, { leader: 2, leaderEpoch: 6, isr: [2], controllerEpoch: 5 });
});

test('unclean election only when enabled (per topic override)', () => {
  const core = new ControllerCore(settings, load([1, 2], [topic('t', [[0, [1, 2]]])]));
  core.step({ type: 'partition-states-loaded', states: [{ topic: 't', partition: 0, state: { state: { leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 5 }, zkVersion: 0 } }] });
  const [w] = writes(core.step({ type: 'brokers-changed', brokers: [broker(2)] }));
  assert.equal(w!.state.leader, -1);
  const [u] = writes(core.step({ type: 'topic-unclean-override', topic: 't', value: true }));
  assert.deepEqual(u!.state, { leader: 2, leaderEpoch: 2, isr: [2], controllerEpoch: 5 });
});

test('a bounced leader (registered after its state was written) gets a new leader epoch', () => {
  const core = new ControllerCore(settings, {
    ...load([], [topic('t', [[0, [1]]])]),
    brokers: [broker(1, 100n)],
    partitionStates: [{ topic: 't', partition: 0, state: { state: { leader: 1, leaderEpoch: 2, isr: [1], controllerEpoch: 4 }, zkVersion: 2, mzxid: 50n } }],
  });
  const [w] = writes(core.startup());
  assert.deepEqual(w!.state, { leader: 1, leaderEpoch: 3, isr: [1], controllerEpoch: 5 });
});

test('topic deletion: StopReplica(delete) to every replica then the znodes; waits while a replica is dead', () => {
  const core = new ControllerCore(settings, load([1, 2], [topic('t', [[0, [1, 2]], [1, [2, 3]]])]));
  core.startup();
  const waiting = core.step({ type: 'topic-deletion-requested', topics: ['t', 'nope'] });
  assert.deepEqual(waiting, [{ kind: 'delete-deletion-request', topic: 'nope' }]);
  assert.deepEqual(core.pendingDeletions(), ['t']);
  const go = core.step({ type: 'brokers-changed', brokers: [broker(1), broker(2), broker(3)] }).filter((a) => a.kind !== 'write-partition-state' && !(a.kind === 'send' && a.request.changes[0]!.kind !== 'stop-replica'));
  assert.deepEqual(go.map((a) => (a.kind === 'send' ? [a.request.brokerId, a.request.changes.map((c) => c.partition)] : a.kind)), [[1, [0]], [2, [0, 1]], [3, [1]], 'delete-topic-znodes']);
  assert.equal(core.hasTopic('t'), false);
  const disabled = new ControllerCore({ ...settings, deleteTopicEnable: false }, load([1], [topic('t', [[0, [1]]])]));
  assert.deepEqual(disabled.step({ type: 'topic-deletion-requested', topics: ['t'] }), [{ kind: 'delete-deletion-request', topic: 't' }]);
});

test('partition creation: only the new partitions get states', () => {
  const core = new ControllerCore(settings, load([1, 2], [topic('t', [[0, [1]]])]));
  core.startup();
  const ws = writes(core.step({ type: 'topics-changed', topics: [topic('t', [[0, [1]], [1, [2]], [2, [1]]])] }));
  assert.deepEqual(ws.map((w) => [w.partition, w.state.leader, w.expectedVersion]), [[1, 2, -1], [2, 1, -1]]);
});

test('rack-unaware assignment matches Kafka (fixed start index)', () => {
  // Kafka's AdminUtilsTest: 5 brokers, 10 partitions, RF 3, start index 0
  const a = assignReplicasToBrokers({ brokerIds: [0, 1, 2, 3, 4], numPartitions: 10, replicationFactor: 3, fixedStartIndex: 0, startPartitionId: 0, randomInt: () => 0 });
  assert.deepEqual([...a.values()], [
    [0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1], [0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2],
  ]);
});

test('rack-aware assignment matches Kafka (AdminRackAwareTest)', () => {
  const racks = new Map([[0, 'rack1'], [1, 'rack3'], [2, 'rack3'], [3, 'rack2'], [4, 'rack2'], [5, 'rack1']]);
  assert.deepEqual(rackAlternatedBrokerList(racks), [0, 3, 1, 5, 4, 2]);
  const without5 = new Map(racks);
  without5.delete(5);
  assert.deepEqual(rackAlternatedBrokerList(without5), [0, 3, 1, 4, 2]);
  const a = assignReplicas([...racks].map(([id, rack]) => ({ id, rack })), { numPartitions: 7, replicationFactor: 3, fixedStartIndex: 0, startPartitionId: 0, randomInt: () => 0 });
  assert.deepEqual([...a.values()], [[0, 3, 1], [3, 1, 5], [1, 5, 4], [5, 4, 2], [4, 2, 0], [2, 0, 3], [0, 4, 2]]);
  // every partition spans 3 racks
  for (const replicas of a.values()) assert.equal(new Set(replicas.map((r) => racks.get(r))).size, 3);
  assert.throws(() => assignReplicas([{ id: 1, rack: 'a' }, { id: 2, rack: null }], { numPartitions: 1, replicationFactor: 1, fixedStartIndex: 0, startPartitionId: 0, randomInt: () => 0 }),
    (e: { errorCode?: number }) => e.errorCode === ErrorCode.UNKNOWN_SERVER_ERROR);
  assert.throws(() => assignReplicas([{ id: 1, rack: null }], { numPartitions: 0, replicationFactor: 1, fixedStartIndex: 0, startPartitionId: 0, randomInt: () => 0 }),
    (e: { errorCode?: number }) => e.errorCode === ErrorCode.INVALID_PARTITIONS);
});

test('seeded broker churn keeps the invariants (leader live and in ISR, epochs only grow, clean elections)', () => {
  for (const seed of [1, 2, 3, 42, 1234]) {
    const rnd = prng(seed);
    const ids = [1, 2, 3, 4];
    const assignment = assignReplicasToBrokers({ brokerIds: ids, numPartitions: 8, replicationFactor: 3, fixedStartIndex: -1, startPartitionId: 0, randomInt: (n) => Math.floor(rnd() * n) });
    const core = new ControllerCore(settings, load(ids, [topic('t', [...assignment])]));
    const epochs = new Map<number, number>();
    const check = (actions: ControllerAction[], live: Set<number>): void => {
      for (const w of writes(actions)) {
        const prev = epochs.get(w.partition) ?? -1;
        assert.ok(w.state.leaderEpoch > prev, `seed ${seed}: leader epoch grows`);
        epochs.set(w.partition, w.state.leaderEpoch);
        if (w.state.leader !== -1) {
          assert.ok(live.has(w.state.leader), `seed ${seed}: leader is live`);
          assert.ok(w.state.isr.includes(w.state.leader), `seed ${seed}: leader is in the ISR`);
        }
        assert.ok(w.state.isr.length > 0, `seed ${seed}: the ISR is never empty`);
      }
    };
    let live = new Set(ids);
    check(core.startup(), live);
    for (let step = 0; step < 200; step++) {
      const id = ids[Math.floor(rnd() * ids.length)]!;
      live = new Set(live);
      if (live.has(id)) live.delete(id);
      else live.add(id);
      const before = new Map([...assignment.keys()].map((p) => [p, core.partitionState('t', p)?.state]));
      const actions = core.step({ type: 'brokers-changed', brokers: [...live].map((b) => broker(b)) });
      check(actions, live);
      for (const w of writes(actions)) {
        const old = before.get(w.partition);
        if (old !== undefined && w.state.leader !== -1 && w.state.leader !== old.leader && old.leader !== -1) {
          assert.ok(old.isr.includes(w.state.leader), `seed ${seed}: clean election picks from the old ISR`);
        }
      }
    }
  }
});

test('ElectLeaders in the core: preferred and unclean, with Kafka\'s per-partition errors; imbalance detection', () => {
  const core = new ControllerCore(settings, load([1, 2, 3], [topic('t', [[0, [1, 2]], [1, [3, 2]], [2, [1, 3]]])]));
  core.step({ type: 'partition-states-loaded', states: [
    { topic: 't', partition: 0, state: { state: { leader: 2, leaderEpoch: 4, isr: [2, 1], controllerEpoch: 5 }, zkVersion: 7 } },
    { topic: 't', partition: 1, state: { state: { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 5 }, zkVersion: 1 } },
    { topic: 't', partition: 2, state: { state: { leader: 1, leaderEpoch: 0, isr: [1, 3], controllerEpoch: 5 }, zkVersion: 0 } },
  ] });
  assert.deepEqual(core.imbalancedPartitions(10), [['t', 0]], 'broker 1 prefers 2 partitions and leads 1 (50%); broker 3 is not in its ISR');
  const { actions, results } = core.electLeaders('preferred', null);
  assert.deepEqual(results.map((r) => [r.partition, r.errorCode]), [[0, ErrorCode.NONE], [1, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE], [2, ErrorCode.ELECTION_NOT_NEEDED]]);
  assert.deepEqual(writes(actions).map((w) => [w.partition, w.state.leader, w.state.leaderEpoch, w.expectedVersion]), [[0, 1, 5, 7]]);
  const unclean = core.electLeaders('unclean', [['t', 1], ['x', 0]]);
  assert.deepEqual(unclean.results.map((r) => r.errorCode), [ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  core.step({ type: 'brokers-changed', brokers: [broker(1), broker(3)] });
  const after = core.partitionState('t', 1)!.state;
  assert.equal(after.leader, -1, 'only 2 was in the ISR');
  const forced = core.electLeaders('unclean', [['t', 1]]);
  assert.equal(forced.results[0]!.errorCode, ErrorCode.NONE);
  assert.deepEqual(writes(forced.actions)[0]!.state, { leader: 3, leaderEpoch: after.leaderEpoch + 1, isr: [3], controllerEpoch: 5 });
});
