/**
 * The coordinator's shell with a fake ReplicaManager and MetadataService: loading replays the
 * partition's batches (COORDINATOR_LOAD_IN_PROGRESS meanwhile), NOT_COORDINATOR for partitions
 * it does not lead, a waiting JoinGroup answered NOT_COORDINATOR when leadership moves, replies
 * released only when their append completes — in append order even when completions arrive out
 * of order — and append errors mapped as Kafka maps them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultGroupConfig } from '../../../src/broker/group/group-config.js';
import { coordinatorErrorOf, GroupCoordinator } from '../../../src/broker/group/group-coordinator.js';
import { CONSUMER_OFFSETS_TOPIC, encodeRecordKey, encodeRecordValue, partitionForGroup, type CoordinatorRecord } from '../../../src/broker/group/records.js';
import type { LeadershipChange, MetadataService } from '../../../src/broker/metadata/metadata-service.js';
import type { ReplicaManager } from '../../../src/broker/replica/replica-manager.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { encodeRecordBatch } from '../../../src/protocol/records/index.js';
import { createLogger } from '../../../src/util/logger.js';

const PARTITIONS = 4;
const GROUP = 'shell-group';
const P = partitionForGroup(GROUP, PARTITIONS);
const who = { apiVersion: 3, clientId: 'c', clientAddress: '127.0.0.1:5000' };

function batchOf(records: CoordinatorRecord[], baseOffset: bigint): Buffer {
  const b = encodeRecordBatch({ baseOffset, records: records.map((r) => ({ key: encodeRecordKey(r), value: encodeRecordValue(r), timestamp: 1n })) });
  return b;
}

function setup(existing: Buffer[] = []) {
  let leadership: (c: readonly LeadershipChange[]) => void = () => undefined;
  const appends: { records: Buffer; done: (r: { errorCode: number; errorMessage: string | null }[]) => void }[] = [];
  const logBytes = Buffer.concat(existing);
  const log = { logStartOffset: 0n, highWatermark: BigInt(existing.length), read: (offset: bigint) => ({ records: offset === 0n ? logBytes : Buffer.alloc(0) }) };
  const metadata = {
    snapshot: () => ({ topics: new Map([[CONSUMER_OFFSETS_TOPIC, { partitions: Array.from({ length: PARTITIONS }, (_, i) => ({ partition: i, leader: 0 })) }]]), brokers: new Map() }),
    onLeadershipChange: (l: typeof leadership) => {
      leadership = l;
      return () => undefined;
    },
  } as unknown as MetadataService;
  const replicaManager = {
    getPartition: () => ({ log }),
    appendRecords: (_t: number, _acks: number, entries: { records: Buffer }[], done: (typeof appends)[number]['done']) => appends.push({ records: entries[0]!.records, done }),
  } as unknown as ReplicaManager;
  const coordinator = new GroupCoordinator({
    brokerId: 0,
    config: { ...defaultGroupConfig, initialRebalanceDelayMs: 0 },
    offsetsTopicPartitions: PARTITIONS,
    offsetsTopicReplicationFactor: 1,
    offsetsTopicSegmentBytes: 1 << 20,
    offsetsCommitTimeoutMs: 5000,
    metadata,
    replicaManager,
    clock: { nowMs: () => Date.now(), monotonicMs: () => performance.now() },
    logger: createLogger({ level: 'silent' }),
  });
  coordinator.start();
  const lead = (kind: 'become-leader' | 'become-follower', epoch = 1) =>
    leadership([{ kind, topic: CONSUMER_OFFSETS_TOPIC, topicId: Buffer.alloc(16), partition: P, leader: kind === 'become-leader' ? 0 : 1, leaderEpoch: epoch, isr: [0], replicas: [0], partitionEpoch: 0, controllerEpoch: 1, isNew: false }]);
  return { coordinator, appends, lead };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

/** Waits (bounded) until the group's partition has loaded. */
async function loaded(coordinator: GroupCoordinator): Promise<void> {
  const loading = () => coordinator.fetchOffsets(GROUP, null, false).errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  for (let i = 0; i < 1500 && loading(); i++) await settle();
  assert.equal(loading(), false, 'the partition loaded');
}

function commit(coordinator: GroupCoordinator, offset: bigint) {
  return coordinator.commitOffsets(
    who,
    { groupId: GROUP, generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null, errorCode: ErrorCode.NONE }] }] },
    (code) => ({ code }),
  );
}

test('loading replays the partition; LOAD_IN_PROGRESS meanwhile, NOT_COORDINATOR without leadership', async () => {
  const committed: CoordinatorRecord[] = [{ kind: 'offset', group: GROUP, topic: 't', partition: 2, value: { offset: 41n, leaderEpoch: 5, metadata: 'm', commitTimestampMs: 1n, expireTimestampMs: -1n } }];
  const { coordinator, lead } = setup([batchOf(committed, 0n)]);
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).errorCode, ErrorCode.NOT_COORDINATOR);
  lead('become-leader');
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
  await loaded(coordinator);
  const r = coordinator.fetchOffsets(GROUP, null, false);
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.equal(r.value![0]!.partitions[0]!.committedOffset, 41n);
  lead('become-follower');
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).errorCode, ErrorCode.NOT_COORDINATOR);
  coordinator.stop();
});

test('a waiting JoinGroup is answered NOT_COORDINATOR when leadership moves', async () => {
  const { coordinator, lead } = setup();
  lead('become-leader');
  await loaded(coordinator);
  // Two members: the first waits for the second (v3 joins at once, no MEMBER_ID_REQUIRED).
  const protocols = [{ name: 'range', metadata: Buffer.alloc(0) }];
  const first = coordinator.joinGroup(who, { groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols }, (code) => ({ errorCode: code }));
  await settle(); // the shell's timers are unref'd: keep the loop alive while the join completes
  const firstReply = (await first) as { errorCode: number; memberId: string };
  assert.equal(firstReply.errorCode, ErrorCode.NONE);
  // A second member starts a rebalance that waits for the first to rejoin (up to 60 s).
  const second = coordinator.joinGroup(who, { groupId: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, memberId: '', groupInstanceId: null, protocolType: 'consumer', protocols }, (code) => ({ errorCode: code }));
  await settle();
  lead('become-follower');
  assert.equal(((await second) as { errorCode: number }).errorCode, ErrorCode.NOT_COORDINATOR);
  coordinator.stop();
});

test('replies wait for their append, in append order; append errors are mapped', async () => {
  const { coordinator, appends, lead } = setup();
  lead('become-leader');
  await loaded(coordinator);
  const c1 = commit(coordinator, 1n);
  const c2 = commit(coordinator, 2n);
  assert.equal(appends.length, 2);
  let done1 = false;
  let done2 = false;
  void c1.then(() => (done1 = true));
  void c2.then(() => (done2 = true));
  appends[1]!.done([{ errorCode: ErrorCode.NONE, errorMessage: null }]);
  await settle();
  assert.equal(done2, false, 'the second commit waits for the first append');
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).value!.length, 0, 'nothing is visible before it is committed');
  appends[0]!.done([{ errorCode: ErrorCode.NONE, errorMessage: null }]);
  await settle();
  assert.ok(done1 && done2);
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).value![0]!.partitions[0]!.committedOffset, 2n);

  const c3 = commit(coordinator, 3n);
  appends[2]!.done([{ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, errorMessage: null }]);
  const r3 = (await c3) as unknown as { topics: { partitions: { errorCode: number }[] }[] };
  assert.equal(r3.topics[0]!.partitions[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(coordinator.fetchOffsets(GROUP, null, false).value![0]!.partitions[0]!.committedOffset, 2n, 'a failed append changes nothing');
  coordinator.stop();
});

test('append errors map to coordinator errors as in Kafka', () => {
  assert.equal(coordinatorErrorOf(ErrorCode.NOT_LEADER_OR_FOLLOWER), ErrorCode.NOT_COORDINATOR);
  assert.equal(coordinatorErrorOf(ErrorCode.REQUEST_TIMED_OUT), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  assert.equal(coordinatorErrorOf(ErrorCode.MESSAGE_TOO_LARGE), ErrorCode.INVALID_COMMIT_OFFSET_SIZE);
  assert.equal(coordinatorErrorOf(ErrorCode.CORRUPT_MESSAGE), ErrorCode.UNKNOWN_SERVER_ERROR);
});
