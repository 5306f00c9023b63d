/**
 * The group APIs over the wire at the versions no installed client speaks (FindCoordinator v4
 * batches, JoinGroup v9, ListGroups v5 state filters, OffsetFetch v9 group batches, DeleteGroups,
 * OffsetDelete), the `__consumer_offsets` topic as Kafka creates it, NOT_COORDINATOR from a broker
 * that does not lead the group's partition, and KafkaJS's admin client for the group operations.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import type { EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import { partitionForGroup } from '../../../src/broker/group/records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createFindCoordinatorRequest } from '../../../src/protocol/generated/find-coordinator.js';
import { createJoinGroupRequest } from '../../../src/protocol/generated/join-group.js';
import { createMetadataRequest } from '../../../src/protocol/generated/metadata.js';
import { createTopic, startGroupCluster } from './helpers.js';
import { RawClient } from './raw-client.js';

const protocols = [{ name: 'range', metadata: Buffer.from([0, 1, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]) }];

describe('group APIs on the wire', () => {
  let cluster: EmbeddedCluster;
  let client: RawClient;
  before(async () => {
    cluster = await startGroupCluster();
    await createTopic(cluster, 't', 2);
    client = await RawClient.connect(cluster.bootstrapServers);
  });
  after(async () => {
    client?.close();
    await cluster?.stop();
  });

  test('FindCoordinator v4 creates __consumer_offsets (internal, compacted) and answers a batch', async () => {
    const keys = ['g1', 'g2', 'g3'];
    let r = await client.request('FindCoordinator', 4, createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: keys }));
    // Up to 30 s: creating and loading __consumer_offsets on a loaded CI machine.
    for (let i = 0; i < 300 && r.coordinators.some((c) => c.errorCode !== ErrorCode.NONE); i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await client.request('FindCoordinator', 4, createFindCoordinatorRequest({ keyType: 0, coordinatorKeys: keys }));
    }
    assert.deepEqual(r.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]), keys.map((k) => [k, ErrorCode.NONE, 0]));
    const txn = await client.request('FindCoordinator', 4, createFindCoordinatorRequest({ keyType: 1, coordinatorKeys: ['tx'] }));
    assert.equal(txn.coordinators[0]!.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const v1 = await client.request('FindCoordinator', 1, createFindCoordinatorRequest({ key: 'g1', keyType: 0 }));
    assert.equal(v1.errorCode, ErrorCode.NONE);

    const topic = cluster.brokers[0]!.metadata.snapshot().topics.get('__consumer_offsets')!;
    assert.equal(topic.partitions.length, 10);
    assert.equal(topic.configs['cleanup.policy'], 'compact');
    const md = await client.request('Metadata', 12, createMetadataRequest({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: '__consumer_offsets' }], allowAutoTopicCreation: false }));
    assert.equal(md.topics[0]!.isInternal, true);
  });

  test('JoinGroup v9 / SyncGroup v5 / ListGroups v5 / DescribeGroups v5 / OffsetCommit v9 / OffsetFetch v9 / OffsetDelete / LeaveGroup v5 / DeleteGroups v2', async () => {
    const join = (memberId: string) =>
      client.request('JoinGroup', 9, createJoinGroupRequest({ groupId: 'wire', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols, reason: null }));
    const first = await join('');
    assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    const joined = await join(first.memberId);
    assert.equal(joined.errorCode, ErrorCode.NONE);
    assert.equal(joined.leader, first.memberId);
    assert.equal(joined.protocolName, 'range');
    const sync = await client.request('SyncGroup', 5, { groupId: 'wire', generationId: joined.generationId, memberId: joined.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: joined.memberId, assignment: Buffer.from('assigned') }] });
    assert.equal(sync.errorCode, ErrorCode.NONE);
    assert.equal(sync.assignment.toString(), 'assigned');

    const stable = await client.request('ListGroups', 5, { statesFilter: ['stable'], typesFilter: [] });
    assert.deepEqual(stable.groups.map((g) => [g.groupId, g.groupState, g.groupType]), [['wire', 'Stable', 'classic']]);
    assert.deepEqual((await client.request('ListGroups', 4, { statesFilter: ['Empty'], typesFilter: [] })).groups, []);
    const metrics = await cluster.brokers[0]!.metrics.text();
    assert.match(metrics, /kafka_coordinator_group_groupmetadatamanager_numgroupsstable\{broker="0"\} 1\n/);
    const described = await client.request('DescribeGroups', 5, { groups: ['wire', 'nope'], includeAuthorizedOperations: false });
    assert.equal(described.groups[0]!.groupState, 'Stable');
    assert.equal(described.groups[0]!.protocolData, 'range');
    assert.equal(described.groups[0]!.members[0]!.memberAssignment.toString(), 'assigned');
    assert.equal(described.groups[0]!.members[0]!.clientId, 'raw-test');
    assert.equal(described.groups[1]!.groupState, 'Dead');

    const commit = await client.request('OffsetCommit', 9, { groupId: 'wire', generationIdOrMemberEpoch: joined.generationId, memberId: joined.memberId, groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 17n, committedLeaderEpoch: 0, commitTimestamp: -1n, committedMetadata: 'meta' }, { partitionIndex: 9, committedOffset: 1n, committedLeaderEpoch: 0, commitTimestamp: -1n, committedMetadata: null }] }] });
    assert.deepEqual(commit.topics[0]!.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
    const fetched = await client.request('OffsetFetch', 9, { groupId: '', topics: [], requireStable: true, groups: [
      { groupId: 'wire', memberId: null, memberEpoch: -1, topics: null },
      { groupId: 'unknown-group', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] },
    ] });
    assert.deepEqual(fetched.groups[0]!.topics, [{ name: 't', partitions: [{ partitionIndex: 1, committedOffset: 17n, committedLeaderEpoch: 0, metadata: 'meta', errorCode: ErrorCode.NONE }] }]);
    assert.equal(fetched.groups[1]!.topics[0]!.partitions[0]!.committedOffset, -1n);

    const offsetDelete = await client.request('OffsetDelete', 0, { groupId: 'wire', topics: [{ name: 't', partitions: [{ partitionIndex: 1 }] }] });
    assert.equal(offsetDelete.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, 'the member\'s subscription names topic "t"');

    const nonEmpty = await client.request('DeleteGroups', 2, { groupsNames: ['wire', 'never-existed'] });
    assert.deepEqual(nonEmpty.results.map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
    const left = await client.request('LeaveGroup', 5, { groupId: 'wire', memberId: '', members: [{ memberId: joined.memberId, groupInstanceId: null, reason: 'done' }] });
    assert.equal(left.members[0]!.errorCode, ErrorCode.NONE);
    const deleted = await client.request('DeleteGroups', 2, { groupsNames: ['wire'] });
    assert.equal(deleted.results[0]!.errorCode, ErrorCode.NONE);
    assert.equal((await client.request('DescribeGroups', 5, { groups: ['wire'], includeAuthorizedOperations: false })).groups[0]!.groupState, 'Dead');
  });

  test('KafkaJS admin: setOffsets (a simple commit), fetchOffsets, listGroups, describeGroups, deleteGroups', async () => {
    const kafka = new Kafka({ clientId: 'kjs-admin', brokers: [cluster.bootstrapServers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: 'admin-set', topic: 't', partitions: [{ partition: 0, offset: '5' }, { partition: 1, offset: '6' }] });
      const offsets = await admin.fetchOffsets({ groupId: 'admin-set', topics: ['t'] });
      assert.deepEqual(offsets[0]!.partitions.map((p) => [p.partition, p.offset]).sort(), [[0, '5'], [1, '6']]);
      const { groups } = await admin.listGroups();
      assert.ok(groups.some((g) => g.groupId === 'admin-set'));
      const d = await admin.describeGroups(['admin-set']);
      assert.equal(d.groups[0]!.state, 'Empty');
      await admin.deleteGroups(['admin-set']);
      const after = await admin.fetchOffsets({ groupId: 'admin-set', topics: ['t'] });
      assert.deepEqual(after[0]!.partitions.map((p) => p.offset), ['-1', '-1']);
    } finally {
      await admin.disconnect();
    }
  });
});

test('a broker that does not lead the group\'s partition answers NOT_COORDINATOR', { timeout: 60_000 }, async () => {
  const cluster = await startGroupCluster({ brokers: 2 });
  const clients: RawClient[] = [];
  try {
    const find = async () => {
      const c = await RawClient.connect(cluster.brokers[0]!.bootstrap);
      clients.push(c);
      for (let i = 0; i < 300; i++) {
        const r = await c.request('FindCoordinator', 3, createFindCoordinatorRequest({ key: 'probe', keyType: 0 }));
        if (r.errorCode === ErrorCode.NONE) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new Error('no coordinator');
    };
    await find();
    const topic = cluster.brokers[0]!.metadata.snapshot().topics.get('__consumer_offsets')!;
    // A group whose partition broker 1 leads, asked of broker 0.
    let groupId = '';
    for (let i = 0; i < 1000 && groupId === ''; i++) if (topic.partitions[partitionForGroup(`g${i}`, topic.partitions.length)]!.leader === 1) groupId = `g${i}`;
    assert.notEqual(groupId, '');
    const r = await clients[0]!.request('JoinGroup', 5, createJoinGroupRequest({ groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: '', protocolType: 'consumer', protocols }));
    assert.equal(r.errorCode, ErrorCode.NOT_COORDINATOR);
    const f = await clients[0]!.request('FindCoordinator', 3, createFindCoordinatorRequest({ key: groupId, keyType: 0 }));
    assert.equal(f.nodeId, 1);
  } finally {
    for (const c of clients) c.close();
    await cluster.stop();
  }
});
