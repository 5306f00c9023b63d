/** The controller shell on the in-memory keeper: election, epoch fencing of an old controller. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimKeeper, type SimSession } from '../zk/sim-keeper.js';
import { KafkaController } from '../../../src/broker/controller/kafka-controller.js';
import type { BrokerRequest } from '../../../src/broker/controller/controller-core.js';
import { CreateMode } from '../../../src/broker/zk/keeper-port.js';
import { ensurePersistentPaths, fencedMulti } from '../../../src/broker/zk/kafka-zk-client.js';
import { encodeBrokerRegistration, encodeTopicAssignment, decodePartitionState, encodePreferredReplicaElection } from '../../../src/broker/zk/codecs.js';
import { quietLogger } from './metadata-service.shared.js';

async function register(s: SimSession, id: number): Promise<void> {
  await s.create(`/brokers/ids/${id}`, encodeBrokerRegistration({
    host: 'h', port: 9000 + id, rack: null, endpoints: [`PLAINTEXT://h:${9000 + id}`], listenerSecurityProtocolMap: { PLAINTEXT: 'PLAINTEXT' }, jmxPort: -1, timestampMs: 0,
  }), CreateMode.EPHEMERAL);
}

function controller(s: SimSession, brokerId: number, sent: BrokerRequest[]): KafkaController {
  return new KafkaController({
    session: s, brokerId, logger: quietLogger, nowMs: () => 0, settings: { deleteTopicEnable: true, uncleanLeaderElectionEnable: false },
    channel: { send: (r) => sent.push(r) },
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check());
}

test('the first broker wins the election; a deposed controller\'s writes are fenced by the epoch and it resigns', async () => {
  const keeper = new SimKeeper();
  const admin = keeper.connect();
  await ensurePersistentPaths(admin);
  const s1 = keeper.connect();
  const s2 = keeper.connect();
  const s3 = keeper.connect();
  await register(s1, 1);
  await register(s2, 2);
  await register(s3, 3);
  const sent1: BrokerRequest[] = [];
  const sent2: BrokerRequest[] = [];
  const c1 = controller(s1, 1, sent1);
  c1.start();
  await until(() => c1.isActive());
  const c2 = controller(s2, 2, sent2);
  c2.start();
  await c2.idle();
  assert.equal(c2.isActive(), false);
  assert.equal(c1.epoch(), 1);

  await admin.create('/brokers/topics/t', encodeTopicAssignment({
    topicId: Buffer.alloc(16, 7), partitions: new Map([[0, [1, 2, 3]]]), addingReplicas: new Map(), removingReplicas: new Map(),
  }), CreateMode.PERSISTENT);
  await until(() => keeper.read('/brokers/topics/t/partitions/0/state') !== null);
  assert.deepEqual(decodePartitionState(keeper.read('/brokers/topics/t/partitions/0/state')!.data), { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], controllerEpoch: 1 });

  // broker 1 does not hear that /controller went away (a delayed notification) ...
  s1.deafTo.add('/controller');
  const staleEpochVersion = keeper.read('/controller_epoch')!.stat.version;
  await admin.delete('/controller', -1);
  await until(() => c2.isActive());
  assert.equal(c2.epoch(), 2);
  // ... so its next decision (broker 3 died) runs with the old epoch: the fenced write fails
  const stateVersionBefore = keeper.read('/brokers/topics/t/partitions/0/state')!.stat.version;
  s2.deafTo.add('/brokers/ids');
  await s3.close();
  await until(() => !c1.isActive());
  await c1.idle();
  const afterC1 = keeper.read('/brokers/topics/t/partitions/0/state')!;
  assert.equal(afterC1.stat.version, stateVersionBefore, 'the deposed controller wrote nothing');
  // the mechanism itself: a multi with the old epoch version is refused at the check
  const outcome = await fencedMulti(s1, staleEpochVersion, [{ type: 'setData', path: '/brokers/topics/t/partitions/0/state', data: Buffer.from('{}'), version: -1 }]);
  assert.deepEqual(outcome, { ok: false, failedIndex: 0, errorCode: -103 });

  await c1.stop();
  await c2.stop();
});

test('config change notifications older than 15 minutes are purged by the controller', async () => {
  const keeper = new SimKeeper();
  const admin = keeper.connect();
  await ensurePersistentPaths(admin);
  let now = 1_000_000_000;
  keeper.nowMs = () => now;
  const s1 = keeper.connect();
  await register(s1, 1);
  const c1 = new KafkaController({
    session: s1, brokerId: 1, logger: quietLogger, nowMs: () => now, settings: { deleteTopicEnable: true, uncleanLeaderElectionEnable: false },
    channel: { send: () => undefined },
  });
  c1.start();
  await until(() => c1.isActive());
  await c1.idle();
  await admin.create('/config/changes/config_change_', Buffer.from('{"version":2,"entity_path":"topics/a"}'), CreateMode.PERSISTENT_SEQUENTIAL);
  await until(() => keeper.children('/config/changes').length === 1);
  now += 16 * 60 * 1000;
  await admin.create('/config/changes/config_change_', Buffer.from('{"version":2,"entity_path":"topics/b"}'), CreateMode.PERSISTENT_SEQUENTIAL);
  await until(() => keeper.children('/config/changes').length === 1);
  assert.deepEqual(keeper.children('/config/changes'), ['config_change_0000000001']);
  await c1.stop();
});

test('the legacy /admin/preferred_replica_election znode runs a preferred election and is removed', async () => {
  const keeper = new SimKeeper();
  const admin = keeper.connect();
  await ensurePersistentPaths(admin);
  const s1 = keeper.connect();
  const s2 = keeper.connect();
  await register(s1, 1);
  await register(s2, 2);
  await admin.create('/brokers/topics/t', encodeTopicAssignment({
    topicId: Buffer.alloc(16, 9), partitions: new Map([[0, [1, 2]]]), addingReplicas: new Map(), removingReplicas: new Map(),
  }), CreateMode.PERSISTENT);
  // partition 0 led by broker 2 although 1 is preferred and in the ISR
  await admin.create('/brokers/topics/t/partitions', null, CreateMode.PERSISTENT);
  await admin.create('/brokers/topics/t/partitions/0', null, CreateMode.PERSISTENT);
  await admin.create('/brokers/topics/t/partitions/0/state', Buffer.from('{"controller_epoch":0,"leader":2,"version":1,"leader_epoch":3,"isr":[2,1]}'), CreateMode.PERSISTENT);
  const sent: BrokerRequest[] = [];
  const c1 = controller(s1, 1, sent);
  c1.start();
  await until(() => c1.isActive());
  await c1.idle();
  await admin.create('/admin/preferred_replica_election', encodePreferredReplicaElection([{ topic: 't', partition: 0 }]), CreateMode.PERSISTENT);
  await until(() => keeper.read('/admin/preferred_replica_election') === null);
  assert.deepEqual(decodePartitionState(keeper.read('/brokers/topics/t/partitions/0/state')!.data), { leader: 1, leaderEpoch: 4, isr: [2, 1], controllerEpoch: 1 });
  assert.ok(sent.some((r) => r.brokerId === 1 && r.changes.some((c) => c.kind === 'become-leader' && c.leaderEpoch === 4)));
  await c1.stop();
});
