import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { SimKeeper } from '../zk/sim-keeper.js';
import { singleBrokerRestartScenario, startBroker, twoBrokerScenario, type Harness } from './metadata-service.shared.js';

function simHarness(): Harness {
  const keeper = new SimKeeper();
  return { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
}

test('two brokers against the in-memory keeper: znodes, topics, producer ids, failover, deletion', async () => {
  await twoBrokerScenario(simHarness());
});

test('single broker restart re-elects itself and bumps epochs (in-memory keeper)', async () => {
  await singleBrokerRestartScenario(simHarness());
});

test('session expiry: the controller fails over with a bumped epoch, the expired broker re-registers with a new session', async () => {
  const keeper = new SimKeeper();
  const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
  const b1 = await startBroker(h, 1);
  const b2 = await startBroker(h, 2);
  try {
    await until(() => b1.service.isController());
    const epoch = Number(keeper.read('/controller_epoch')!.data!.toString());
    const oldSession = b1.service.keeperSession().sessionId();
    keeper.expire(oldSession);
    await until(() => b2.service.isController());
    assert.equal(Number(keeper.read('/controller_epoch')!.data!.toString()), epoch + 1);
    await until(() => {
      const reg = keeper.read('/brokers/ids/1');
      return reg !== null && reg.stat.ephemeralOwner !== oldSession;
    });
    await until(() => b1.service.snapshot().brokers.size === 2 && !b1.service.isController());
  } finally {
    await b2.service.close();
    await b1.service.close();
  }
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
}

test('ISR shrink by the leader, then unclean election once the topic allows it; old topics get a topic id', async () => {
  const keeper = new SimKeeper();
  const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
  const b1 = await startBroker(h, 1);
  const b2 = await startBroker(h, 2);
  try {
    await until(() => b1.service.isController() && b1.service.snapshot().brokers.size === 2);
    const [r] = await b2.service.createTopics([{ name: 'u', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [1, 2]]]), configs: {} }], { timeoutMs: 5000 });
    assert.equal(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
    const p0 = b1.service.snapshot().topics.get('u')!.partitions[0]!;
    assert.deepEqual([p0.leader, p0.isr], [1, [1, 2]]);
    // the leader drops 2 from the ISR (conditional on the partition epoch) and notifies the controller
    const stale = await b2.service.updateIsr({ topic: 'u', partition: 0, leaderEpoch: p0.leaderEpoch, isr: [2], partitionEpoch: p0.partitionEpoch });
    assert.equal(stale.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const shrunk = await b1.service.updateIsr({ topic: 'u', partition: 0, leaderEpoch: p0.leaderEpoch, isr: [1], partitionEpoch: p0.partitionEpoch });
    assert.equal(shrunk.errorCode, ErrorCode.NONE);
    assert.deepEqual(shrunk.partition!.isr, [1]);
    const again = await b1.service.updateIsr({ topic: 'u', partition: 0, leaderEpoch: p0.leaderEpoch, isr: [1, 2], partitionEpoch: p0.partitionEpoch });
    assert.equal(again.errorCode, ErrorCode.INVALID_UPDATE_VERSION);
    assert.ok(keeper.children('/isr_change_notification').length <= 1);
    await until(() => keeper.children('/isr_change_notification').length === 0);

    await b1.service.close();
    await until(() => b2.service.isController() && b2.service.snapshot().topics.get('u')!.partitions[0]!.leader === -1);
    assert.deepEqual(b2.service.snapshot().topics.get('u')!.partitions[0]!.isr, [1]);
    const altered = await b2.service.alterConfigs({ type: 'topic', name: 'u' }, { kind: 'incremental', ops: [{ op: 'set', name: 'unclean.leader.election.enable', value: 'true' }] });
    assert.equal(altered.errorCode, ErrorCode.NONE, altered.errorMessage ?? '');
    await until(() => b2.service.snapshot().topics.get('u')!.partitions[0]!.leader === 2);
    assert.deepEqual(b2.service.snapshot().topics.get('u')!.partitions[0]!.isr, [2]);
    assert.equal(JSON.parse(keeper.read('/config/topics/u')!.data!.toString()).config['unclean.leader.election.enable'], 'true');
    const change = keeper.children('/config/changes').at(-1)!;
    assert.match(change, /^config_change_\d{10}$/);
    assert.deepEqual(JSON.parse(keeper.read(`/config/changes/${change}`)!.data!.toString()), { version: 2, entity_path: 'topics/u' });

    // a topic written by an old Kafka (version 1, no topic_id) gets an id and leaders
    await h.reader.create('/brokers/topics/legacy', Buffer.from('{"version":1,"partitions":{"0":[2]}}'), 0);
    await until(() => (b2.service.snapshot().topics.get('legacy')?.partitions[0]?.leader ?? -1) === 2);
    assert.match(JSON.parse(keeper.read('/brokers/topics/legacy')!.data!.toString()).topic_id, /^[A-Za-z0-9_-]{22}$/);
  } finally {
    await b2.service.close();
    await b1.service.close();
  }
});

test('ElectLeaders (preferred, unclean) on the controller only, and the automatic leader rebalance', async () => {
  const keeper = new SimKeeper();
  const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
  const rebalance = { autoLeaderRebalanceEnable: true, leaderImbalanceCheckIntervalSeconds: 0.05 };
  const b1 = await startBroker(h, 1, { autoLeaderRebalanceEnable: false });
  const b2 = await startBroker(h, 2, rebalance);
  try {
    await until(() => b1.service.isController() && b1.service.snapshot().brokers.size === 2);
    const [r] = await b1.service.createTopics([{ name: 'p', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [1, 2]], [1, [2, 1]]]), configs: {} }], { timeoutMs: 5000 });
    assert.equal(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
    const notController = await b2.service.electLeaders('preferred', null);
    assert.equal(notController.errorCode, ErrorCode.NOT_CONTROLLER);
    const noop = await b1.service.electLeaders('preferred', [{ topic: 'p', partition: 0 }, { topic: 'p', partition: 9 }]);
    assert.deepEqual(noop.partitions.map((p) => p.errorCode), [ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);

    // broker 1 bounces: broker 2 (now controller, with auto rebalance) leads both; 1 is out of the ISR
    keeper.expire(b1.service.keeperSession().sessionId());
    await until(() => b2.service.isController() && b2.service.snapshot().brokers.size === 2
      && b2.service.snapshot().topics.get('p')!.partitions.every((p) => p.leader === 2));
    const unavailable = await b2.service.electLeaders('preferred', [{ topic: 'p', partition: 0 }]);
    assert.equal(unavailable.partitions[0]!.errorCode, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
    const unclean = await b2.service.electLeaders('unclean', [{ topic: 'p', partition: 0 }]);
    assert.equal(unclean.partitions[0]!.errorCode, ErrorCode.ELECTION_NOT_NEEDED);
    // the leader takes 1 back into the ISR; the rebalance moves partition 0 home to broker 1
    const p0 = b2.service.snapshot().topics.get('p')!.partitions[0]!;
    const grown = await b2.service.updateIsr({ topic: 'p', partition: 0, leaderEpoch: p0.leaderEpoch, isr: [2, 1], partitionEpoch: p0.partitionEpoch });
    assert.equal(grown.errorCode, ErrorCode.NONE);
    await until(() => b2.service.snapshot().topics.get('p')!.partitions[0]!.leader === 1);
    assert.equal(b2.service.snapshot().topics.get('p')!.partitions[1]!.leader, 2);
    await until(() => b1.events.some((e) => e.kind === 'become-leader' && e.topic === 'p' && e.partition === 0 && e.leaderEpoch > p0.leaderEpoch));
  } finally {
    await b2.service.close();
    await b1.service.close();
  }
});

test('a broker outside the controller\'s process learns its leadership from the keeper\'s partition states', async () => {
  const keeper = new SimKeeper();
  const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
  const b1 = await startBroker(h, 1);
  const b2 = await startBroker(h, 2, { inProcessDelivery: false });
  try {
    await until(() => b1.service.isController() && b1.service.snapshot().brokers.size === 2);
    const [r] = await b1.service.createTopics([{ name: 'far', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [2, 1]], [1, [1, 2]]]), configs: {} }], { timeoutMs: 5000 });
    assert.equal(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
    await until(() => b2.events.filter((e) => e.topic === 'far').length === 2);
    const leadership = (b: typeof b1, partition: number): Array<[string, number, readonly number[]]> => b.events
      .filter((e) => e.topic === 'far' && e.partition === partition && e.kind !== 'stop-replica')
      .map((e) => (e.kind === 'stop-replica' ? ['', -1, []] : [e.kind, e.leaderEpoch, e.isr]));
    assert.deepEqual(leadership(b2, 0), [['become-leader', 0, [2, 1]]]);
    assert.deepEqual(leadership(b2, 1), [['become-follower', 0, [1, 2]]]);
    assert.equal(b1.events.filter((e) => e.topic === 'far').length, 2, 'the controller\'s own broker: direct and derived deliveries collapse into one');
    // the controller's broker goes away: broker 2 takes over partition 1, and partition 0's ISR
    // shrinks (both with a new leader epoch, as Kafka's controller writes them)
    await b1.service.close();
    await until(() => leadership(b2, 1).length === 2 && leadership(b2, 0).length === 2);
    assert.deepEqual(leadership(b2, 1)[1], ['become-leader', 1, [2]]);
    assert.deepEqual(leadership(b2, 0)[1], ['become-leader', 1, [2]]);
  } finally {
    await b2.service.close();
    await b1.service.close();
  }
});
