/**
 * Scenarios run against any keeper (the in-memory SimKeeper, the keeper server, a real
 * ZooKeeper 3.8): two MetadataService instances (brokers 1 and 2) in one process.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/util/logger.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { startMetadataService } from '../../../src/broker/metadata/start-metadata-service.js';
import type { ZkMetadataService } from '../../../src/broker/metadata/zk-metadata-service.js';
import type { LeadershipChange, MetadataServiceConfig } from '../../../src/broker/metadata/metadata-service.js';
import type { KeeperSession, KeeperSessionFactory } from '../../../src/broker/zk/keeper-port.js';

export const quietLogger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });

export interface Harness {
  /** A fresh session for reading znodes back. */
  reader: KeeperSession;
  factory: KeeperSessionFactory;
  connect: string;
}

export async function startBroker(h: Harness, brokerId: number, extra: Partial<MetadataServiceConfig> & { inProcessDelivery?: boolean } = {}): Promise<{ service: ZkMetadataService; events: LeadershipChange[] }> {
  const service = await startMetadataService({
    keeperConnect: h.connect, brokerId, host: '127.0.0.1', port: 9090 + brokerId, sessionFactory: h.factory, logger: quietLogger,
    sessionTimeoutMs: 4000, ...extra,
  });
  const events: LeadershipChange[] = [];
  service.onLeadershipChange((c) => events.push(...c));
  return { service, events };
}

async function readJson(h: Harness, path: string): Promise<Record<string, unknown>> {
  const { data } = await h.reader.getData(path);
  return JSON.parse(data!.toString('utf8')) as Record<string, unknown>;
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function twoBrokerScenario(h: Harness): Promise<void> {
  const b1 = await startBroker(h, 1);
  let b2: Awaited<ReturnType<typeof startBroker>> | null = null;
  try {
    await until('broker 1 to become controller', () => b1.service.isController());
    b2 = await startBroker(h, 2);
    await until('both brokers visible', () => b1.service.snapshot().brokers.size === 2 && b2!.service.snapshot().brokers.size === 2);
    assert.equal(b2.service.isController(), false);

    // registration and controller znodes, exactly as Kafka writes them
    const reg = await readJson(h, '/brokers/ids/2');
    assert.deepEqual(
      { ...reg, timestamp: 'T' },
      { features: {}, listener_security_protocol_map: { PLAINTEXT: 'PLAINTEXT' }, endpoints: ['PLAINTEXT://127.0.0.1:9092'], jmx_port: -1, port: 9092, host: '127.0.0.1', version: 5, timestamp: 'T' },
    );
    assert.match(String(reg.timestamp), /^\d+$/);
    const regStat = await h.reader.exists('/brokers/ids/2');
    assert.notEqual(regStat!.ephemeralOwner, 0n, '/brokers/ids/2 is ephemeral');
    const controller = await readJson(h, '/controller');
    assert.deepEqual({ ...controller, timestamp: 'T' }, { version: 2, brokerid: 1, timestamp: 'T', kraftControllerEpoch: -1 });
    const epoch1 = Number((await h.reader.getData('/controller_epoch')).data!.toString());
    assert.ok(epoch1 >= 1);
    const cluster = await readJson(h, '/cluster/id');
    assert.equal(cluster.version, '1');
    assert.match(String(cluster.id), /^[A-Za-z0-9_-]{22}$/);
    for (const p of ['/brokers/seqid', '/config/changes', '/admin/delete_topics', '/isr_change_notification', '/latest_producer_id_block',
      '/log_dir_event_notification', '/config/topics', '/config/clients', '/config/users', '/config/brokers']) {
      assert.notEqual(await h.reader.exists(p), null, `${p} exists`);
    }

    // create a topic: znodes, leadership events, metadata
    const [created] = await b2.service.createTopics([{ name: 'orders', numPartitions: 3, replicationFactor: 2, configs: { 'retention.ms': '1000' } }], { timeoutMs: 10_000 });
    assert.equal(created!.errorCode, ErrorCode.NONE, created!.errorMessage ?? '');
    const topicZnode = await readJson(h, '/brokers/topics/orders');
    assert.equal(topicZnode.version, 3);
    assert.equal(topicZnode.topic_id, Buffer.from(created!.topicId).toString('base64url'));
    assert.deepEqual(topicZnode.adding_replicas, {});
    assert.deepEqual(topicZnode.removing_replicas, {});
    const partitions = topicZnode.partitions as Record<string, number[]>;
    assert.deepEqual(Object.keys(partitions).sort(), ['0', '1', '2']);
    for (const replicas of Object.values(partitions)) assert.deepEqual([...replicas].sort(), [1, 2]);
    assert.deepEqual(await readJson(h, '/config/topics/orders'), { version: 1, config: { 'retention.ms': '1000' } });
    const state0 = await readJson(h, '/brokers/topics/orders/partitions/0/state');
    assert.deepEqual(state0, { controller_epoch: epoch1, leader: partitions['0']![0], version: 1, leader_epoch: 0, isr: partitions['0'] });
    await until('both brokers see leaders', () => [b1, b2!].every((b) => b.service.snapshot().topics.get('orders')?.partitions.every((p) => p.leader > 0) === true));
    const leaders1 = b1.events.filter((e) => e.kind === 'become-leader' && e.topic === 'orders').length;
    const leaders2 = b2.events.filter((e) => e.kind === 'become-leader' && e.topic === 'orders').length;
    assert.equal(leaders1 + leaders2, 3, 'each partition has exactly one become-leader');

    // errors with Kafka's codes
    const [dup] = await b1.service.createTopics([{ name: 'orders', numPartitions: 1, replicationFactor: 1, configs: {} }]);
    assert.equal(dup!.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    const [badRf] = await b1.service.createTopics([{ name: 'x', numPartitions: 1, replicationFactor: 3, configs: {} }]);
    assert.equal(badRf!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
    const [badCfg] = await b1.service.createTopics([{ name: 'y', numPartitions: 1, replicationFactor: 1, configs: { 'no.such': '1' } }]);
    assert.equal(badCfg!.errorCode, ErrorCode.INVALID_CONFIG);
    const [badName] = await b1.service.createTopics([{ name: 'a/b', numPartitions: 1, replicationFactor: 1, configs: {} }]);
    assert.equal(badName!.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);

    // create partitions
    const [grown] = await b1.service.createPartitions([{ name: 'orders', count: 5, assignments: null }], { timeoutMs: 10_000 });
    assert.equal(grown!.errorCode, ErrorCode.NONE, grown!.errorMessage ?? '');
    assert.equal(b1.service.snapshot().topics.get('orders')!.partitions.length, 5);
    const [shrink] = await b1.service.createPartitions([{ name: 'orders', count: 2, assignments: null }]);
    assert.equal(shrink!.errorCode, ErrorCode.INVALID_PARTITIONS);

    // producer id blocks from both brokers concurrently: no overlap
    const blocks = await Promise.all([...Array(6)].map((_, i) => (i % 2 === 0 ? b1 : b2!).service.allocateProducerIdBlock()));
    const starts = blocks.map((b) => b.firstProducerId).sort((a, b) => (a < b ? -1 : 1));
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 1000n, 'blocks do not overlap');
    const latest = await readJson(h, '/latest_producer_id_block');
    assert.equal(latest.version, 1);
    assert.equal(latest.block_end, String(starts[starts.length - 1]! + 999n));

    // controller failover: broker 1 goes away, broker 2 takes over with a bumped epoch and leads everything
    await b1.service.close();
    await until('broker 2 to become controller', () => b2!.service.isController());
    const epoch2 = Number((await h.reader.getData('/controller_epoch')).data!.toString());
    assert.equal(epoch2, epoch1 + 1);
    await until('leaders moved to broker 2', () => b2!.service.snapshot().topics.get('orders')!.partitions.every((p) => p.leader === 2));
    const moved = await readJson(h, '/brokers/topics/orders/partitions/0/state');
    assert.equal(moved.controller_epoch, epoch2);
    assert.deepEqual(moved.isr, [2]);

    // deleting a topic with a replica on a dead broker waits for it (Kafka: ineligible for deletion)
    const [queued] = await b2.service.deleteTopics([{ name: 'orders', topicId: null }], { timeoutMs: 0 });
    assert.equal(queued!.errorCode, ErrorCode.NONE);
    await until('orders marked for deletion', () => b2!.service.snapshot().topics.get('orders')?.markedForDeletion === true);
    assert.notEqual(await h.reader.exists('/brokers/topics/orders'), null);

    // a topic wholly on live brokers goes: StopReplica with delete, znodes removed
    const [ev] = await b2.service.createTopics([{ name: 'events', numPartitions: -1, replicationFactor: -1, assignments: new Map([[0, [2]], [1, [2]]]), configs: {} }], { timeoutMs: 10_000 });
    assert.equal(ev!.errorCode, ErrorCode.NONE, ev!.errorMessage ?? '');
    const [deleted] = await b2.service.deleteTopics([{ name: null, topicId: ev!.topicId }], { timeoutMs: 10_000 });
    assert.equal(deleted!.errorCode, ErrorCode.NONE, deleted!.errorMessage ?? '');
    assert.equal(await h.reader.exists('/brokers/topics/events'), null);
    // Kafka's order: the topic, its config, then the deletion request
    await until('deletion request removed', async () => (await h.reader.exists('/admin/delete_topics/events')) === null);
    assert.equal(await h.reader.exists('/config/topics/events'), null);
    assert.deepEqual(b2.events.filter((e) => e.kind === 'stop-replica' && e.topic === 'events' && e.deletePartition).map((e) => e.partition).sort(), [0, 1]);
    const [unknown] = await b2.service.deleteTopics([{ name: 'events', topicId: null }]);
    assert.equal(unknown!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } finally {
    await b2?.service.close();
    await b1.service.close();
  }
}

/** One broker: a restart re-elects itself with a bumped epoch and leader epochs. */
export async function singleBrokerRestartScenario(h: Harness): Promise<void> {
  let b = await startBroker(h, 7);
  try {
    await until('controller', () => b.service.isController());
    const [r] = await b.service.createTopics([{ name: 'solo', numPartitions: 2, replicationFactor: 1, configs: {} }], { timeoutMs: 10_000 });
    assert.equal(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
    const before = b.service.snapshot().topics.get('solo')!.partitions[0]!;
    const epochBefore = Number((await h.reader.getData('/controller_epoch')).data!.toString());
    await b.service.close();
    b = await startBroker(h, 7);
    await until('controller again', () => b.service.isController());
    const epochAfter = Number((await h.reader.getData('/controller_epoch')).data!.toString());
    assert.equal(epochAfter, epochBefore + 1);
    await until('leader epoch bumped', () => (b.service.snapshot().topics.get('solo')?.partitions[0]?.leaderEpoch ?? -1) > before.leaderEpoch);
    assert.equal(b.service.snapshot().topics.get('solo')!.partitions[0]!.leader, 7);
    await until('become-leader delivered', () => b.events.some((e) => e.kind === 'become-leader' && e.topic === 'solo' && e.partition === 0));
  } finally {
    await b.service.close();
  }
}
