/**
 * The controller shell's ControlledShutdown on the in-memory keeper: the request waits its turn
 * between other events, a conflicting partition-state write is re-read and decided again before
 * the answer, and a broker that is not the controller answers null (NOT_CONTROLLER).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimKeeper, type SimSession } from '../zk/sim-keeper.js';
import { KafkaController } from '../../../src/broker/controller/kafka-controller.js';
import type { BrokerRequest } from '../../../src/broker/controller/controller-core.js';
import { CreateMode } from '../../../src/broker/zk/keeper-port.js';
import { ensurePersistentPaths } from '../../../src/broker/zk/kafka-zk-client.js';
import { decodePartitionState, encodeBrokerRegistration, encodePartitionState, encodeTopicAssignment } from '../../../src/broker/zk/codecs.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { quietLogger } from './metadata-service.shared.js';

async function register(s: SimSession, id: number): Promise<void> {
  await s.create(`/brokers/ids/${id}`, encodeBrokerRegistration({
    host: 'h', port: 9000 + id, rack: null, endpoints: [`PLAINTEXT://h:${9000 + id}`], listenerSecurityProtocolMap: { PLAINTEXT: 'PLAINTEXT' }, jmxPort: -1, timestampMs: 0,
  }), CreateMode.EPHEMERAL);
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check());
}

test('ControlledShutdown through the shell: conflicting writes are decided again, StopReplica and LeaderAndIsr go out, non-controllers answer null', async () => {
  const keeper = new SimKeeper();
  const admin = keeper.connect();
  await ensurePersistentPaths(admin);
  const sessions = [keeper.connect(), keeper.connect(), keeper.connect()];
  for (const [i, s] of sessions.entries()) await register(s, i + 1);
  const sent: BrokerRequest[] = [];
  const make = (i: number): KafkaController => new KafkaController({
    session: sessions[i]!, brokerId: i + 1, logger: quietLogger, nowMs: () => 0, settings: { deleteTopicEnable: true, uncleanLeaderElectionEnable: false },
    channel: { send: (r) => sent.push(r) },
  });
  const c1 = make(0);
  c1.start();
  await until(() => c1.isActive());
  const c2 = make(1);
  c2.start();
  await c2.idle();
  assert.equal(await c2.controlledShutdown(1, -1n), null, 'not the controller');

  await admin.create('/brokers/topics/t', encodeTopicAssignment({
    topicId: Buffer.alloc(16, 3), partitions: new Map([[0, [1, 2, 3]], [1, [2, 1, 3]], [2, [1]]]), addingReplicas: new Map(), removingReplicas: new Map(),
  }), CreateMode.PERSISTENT);
  const state = (p: number) => {
    const r = keeper.read(`/brokers/topics/t/partitions/${p}/state`);
    return r === null ? null : { ...decodePartitionState(r.data), version: r.stat.version };
  };
  await until(() => [0, 1, 2].every((p) => state(p) !== null));
  // the leader of partition 0 shrank its ISR meanwhile, and the controller has not heard yet
  const p0 = state(0)!;
  await admin.setData('/brokers/topics/t/partitions/0/state', encodePartitionState({ leader: 1, leaderEpoch: p0.leaderEpoch, isr: [1, 3], controllerEpoch: p0.controllerEpoch }), p0.version);
  sent.length = 0;

  const answer = await c1.controlledShutdown(1, -1n);
  assert.deepEqual(answer, { errorCode: ErrorCode.NONE, remaining: [] }, 'partition 2 has one replica: not counted');
  assert.deepEqual(state(0), { leader: 3, leaderEpoch: p0.leaderEpoch + 1, isr: [3], controllerEpoch: 1, version: p0.version + 2 }, 'decided on the re-read ISR: 2 had left it');
  assert.deepEqual(state(1), { leader: 2, leaderEpoch: 1, isr: [2, 3], controllerEpoch: 1, version: 1 });
  assert.deepEqual(state(2)!.leader, 1, 'a single replica stays');
  const to1 = sent.filter((r) => r.brokerId === 1).flatMap((r) => r.changes.map((c) => [c.kind, c.partition]));
  assert.deepEqual(to1, [['become-follower', 0], ['stop-replica', 1]]);
  assert.deepEqual(sent.filter((r) => r.brokerId === 3).flatMap((r) => r.changes.map((c) => [c.kind, c.partition])), [['become-leader', 0], ['become-follower', 1]]);

  // an old epoch is refused without a change (the registration's czxid is the broker epoch)
  const czxid = keeper.read('/brokers/ids/2')!.stat.czxid;
  assert.deepEqual(await c1.controlledShutdown(2, czxid - 1n), { errorCode: ErrorCode.STALE_BROKER_EPOCH, remaining: [] });
  assert.equal(state(1)!.leader, 2);
  await c1.stop();
  await c2.stop();
});
