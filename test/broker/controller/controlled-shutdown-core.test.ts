/**
 * ControlledShutdown in the controller's deciding core (Kafka's doControlledShutdown with the
 * ControlledShutdownPartitionLeaderElectionStrategy), driven directly: no keeper, seeded randomness.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ControllerCore, type ControllerAction, type ControllerBroker, type ControllerTopic, type VersionedPartitionState,
} from '../../../src/broker/controller/controller-core.js';
import type { PartitionState } from '../../../src/broker/zk/codecs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { prng } from '../../helpers/prng.js';

type Write = Extract<ControllerAction, { kind: 'write-partition-state' }>;

const broker = (id: number, brokerEpoch = 10n): ControllerBroker => ({ id, host: 'h', port: 9000 + id, rack: null, brokerEpoch });
const topic = (name: string, partitions: Array<[number, number[]]>): ControllerTopic => ({ name, topicId: Buffer.alloc(16, name.length), partitions: new Map(partitions) });
const settings = { deleteTopicEnable: true, uncleanLeaderElectionEnable: false };
const writes = (actions: ControllerAction[]): Write[] => actions.filter((a): a is Write => a.kind === 'write-partition-state');
const sends = (actions: ControllerAction[]) => actions.flatMap((a) => (a.kind === 'send' ? [a.request] : []));
const st = (leader: number, leaderEpoch: number, isr: number[], zkVersion = leaderEpoch): VersionedPartitionState => ({ state: { leader, leaderEpoch, isr, controllerEpoch: 5 }, zkVersion });

function coreWith(brokers: ControllerBroker[], topics: ControllerTopic[], states: Array<[string, number, VersionedPartitionState]>, topicsToDelete: string[] = []): ControllerCore {
  return new ControllerCore(settings, {
    epoch: 5, brokers, topics, topicsToDelete, topicUncleanOverrides: new Map(),
    partitionStates: states.map(([t, partition, state]) => ({ topic: t, partition, state })),
  });
}

test('the led partitions move to the first live ISR replica; the broker hears it is a follower now', () => {
  const core = coreWith([broker(1), broker(2), broker(3)], [topic('t', [[0, [1, 2, 3]], [1, [1, 3, 2]]])], [
    ['t', 0, st(1, 4, [1, 2, 3])],
    ['t', 1, st(1, 0, [1, 2])], // 3 is assigned before 2 but out of the ISR: 2 takes over
  ]);
  const out = core.controlledShutdown(1, 10n);
  assert.equal(out.errorCode, ErrorCode.NONE);
  assert.deepEqual(out.remaining, []);
  const ws = writes(out.actions);
  assert.deepEqual(ws.map((w) => [w.partition, w.state, w.expectedVersion]), [
    [0, { leader: 2, leaderEpoch: 5, isr: [2, 3], controllerEpoch: 5 }, 4],
    [1, { leader: 2, leaderEpoch: 1, isr: [2], controllerEpoch: 5 }, 0],
  ]);
  assert.deepEqual(ws[0]!.notify.map((r) => [r.brokerId, r.changes[0]!.kind]), [[1, 'become-follower'], [2, 'become-leader'], [3, 'become-follower']]);
  assert.deepEqual(sends(out.actions), [], 'no StopReplica: it led these');
  assert.deepEqual(core.shuttingDownBrokerIds(), [1]);
});

test('followed partitions: StopReplica (no delete) to the broker, out of the ISR, the leader stays; a lone ISR member is kept', () => {
  const core = coreWith([broker(1), broker(2), broker(3)], [topic('t', [[0, [2, 1]], [1, [3, 1, 2]], [2, [2, 1]]])], [
    ['t', 0, st(2, 1, [2, 1])],
    ['t', 1, st(3, 7, [3, 2], 9)], // not in the ISR: only stopped
    ['t', 2, st(-1, 3, [1])], // offline, 1 is the last ISR member: Kafka never empties an ISR
  ]);
  const out = core.controlledShutdown(1, -1n);
  assert.equal(out.errorCode, ErrorCode.NONE);
  assert.deepEqual(writes(out.actions).map((w) => [w.partition, w.state]), [[0, { leader: 2, leaderEpoch: 2, isr: [2], controllerEpoch: 5 }]]);
  assert.deepEqual(writes(out.actions)[0]!.notify.map((r) => r.brokerId), [2], 'the stopping follower gets no LeaderAndIsr');
  const [stop] = sends(out.actions);
  assert.equal(stop!.brokerId, 1);
  assert.deepEqual(stop!.changes.map((c) => [c.kind, c.partition, c.kind === 'stop-replica' && c.deletePartition]), [
    ['stop-replica', 0, false], ['stop-replica', 1, false], ['stop-replica', 2, false],
  ]);
  assert.deepEqual(out.actions.map((a) => a.kind), ['send', 'write-partition-state'], 'StopReplica before the ISR shrink (Kafka\'s order)');
});

test('remaining: partitions with more than one replica nobody else in the ISR can take; single-replica ones are not counted (Kafka)', () => {
  const core = coreWith([broker(1), broker(2)], [topic('solo', [[0, [1]]]), topic('t', [[0, [1, 2]], [1, [1, 2]]]), topic('gone', [[0, [1, 2]]])], [
    ['solo', 0, st(1, 0, [1])],
    ['t', 0, st(1, 2, [1])], // 2 out of sync
    ['t', 1, st(1, 2, [1, 2])],
    ['gone', 0, st(1, 0, [1])],
  ], ['gone']);
  const out = core.controlledShutdown(1, 10n);
  assert.deepEqual(out.remaining, [['t', 0]]);
  assert.deepEqual(writes(out.actions).map((w) => [w.topic, w.partition, w.state.leader]), [['t', 1, 2]]);
  assert.deepEqual(core.partitionState('t', 0)!.state, { leader: 1, leaderEpoch: 2, isr: [1], controllerEpoch: 5 }, 'unchanged');
  assert.deepEqual(core.partitionLeadersOnBroker(1), [['t', 0]]);
});

test('refusals: an unregistered broker (BROKER_NOT_AVAILABLE) and an older broker epoch (STALE_BROKER_EPOCH); -1 and newer epochs pass', () => {
  const make = () => coreWith([broker(1, 10n), broker(2)], [topic('t', [[0, [1, 2]]])], [['t', 0, st(1, 0, [1, 2])]]);
  let core = make();
  assert.deepEqual(core.controlledShutdown(7, -1n), { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, actions: [], remaining: [] });
  assert.deepEqual(core.controlledShutdown(1, 9n), { errorCode: ErrorCode.STALE_BROKER_EPOCH, actions: [], remaining: [] });
  assert.deepEqual(core.shuttingDownBrokerIds(), [], 'a refused request changes nothing');
  assert.equal(core.controlledShutdown(1, 11n).errorCode, ErrorCode.NONE);
  core = make();
  assert.equal(core.controlledShutdown(1, -1n).errorCode, ErrorCode.NONE);
  // asking again is harmless: nothing left to do
  const again = core.controlledShutdown(1, 10n);
  assert.deepEqual([again.errorCode, writes(again.actions).length, again.remaining], [ErrorCode.NONE, 0, []]);
});

test('a shutting-down broker is skipped by later elections until it is gone or registers again', () => {
  const core = coreWith([broker(1), broker(2), broker(3)], [topic('t', [[0, [2, 1, 3]], [1, [1, 2]]])], [
    ['t', 0, st(2, 0, [2, 1, 3])],
    ['t', 1, st(2, 0, [2, 1])],
  ]);
  core.controlledShutdown(1, 10n);
  assert.deepEqual(core.partitionState('t', 0)!.state.isr, [2, 3]);
  // a preferred election towards it is refused, new partitions do not pick it
  assert.equal(core.electLeaders('preferred', [['t', 1]]).results[0]!.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
  const created = writes(core.step({ type: 'topics-changed', topics: [topic('t', [[0, [2, 1, 3]], [1, [1, 2]]]), topic('n', [[0, [1, 3]]])] }));
  assert.deepEqual(created.map((w) => [w.topic, w.state.leader, w.state.isr]), [['n', 3, [3]]]);
  // 2 dies: partition 0 goes to 3 (not 1), partition 1 has nobody else -> offline
  const after = writes(core.step({ type: 'brokers-changed', brokers: [broker(1), broker(3)] }));
  assert.deepEqual(after.map((w) => [w.topic, w.partition, w.state.leader]), [['t', 0, 3], ['t', 1, -1]]);
  assert.equal(core.imbalancedPartitions(0).some(([, p]) => p === 1), false);
  // 1 restarts (a new registration): it may lead again
  const back = writes(core.step({ type: 'brokers-changed', brokers: [broker(1, 20n), broker(3)] }));
  assert.deepEqual(core.shuttingDownBrokerIds(), []);
  assert.deepEqual(back.map((w) => [w.topic, w.partition, w.state.leader]), [], 'partition 1: 1 is not in its ISR, no unclean election');
  // and gone altogether clears it too
  core.controlledShutdown(3, -1n);
  assert.deepEqual(core.shuttingDownBrokerIds(), [3]);
  core.step({ type: 'brokers-changed', brokers: [broker(1, 20n)] });
  assert.deepEqual(core.shuttingDownBrokerIds(), []);
});

test('brokers shutting down one after another: the second cannot hand over to the first', () => {
  const core = coreWith([broker(1), broker(2), broker(3)], [topic('t', [[0, [1, 2, 3]]])], [['t', 0, st(1, 0, [1, 2, 3])]]);
  core.controlledShutdown(1, -1n);
  assert.deepEqual(core.partitionState('t', 0)!.state, { leader: 2, leaderEpoch: 1, isr: [2, 3], controllerEpoch: 5 });
  core.controlledShutdown(2, -1n);
  assert.deepEqual(core.partitionState('t', 0)!.state, { leader: 3, leaderEpoch: 2, isr: [3], controllerEpoch: 5 });
  const last = core.controlledShutdown(3, -1n);
  assert.deepEqual(last.remaining, [['t', 0]]);
  assert.deepEqual(writes(last.actions), []);
});

test('a conflicting write re-read later is decided again by the same rule (leader shutting down)', () => {
  const core = coreWith([broker(1), broker(2), broker(3)], [topic('t', [[0, [1, 2, 3]]])], [['t', 0, st(1, 0, [1, 2, 3])]]);
  core.controlledShutdown(1, -1n);
  // the write conflicted: the keeper shows the leader (1) shrank the ISR meanwhile
  const again = writes(core.step({ type: 'partition-states-loaded', states: [{ topic: 't', partition: 0, state: st(1, 0, [1, 3], 1) }] }));
  assert.deepEqual(again.map((w) => [w.state, w.expectedVersion]), [[{ leader: 3, leaderEpoch: 1, isr: [3], controllerEpoch: 5 }, 1]]);
  assert.deepEqual(core.partitionLeadersOnBroker(1), []);
  // nobody else in the ISR: it keeps leading, only a dead follower would be dropped
  const core2 = coreWith([broker(1), broker(2)], [topic('t', [[0, [1, 2]]])], [['t', 0, st(1, 0, [1, 2])]]);
  core2.controlledShutdown(2, -1n);
  core2.controlledShutdown(1, -1n);
  assert.deepEqual(writes(core2.step({ type: 'partition-states-loaded', states: [{ topic: 't', partition: 0, state: st(1, 1, [1], 1) }] })), []);
  assert.deepEqual(core2.partitionLeadersOnBroker(1), [['t', 0]]);
});

test('seeded random controlled shutdowns among deaths, restarts and preferred elections keep Kafka\'s invariants', () => {
  const seen = { moved: 0, remaining: 0, isrShrinks: 0 };
  for (const seed of [1, 7, 99, 2024, 31337, 5, 6, 8]) {
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ids = [1, 2, 3, 4, 5];
    const partitions: Array<[number, number[]]> = [];
    for (let p = 0; p < 12; p++) {
      const rf = 1 + Math.floor(rnd() * 3);
      const replicas = [...ids].sort(() => rnd() - 0.5).slice(0, rf);
      partitions.push([p, replicas]);
    }
    const replicasOf = new Map(partitions);
    const epochs = new Map<number, bigint>(ids.map((id) => [id, 1n]));
    let live = new Set(ids);
    const registered = (): ControllerBroker[] => [...live].sort((a, b) => a - b).map((id) => broker(id, epochs.get(id)!));
    const core = new ControllerCore(settings, { epoch: 5, brokers: registered(), topics: [topic('t', partitions)], partitionStates: [], topicsToDelete: [], topicUncleanOverrides: new Map() });
    // the keeper as the core's writes left it
    const keeper = new Map<number, { state: PartitionState; zkVersion: number }>();
    const shuttingDown = new Set<number>();
    const apply = (actions: ControllerAction[], label: string): void => {
      for (const w of writes(actions)) {
        const where = `seed ${seed}, ${label}, partition ${w.partition}`;
        const before = keeper.get(w.partition);
        assert.equal(w.expectedVersion, before?.zkVersion ?? -1, `${where}: conditional on the version written last`);
        if (before !== undefined) {
          assert.ok(w.state.leaderEpoch > before.state.leaderEpoch, `${where}: every change bumps the leader epoch`);
          if (before.state.isr.length > 0) assert.ok(w.state.isr.length > 0, `${where}: an ISR never empties`);
          if (w.state.leader !== -1 && w.state.leader !== before.state.leader) {
            assert.ok(before.state.isr.includes(w.state.leader), `${where}: clean election, the new leader was in the ISR`);
            assert.ok(!shuttingDown.has(w.state.leader), `${where}: no shutting-down broker is elected`);
          }
        }
        if (w.state.leader !== -1) {
          assert.ok(live.has(w.state.leader), `${where}: the leader is live`);
          assert.ok(w.state.isr.includes(w.state.leader), `${where}: the leader is in the ISR`);
        }
        keeper.set(w.partition, { state: w.state, zkVersion: w.expectedVersion + 1 });
      }
    };
    apply(core.startup(), 'startup');
    for (let step = 0; step < 300; step++) {
      const id = pick(ids);
      const r = rnd();
      if (r < 0.4 && live.has(id) && !shuttingDown.has(id)) {
        const before = new Map(keeper);
        const out = core.controlledShutdown(id, epochs.get(id)!);
        assert.equal(out.errorCode, ErrorCode.NONE);
        shuttingDown.add(id);
        apply(out.actions, `controlled shutdown of ${id}`);
        for (const [p, replicas] of replicasOf) {
          const was = before.get(p)?.state;
          const now = keeper.get(p)?.state;
          if (was === undefined || now === undefined || replicas.length < 2) continue;
          const where = `seed ${seed}, step ${step}, partition ${p}`;
          if (was.leader === id) {
            const couldMove = replicas.some((x) => x !== id && live.has(x) && !shuttingDown.has(x) && was.isr.includes(x));
            assert.equal(now.leader !== id, couldMove, `${where}: the leader moves iff another live ISR replica existed`);
            assert.equal(out.remaining.some(([, q]) => q === p), !couldMove, `${where}: reported as remaining iff it could not move`);
            seen[couldMove ? 'moved' : 'remaining']++;
          } else if (replicas.includes(id)) {
            assert.equal(now.leader, was.leader, `${where}: a followed partition keeps its leader`);
            if (was.isr.length > 1) assert.ok(!now.isr.includes(id), `${where}: the stopping follower leaves the ISR`);
            if (was.isr.includes(id) && was.isr.length > 1) seen.isrShrinks++;
            const stop = sends(out.actions).find((q) => q.brokerId === id);
            assert.ok(stop?.changes.some((c) => c.kind === 'stop-replica' && c.partition === p && !c.deletePartition), `${where}: StopReplica without delete`);
          }
        }
        for (const [, p] of out.remaining) assert.equal(keeper.get(p)?.state.leader, id, `seed ${seed}: a remaining partition is still led by ${id}`);
        if (rnd() < 0.6) {
          // and then it stops: its registration goes
          live = new Set(live);
          live.delete(id);
          shuttingDown.delete(id);
          apply(core.step({ type: 'brokers-changed', brokers: registered() }), `broker ${id} stopped`);
        }
        continue;
      }
      if (r >= 0.85 && r < 0.93) {
        // leaders let caught-up followers back into their ISRs (their own writes + a notification)
        const states = [];
        for (const [p, replicas] of replicasOf) {
          const cur = keeper.get(p);
          if (cur === undefined || cur.state.leader === -1 || rnd() < 0.3) continue;
          const isr = replicas.filter((x) => x === cur.state.leader || (live.has(x) && !shuttingDown.has(x)));
          const written = { state: { ...cur.state, isr }, zkVersion: cur.zkVersion + 1 };
          keeper.set(p, written);
          states.push({ topic: 't', partition: p, state: written });
        }
        apply(core.step({ type: 'partition-states-loaded', states }), 'ISR expansions');
        continue;
      }
      live = new Set(live);
      if (r < 0.7) {
        if (live.has(id)) live.delete(id);
        else live.add(id);
      } else if ((r < 0.85 || r >= 0.97) && live.has(id)) {
        epochs.set(id, epochs.get(id)! + 1n); // a restart: new registration
      } else {
        apply(core.electLeaders('preferred', null).actions, 'preferred election');
        continue;
      }
      for (const s of [...shuttingDown]) if (!live.has(s) || s === id) shuttingDown.delete(s);
      apply(core.step({ type: 'brokers-changed', brokers: registered() }), `brokers ${[...live].join(',')}`);
      assert.deepEqual(core.shuttingDownBrokerIds(), [...shuttingDown].sort((a, b) => a - b), `seed ${seed}: the shutting-down set`);
    }
  }
  // the scenario generator reaches every branch (a test that cannot fail is a defect)
  console.log(`# ${JSON.stringify(seen)}`);
  assert.ok(seen.moved > 20 && seen.remaining > 5 && seen.isrShrinks > 20, JSON.stringify(seen));
});
