/**
 * Controlled shutdown end to end in an embedded cluster: stopping a broker cleanly moves its
 * leadership to other ISR members while it still answers, a client still talking to it is told
 * NOT_LEADER_OR_FOLLOWER, and the ControlledShutdown API (key 7) answers as Kafka's controller does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker/broker.js';
import type { ClusterMetadata } from '../../src/broker/metadata/metadata-service.js';
import type { ZkMetadataService } from '../../src/broker/metadata/zk-metadata-service.js';
import { partitionStatePath } from '../../src/broker/zk/paths.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createControlledShutdownRequest } from '../../src/protocol/generated/controlled-shutdown.js';
import { createMetadataRequest, type MetadataResponse } from '../../src/protocol/generated/metadata.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import { createLogger } from '../../src/util/logger.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

const TOPIC = 'cs';
const PARTITIONS = 3;
/** Small backoff so that a test of the retry path stays short. */
const brokerConfig = { 'controlled.shutdown.retry.backoff.ms': 100 };
const quiet = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });

async function createReplicatedTopic(bootstrap: string, brokers: readonly Broker[]): Promise<void> {
  const c = await RawClient.connect(bootstrap);
  try {
    const created = await c.request(19, 5, { topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
  const ready = (md: ClusterMetadata): boolean => md.topics.get(TOPIC)?.partitions.every((p) => p.leader >= 0 && p.isr.length === 3) === true;
  for (const b of brokers) assert.ok(await b.metadata.waitFor(ready, 15_000), `broker ${b.brokerId} sees every partition led with a full ISR`);
  // every leader serves before the test starts
  for (const p of brokers[0]!.metadata.snapshot().topics.get(TOPIC)!.partitions) {
    const leader = brokers.find((b) => b.brokerId === p.leader)!;
    for (let i = 0; i < 500 && leader.replicaManager.getPartition(TOPIC, p.partition)?.isLeader !== true; i++) await new Promise((r) => setTimeout(r, 10));
  }
}

async function metadataFrom(bootstrap: string): Promise<MetadataResponse> {
  const c = await RawClient.connect(bootstrap);
  try {
    return await c.request(3, 12, createMetadataRequest({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false }));
  } finally {
    c.close();
  }
}

function produceTo(partition: number): ReturnType<typeof createProduceRequest> {
  const records = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('after-controlled-shutdown'), timestamp: 0n }] });
  return createProduceRequest({ acks: 1, timeoutMs: 5000, topicData: [{ name: TOPIC, partitionData: [{ index: partition, records }] }] });
}

/** The broker leading partition 0 (not the controller when `avoidController`, if possible). */
function leaderOfPartition0(brokers: readonly Broker[]): Broker {
  const md = brokers[0]!.metadata.snapshot();
  const id = md.topics.get(TOPIC)!.partitions[0]!.leader;
  return brokers.find((b) => b.brokerId === id)!;
}

for (const role of ['the controller', 'another broker'] as const) test(`stop() of a leader (${role}): leadership moves to another ISR member before the broker leaves, and it is out of the ISR`, { timeout: 90_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig });
  try {
    await createReplicatedTopic(cluster.bootstrapServers, cluster.brokers);
    const controllerId = cluster.brokers[0]!.metadata.snapshot().controllerId;
    const leads = (b: Broker): boolean => b.metadata.snapshot().topics.get(TOPIC)!.partitions.some((p) => p.leader === b.brokerId);
    const leader = cluster.brokers.find((b) => (b.brokerId === controllerId) === (role === 'the controller') && leads(b));
    assert.ok(leader !== undefined, `${role} leads a partition`);
    const survivor = cluster.brokers.find((b) => b !== leader)!;
    const before = survivor.metadata.snapshot().topics.get(TOPIC)!.partitions;
    const led = before.filter((p) => p.leader === leader.brokerId).map((p) => p.partition);
    assert.ok(led.length > 0);
    await leader.stop();
    const gone = (md: ClusterMetadata): boolean => !md.brokers.has(leader.brokerId)
      && md.topics.get(TOPIC)!.partitions.every((p) => p.leader >= 0 && p.leader !== leader.brokerId && !p.isr.includes(leader.brokerId));
    assert.ok(await survivor.metadata.waitFor(gone, 15_000), 'the survivor sees the broker gone, its partitions led by others, ISRs without it');
    // every state was written before the registration went away (zxids in the keeper)
    const session = (survivor.metadata as ZkMetadataService).keeperSession();
    const ids = (await session.exists('/brokers/ids'))!;
    for (const p of survivor.metadata.snapshot().topics.get(TOPIC)!.partitions) {
      const { stat } = await session.getData(partitionStatePath(TOPIC, p.partition));
      assert.ok(stat.mzxid < ids.pzxid, `partition ${p.partition}: state written (zxid ${stat.mzxid}) before broker ${leader.brokerId} left (zxid ${ids.pzxid})`);
      if (led.includes(p.partition)) assert.ok(p.leaderEpoch > before[p.partition]!.leaderEpoch, 'a new leader epoch');
    }
    // and clients asking a surviving broker see the same
    const res = await metadataFrom(survivor.bootstrap);
    assert.equal(res.brokers.some((b) => b.nodeId === leader.brokerId), false);
    for (const p of res.topics[0]!.partitions) {
      assert.equal(p.errorCode, ErrorCode.NONE);
      assert.ok(p.leaderId >= 0 && p.leaderId !== leader.brokerId);
      assert.ok(!p.isrNodes.includes(leader.brokerId));
    }
  } finally {
    await cluster.stop();
  }
});

test('after its controlled shutdown the stopping broker still answers, with NOT_LEADER_OR_FOLLOWER for what it led', { timeout: 90_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig });
  try {
    await createReplicatedTopic(cluster.bootstrapServers, cluster.brokers);
    const leader = leaderOfPartition0(cluster.brokers);
    const report = await leader.controlledShutdown();
    assert.deepEqual({ succeeded: report.succeeded, skipped: report.skipped, attempts: report.attempts, remaining: report.remainingPartitions }, { succeeded: true, skipped: false, attempts: 1, remaining: [] });
    // a surviving broker already names another leader, the stopping one is in no ISR, and it still answers
    const survivor = cluster.brokers.find((b) => b !== leader)!;
    const moved = (md: ClusterMetadata): boolean => md.topics.get(TOPIC)!.partitions.every((p) => p.leader >= 0 && p.leader !== leader.brokerId && !p.isr.includes(leader.brokerId));
    assert.ok(await survivor.metadata.waitFor(moved, 10_000));
    const fromSurvivor = await metadataFrom(survivor.bootstrap);
    assert.ok(fromSurvivor.brokers.some((b) => b.nodeId === leader.brokerId), 'still registered: it has not stopped');
    assert.ok(fromSurvivor.topics[0]!.partitions.every((p) => p.leaderId !== leader.brokerId && !p.isrNodes.includes(leader.brokerId)));
    const c = await RawClient.connect(leader.bootstrap);
    try {
      const res = await c.request(0, 9, produceTo(0));
      assert.equal(res.responses[0].partitionResponses[0].errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
      // its own Metadata already names the new leader, so the client knows where to go
      const md: MetadataResponse = await c.request(3, 12, createMetadataRequest({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: TOPIC }], allowAutoTopicCreation: false }));
      const newLeader = md.topics[0]!.partitions.find((p) => p.partitionIndex === 0)!.leaderId;
      assert.ok(newLeader >= 0 && newLeader !== leader.brokerId);
      assert.ok(md.brokers.some((b) => b.nodeId === newLeader));
    } finally {
      c.close();
    }
    await leader.stop();
  } finally {
    await cluster.stop();
  }
});

test('ControlledShutdown API: NOT_CONTROLLER off the controller, STALE_BROKER_EPOCH, BROKER_NOT_AVAILABLE, v0 and v3 answers', { timeout: 90_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig });
  const clients: RawClient[] = [];
  try {
    await createReplicatedTopic(cluster.bootstrapServers, cluster.brokers);
    const controllerId = cluster.brokers[0]!.metadata.snapshot().controllerId;
    const controller = cluster.brokers.find((b) => b.brokerId === controllerId)!;
    const other = cluster.brokers.find((b) => b !== controller)!;
    const toOther = await RawClient.connect(other.bootstrap);
    const toController = await RawClient.connect(controller.bootstrap);
    clients.push(toOther, toController);
    const victim = cluster.brokers.find((b) => b !== controller && b !== other)!;
    const epoch = victim.metadata.brokerEpoch;
    assert.ok(epoch > 0n);
    const notController = await toOther.request(7, 3, createControlledShutdownRequest({ brokerId: victim.brokerId, brokerEpoch: epoch }));
    assert.deepEqual([notController.errorCode, notController.remainingPartitions], [ErrorCode.NOT_CONTROLLER, []]);
    const stale = await toController.request(7, 2, createControlledShutdownRequest({ brokerId: victim.brokerId, brokerEpoch: epoch - 1n }));
    assert.equal(stale.errorCode, ErrorCode.STALE_BROKER_EPOCH);
    const unknown = await toController.request(7, 1, createControlledShutdownRequest({ brokerId: 77 }));
    assert.equal(unknown.errorCode, ErrorCode.BROKER_NOT_AVAILABLE);
    assert.equal(victim.metadata.snapshot().topics.get(TOPIC)!.partitions.some((p) => p.leader === victim.brokerId || p.isr.includes(victim.brokerId)), true, 'refusals changed nothing');
    // v0 (request header v0, no client id, no epoch): the real thing
    const ok = await toController.request(7, 0, createControlledShutdownRequest({ brokerId: victim.brokerId }));
    assert.deepEqual([ok.errorCode, ok.remainingPartitions], [ErrorCode.NONE, []]);
    const moved = (md: ClusterMetadata): boolean => md.topics.get(TOPIC)!.partitions.every((p) => p.leader !== victim.brokerId && !p.isr.includes(victim.brokerId));
    assert.ok(await controller.metadata.waitFor(moved, 10_000), 'led partitions moved, followed ones shrank');
    // v3 (flexible) once more: nothing left
    const again = await toController.request(7, 3, createControlledShutdownRequest({ brokerId: victim.brokerId, brokerEpoch: epoch }));
    assert.deepEqual([again.errorCode, again.remainingPartitions], [ErrorCode.NONE, []]);
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
});

test('the network path: a broker reaches the controller over TCP with the client connection; an unreachable controller is retried, then given up', { timeout: 90_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig });
  try {
    await createReplicatedTopic(cluster.bootstrapServers, cluster.brokers);
    const controllerId = cluster.brokers[0]!.metadata.snapshot().controllerId;
    const stopping = cluster.brokers.find((b) => b.brokerId !== controllerId && b.metadata.snapshot().topics.get(TOPIC)!.partitions.some((p) => p.leader === b.brokerId))
      ?? cluster.brokers.find((b) => b.brokerId !== controllerId)!;
    // nobody answers: three attempts, then the broker proceeds
    let calls = 0;
    const unreachable = await stopping.controlledShutdown({
      maxRetries: 3, retryBackoffMs: 20, logger: quiet, inProcess: false,
      sendRemote: async () => {
        calls++;
        throw new Error('connect ECONNREFUSED');
      },
    });
    assert.deepEqual([unreachable.succeeded, unreachable.attempts, calls], [false, 3, 3]);
    // over the network for real
    const report = await stopping.controlledShutdown({ maxRetries: 3, retryBackoffMs: 20, logger: quiet, inProcess: false });
    assert.deepEqual([report.succeeded, report.attempts], [true, 1]);
    // it no longer leads anything at once (that is what the broker waits for); the ISR writes reach its view shortly after
    assert.ok(stopping.metadata.snapshot().topics.get(TOPIC)!.partitions.every((p) => p.leader !== stopping.brokerId));
    const out = (m: ClusterMetadata): boolean => m.topics.get(TOPIC)!.partitions.every((p) => p.leader >= 0 && p.leader !== stopping.brokerId && !p.isr.includes(stopping.brokerId));
    assert.ok(await stopping.metadata.waitFor(out, 10_000), JSON.stringify(stopping.metadata.snapshot().topics.get(TOPIC)!.partitions));
    await stopping.stop();
  } finally {
    await cluster.stop();
  }
});

test('a single broker skips it (nobody to move leadership to), and controlled.shutdown.enable=false skips it everywhere', { timeout: 60_000 }, async () => {
  const single = await testCluster({ brokers: 1, brokerConfig });
  try {
    const report = await single.brokers[0]!.controlledShutdown();
    assert.deepEqual([report.skipped, report.attempts, report.succeeded], [true, 0, true]);
  } finally {
    await single.stop();
  }
  const cluster = await testCluster({ brokers: 3, brokerConfig: { ...brokerConfig, 'controlled.shutdown.enable': false } });
  try {
    await createReplicatedTopic(cluster.bootstrapServers, cluster.brokers);
    const leader = leaderOfPartition0(cluster.brokers);
    const survivor = cluster.brokers.find((b) => b !== leader)!;
    await leader.stop();
    const moved = (md: ClusterMetadata): boolean => !md.brokers.has(leader.brokerId) && md.topics.get(TOPIC)!.partitions[0]!.leader !== leader.brokerId;
    assert.ok(await survivor.metadata.waitFor(moved, 15_000));
    // without it the broker is gone first and its partitions are moved afterwards (the old way)
    const session = (survivor.metadata as ZkMetadataService).keeperSession();
    const ids = (await session.exists('/brokers/ids'))!;
    const { stat } = await session.getData(partitionStatePath(TOPIC, 0));
    assert.ok(stat.mzxid > ids.pzxid, `state written (zxid ${stat.mzxid}) after the broker left (zxid ${ids.pzxid})`);
  } finally {
    await cluster.stop();
  }
});
