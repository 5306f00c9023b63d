/**
 * Every version of every group API answers a well-formed request with a response that encodes at
 * that version (the generated encoders refuse fields a version does not have, so this catches
 * handlers that fill version-dependent fields wrongly): a member joins, syncs, heartbeats,
 * commits, fetches, is described and listed, leaves, and its group is deleted — per version.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { createJoinGroupRequest } from '../../../src/protocol/generated/join-group.js';
import { createOffsetCommitRequest } from '../../../src/protocol/generated/offset-commit.js';
import { createOffsetFetchRequest } from '../../../src/protocol/generated/offset-fetch.js';
import { createTopic, startGroupCluster } from './helpers.js';
import { RawClient } from './raw-client.js';

let cluster: EmbeddedCluster;
let c: RawClient;
const protocols = [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]) }];

before(async () => {
  cluster = await startGroupCluster({ brokerConfig: { 'group.initial.rebalance.delay.ms': 0 } });
  await createTopic(cluster, 't', 1);
  c = await RawClient.connect(cluster.bootstrapServers);
  // Up to 30 s: creating and loading __consumer_offsets on a loaded CI machine.
  let errorCode: number = ErrorCode.COORDINATOR_NOT_AVAILABLE;
  for (let i = 0; i < 300 && errorCode !== ErrorCode.NONE; i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, 100));
    errorCode = (await c.request('FindCoordinator', 0, { key: 'any', keyType: 0, coordinatorKeys: [] })).errorCode;
  }
  assert.equal(errorCode, ErrorCode.NONE, 'the group coordinator is available');
});
after(async () => {
  c?.close();
  await cluster?.stop();
});

test('FindCoordinator v0-6', async () => {
  for (let v = 0; v <= 6; v++) {
    const r = await c.request('FindCoordinator', v, v < 4 ? { key: 'g', keyType: 0, coordinatorKeys: [] } : { key: '', keyType: 0, coordinatorKeys: ['g', 'h'] });
    if (v < 4) assert.equal(r.errorCode, ErrorCode.NONE, `v${v}`);
    else assert.deepEqual(r.coordinators.map((x) => x.errorCode), [ErrorCode.NONE, ErrorCode.NONE], `v${v}`);
  }
});

/** Joins `group` at JoinGroup version `v` (KIP-394 two-step from v4). */
async function joinAt(v: number, group: string): Promise<{ memberId: string; generationId: number }> {
  const req = (memberId: string) =>
    createJoinGroupRequest({ groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: v >= 1 ? 10_000 : -1, memberId, protocolType: 'consumer', protocols, reason: v >= 8 ? 'sweep' : null });
  let r = await c.request('JoinGroup', v, req(''));
  if (v >= 4) {
    assert.equal(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED, `JoinGroup v${v}`);
    r = await c.request('JoinGroup', v, req(r.memberId));
  }
  assert.equal(r.errorCode, ErrorCode.NONE, `JoinGroup v${v}`);
  assert.equal(r.leader, r.memberId);
  return { memberId: r.memberId, generationId: r.generationId };
}

test('JoinGroup v0-9, SyncGroup v0-5, Heartbeat v0-4, LeaveGroup v0-5 at every version', async () => {
  for (let v = 0; v <= 9; v++) {
    const group = `sweep-join-${v}`;
    const { memberId, generationId } = await joinAt(v, group);
    // Error answers encode at this version too.
    const unknown = await c.request('JoinGroup', v, createJoinGroupRequest({ groupId: group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: v >= 1 ? 10_000 : -1, memberId: 'nobody', protocolType: 'consumer', protocols }));
    assert.equal(unknown.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, `JoinGroup v${v} error`);
    const sv = Math.min(v, 5);
    const badSync = await c.request('SyncGroup', sv, { groupId: group, generationId: generationId + 7, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(badSync.errorCode, ErrorCode.ILLEGAL_GENERATION, `SyncGroup v${sv} error`);
    const sync = await c.request('SyncGroup', sv, { groupId: group, generationId, memberId, groupInstanceId: null, protocolType: sv >= 5 ? 'consumer' : null, protocolName: sv >= 5 ? 'range' : null, assignments: [{ memberId, assignment: Buffer.from('x') }] });
    assert.equal(sync.errorCode, ErrorCode.NONE, `SyncGroup v${sv}`);
    const hv = Math.min(v, 4);
    assert.equal((await c.request('Heartbeat', hv, { groupId: group, generationId, memberId, groupInstanceId: null })).errorCode, ErrorCode.NONE, `Heartbeat v${hv}`);
    const bad = await c.request('Heartbeat', hv, { groupId: group, generationId: generationId + 1, memberId, groupInstanceId: null });
    assert.equal(bad.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const lv = Math.min(v, 5);
    const left = await c.request('LeaveGroup', lv, lv >= 3 ? { groupId: group, memberId: '', members: [{ memberId, groupInstanceId: null, reason: lv >= 5 ? 'sweep' : null }] } : { groupId: group, memberId, members: [] });
    assert.equal(left.errorCode, ErrorCode.NONE, `LeaveGroup v${lv}`);
    const leftAgain = await c.request('LeaveGroup', lv, lv >= 3 ? { groupId: group, memberId: '', members: [{ memberId, groupInstanceId: null, reason: null }] } : { groupId: group, memberId, members: [] });
    if (lv >= 3) assert.equal(leftAgain.members[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    else assert.equal(leftAgain.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  }
});

test('OffsetCommit v0-9 and OffsetFetch v0-9', async () => {
  for (let v = 0; v <= 9; v++) {
    const group = `sweep-offsets-${v}`;
    const commit = await c.request('OffsetCommit', v, createOffsetCommitRequest({
      groupId: group,
      generationIdOrMemberEpoch: -1,
      memberId: '',
      retentionTimeMs: -1n,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: BigInt(10 + v), committedLeaderEpoch: v >= 6 ? 0 : -1, commitTimestamp: -1n, committedMetadata: `m${v}` }] }],
    }));
    assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE, `OffsetCommit v${v}`);
    const fetch = await c.request('OffsetFetch', v, v >= 8
      ? createOffsetFetchRequest({ groupId: '', topics: [], groups: [{ groupId: group, memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0] }] }], requireStable: true })
      : createOffsetFetchRequest({ groupId: group, topics: [{ name: 't', partitionIndexes: [0] }], groups: [], requireStable: v >= 7 }));
    const p = v >= 8 ? fetch.groups[0]!.topics[0]!.partitions[0]! : fetch.topics[0]!.partitions[0]!;
    assert.equal(p.committedOffset, BigInt(10 + v), `OffsetFetch v${v}`);
    assert.equal(p.metadata, `m${v}`);
  }
});

test('DescribeGroups v0-5, ListGroups v0-5, DeleteGroups v0-2, OffsetDelete v0', async () => {
  for (let v = 0; v <= 5; v++) {
    const d = await c.request('DescribeGroups', v, { groups: ['sweep-offsets-0', 'missing'], includeAuthorizedOperations: v >= 3 });
    assert.deepEqual(d.groups.map((g) => g.groupState), ['Empty', 'Dead'], `DescribeGroups v${v}`);
    const l = await c.request('ListGroups', v, { statesFilter: v >= 4 ? ['empty'] : [], typesFilter: v >= 5 ? ['classic'] : [] });
    assert.equal(l.errorCode, ErrorCode.NONE);
    assert.ok(l.groups.some((g) => g.groupId === 'sweep-offsets-0'), `ListGroups v${v}`);
  }
  const od = await c.request('OffsetDelete', 0, { groupId: 'sweep-offsets-1', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
  assert.equal(od.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  for (let v = 0; v <= 2; v++) {
    const r = await c.request('DeleteGroups', v, { groupsNames: [`sweep-offsets-${v + 2}`, 'missing'] });
    assert.deepEqual(r.results.map((x) => x.errorCode), [ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND], `DeleteGroups v${v}`);
  }
});
