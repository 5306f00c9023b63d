/**
 * The deterministic group core, request by request: Kafka's error codes for every way a member
 * can be wrong, KIP-394 member ids, protocol selection, static membership, the initial rebalance
 * delay, session expiry, offsets (simple commits, retention, deletes) and loading from the log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultGroupConfig } from '../../../src/broker/group/group-config.js';
import { javaStringHashCode, partitionForGroup } from '../../../src/broker/group/records.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { encodeConsumerProtocolSubscription } from '../../../src/protocol/generated/consumer-protocol-subscription.js';
import { Writer } from '../../../src/util/bytes.js';
import { ShardDriver } from './shard-driver.js';

const G = 'group-1';

function subscription(topics: string[]): Buffer {
  const w = new Writer(64);
  w.int16(1);
  encodeConsumerProtocolSubscription(w, 1, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null });
  return w.finish();
}

function join(d: ShardDriver, memberId: string, opts: { instance?: string | null; protocols?: string[]; session?: number; apiVersion?: number; topics?: string[]; groupId?: string } = {}): number {
  const protocols = (opts.protocols ?? ['range']).map((name) => ({ name, metadata: subscription(opts.topics ?? ['t']) }));
  return d.send(
    (s, o) =>
      s.joinGroup(o, { groupId: opts.groupId ?? G, sessionTimeoutMs: opts.session ?? 10_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: opts.instance ?? null, protocolType: 'consumer', protocols, newMemberId: d.newMemberId() }, d.nowMs),
    opts.apiVersion ?? 9,
  );
}

function sync(d: ShardDriver, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [], instance: string | null = null): number {
  return d.send((s, o) => s.syncGroup(o, { groupId: G, generationId, memberId, groupInstanceId: instance, protocolType: 'consumer', protocolName: null, assignments }, d.nowMs));
}

function heartbeat(d: ShardDriver, memberId: string, generationId: number, instance: string | null = null): number {
  return d.send((s, o) => s.heartbeat(o, { groupId: G, generationId, memberId, groupInstanceId: instance }, d.nowMs));
}

/** Joins `n` dynamic members (KIP-394 two-step) and completes the rebalance with their syncs. */
function stableGroup(d: ShardDriver, n: number): { members: string[]; generationId: number } {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(d.reply(join(d, ''))!.memberId);
  const joins = ids.map((id) => join(d, id));
  d.advance(0);
  const first = d.reply(joins[0]!);
  assert.equal(first.errorCode, ErrorCode.NONE);
  const leader = first.leader as string;
  const syncs = ids.map((id) => sync(d, id, first.generationId, id === leader ? ids.map((m) => ({ memberId: m, assignment: Buffer.from(`a:${m}`) })) : []));
  for (const [i, s] of syncs.entries()) assert.equal(d.reply(s).errorCode, ErrorCode.NONE, `sync of ${ids[i]}`);
  return { members: ids, generationId: first.generationId };
}

test('the coordinator partition is abs(String.hashCode) % partitions, as Kafka computes it', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  // Values printed by Java 17's String.hashCode (jshell).
  assert.equal(javaStringHashCode('my-group-with-a-long-name'), 1977297176);
  assert.equal(javaStringHashCode('console-consumer-12345'), 158455506);
  assert.equal(partitionForGroup('my-group-with-a-long-name', 50), 1977297176 % 50);
  // A negative hash: Utils.abs is `& 0x7fffffff`, not Math.abs.
  assert.equal(javaStringHashCode('analytics-group'), -609982088);
  assert.equal(partitionForGroup('analytics-group', 50), (-609982088 & 0x7fffffff) % 50);
  assert.equal(partitionForGroup('analytics-group', 50), 10);
});

test('v4+: an unknown member first gets MEMBER_ID_REQUIRED with its id; v3 joins at once', () => {
  const d = new ShardDriver();
  const r = d.reply(join(d, ''))!;
  assert.equal(r.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.match(r.memberId, /^client-/);
  const j = join(d, r.memberId);
  d.advance(0);
  assert.equal(d.reply(j).errorCode, ErrorCode.NONE);
  assert.equal(d.reply(j).memberId, r.memberId);
  assert.equal(d.reply(j).generationId, 1);

  const d3 = new ShardDriver();
  const j3 = join(d3, '', { apiVersion: 3 });
  d3.advance(0);
  assert.equal(d3.reply(j3).errorCode, ErrorCode.NONE);
});

test('validation: INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT, UNKNOWN_MEMBER_ID, GROUP_MAX_SIZE_REACHED, INCONSISTENT_GROUP_PROTOCOL', () => {
  const d = new ShardDriver({ ...defaultGroupConfig, initialRebalanceDelayMs: 0, maxGroupSize: 2 });
  assert.equal(d.reply(join(d, '', { groupId: '' })).errorCode, ErrorCode.INVALID_GROUP_ID);
  assert.equal(d.reply(join(d, '', { session: 10 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(d.reply(join(d, '', { session: 2_000_000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  assert.equal(d.reply(join(d, 'nobody')).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  stableGroup(d, 2);
  assert.equal(d.reply(join(d, '')).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  const small = new ShardDriver();
  stableGroup(small, 1);
  assert.equal(small.reply(join(small, '', { protocols: ['sticky-only'] })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
});

test('protocol selection: the protocol all members support with the most votes', () => {
  const d = new ShardDriver();
  const ids = [['roundrobin', 'range'], ['range', 'roundrobin'], ['range', 'roundrobin', 'sticky']].map((p) => ({ id: d.reply(join(d, '', { protocols: p }))!.memberId as string, p }));
  const joins = ids.map(({ id, p }) => join(d, id, { protocols: p }));
  d.advance(0);
  for (const j of joins) assert.equal(d.reply(j).protocolName, 'range');
  const leaderReply = joins.map((j) => d.reply(j)).find((r) => r.memberId === r.leader);
  assert.equal(leaderReply.members.length, 3, 'the leader gets every member');
  assert.ok(joins.map((j) => d.reply(j)).filter((r) => r.memberId !== r.leader).every((r) => r.members.length === 0));
});

test('SyncGroup and Heartbeat errors: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS', () => {
  const d = new ShardDriver();
  const { members, generationId } = stableGroup(d, 2);
  assert.equal(d.reply(heartbeat(d, members[0]!, generationId)).errorCode, ErrorCode.NONE);
  assert.equal(d.reply(heartbeat(d, members[0]!, generationId + 1)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(d.reply(heartbeat(d, 'ghost', generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(d.reply(sync(d, members[1]!, generationId + 5)).errorCode, ErrorCode.ILLEGAL_GENERATION);
  // A new member starts a rebalance: the others learn it from their heartbeat.
  const fresh = d.reply(join(d, ''))!.memberId;
  join(d, fresh);
  assert.equal(d.reply(heartbeat(d, members[0]!, generationId)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  assert.equal(d.reply(sync(d, members[0]!, generationId)).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
});

test('the initial rebalance delay holds the first generation until it passes', () => {
  const d = new ShardDriver({ ...defaultGroupConfig, initialRebalanceDelayMs: 3000 });
  const a = d.reply(join(d, ''))!.memberId;
  const ja = join(d, a);
  d.advance(1000);
  const b = d.reply(join(d, ''))!.memberId;
  const jb = join(d, b);
  d.advance(1000);
  assert.equal(d.reply(ja), undefined, 'still waiting for more members');
  d.advance(5000);
  assert.equal(d.reply(ja).errorCode, ErrorCode.NONE);
  assert.equal(d.reply(jb).generationId, d.reply(ja).generationId);
});

test('a member that stops heart-beating is removed after its session timeout; the group rebalances', () => {
  const d = new ShardDriver();
  const { members, generationId } = stableGroup(d, 2);
  d.advance(6000);
  heartbeat(d, members[0]!, generationId);
  d.advance(6000); // members[1] is now 12s silent with a 10s session
  const r = d.reply(heartbeat(d, members[0]!, generationId));
  assert.equal(r.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
  const rejoin = join(d, members[0]!);
  d.advance(0);
  const j = d.reply(rejoin);
  assert.equal(j.errorCode, ErrorCode.NONE);
  assert.equal(j.generationId, generationId + 1);
  assert.deepEqual(j.members.map((m: { memberId: string }) => m.memberId), [members[0]]);
});

test('static membership: a restarted instance takes over without a rebalance; the old id is fenced', () => {
  const d = new ShardDriver();
  const j1 = join(d, '', { instance: 'inst-1' });
  d.advance(0);
  const first = d.reply(j1);
  assert.equal(first.errorCode, ErrorCode.NONE, 'static members join without MEMBER_ID_REQUIRED');
  assert.equal(d.reply(sync(d, first.memberId, first.generationId, [{ memberId: first.memberId, assignment: Buffer.from('A') }], 'inst-1')).errorCode, ErrorCode.NONE);
  const j2 = join(d, '', { instance: 'inst-1' });
  const second = d.reply(j2);
  assert.equal(second.errorCode, ErrorCode.NONE);
  assert.notEqual(second.memberId, first.memberId);
  assert.equal(second.generationId, first.generationId, 'no new generation');
  assert.equal(d.reply(heartbeat(d, first.memberId, first.generationId, 'inst-1')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
  assert.equal(d.reply(heartbeat(d, second.memberId, first.generationId, 'inst-1')).errorCode, ErrorCode.NONE);
  assert.equal(d.reply(sync(d, second.memberId, first.generationId, [], 'inst-1')).assignment.toString(), 'A');
});

test('static membership: a restart with other subscription metadata (owned partitions, user data) still does not rebalance; a changed protocol choice does', () => {
  // Kafka's updateStaticMemberAndRebalance in Stable: persist and answer with the current
  // generation unless the group's selected protocol would change. A cooperative-sticky member
  // restarts with other metadata (no owned partitions), and must keep its assignment.
  const d = new ShardDriver();
  const a = join(d, '', { instance: 'inst-a', topics: ['t'] });
  d.advance(0);
  const first = d.reply(a);
  assert.equal(first.errorCode, ErrorCode.NONE);
  assert.equal(d.reply(sync(d, first.memberId, first.generationId, [{ memberId: first.memberId, assignment: Buffer.from('A') }], 'inst-a')).errorCode, ErrorCode.NONE);
  const restarted = d.reply(join(d, '', { instance: 'inst-a', topics: ['t', 'other'] }));
  assert.equal(restarted.errorCode, ErrorCode.NONE);
  assert.equal(restarted.generationId, first.generationId, 'same protocol selected: no new generation');
  assert.equal(d.shard.groups.get(G)!.state, 'Stable');
  assert.equal(d.reply(sync(d, restarted.memberId, first.generationId, [], 'inst-a')).assignment.toString(), 'A');
  // A restart that makes the group select another protocol rebalances.
  const again = join(d, '', { instance: 'inst-a', protocols: ['roundrobin', 'range'] });
  d.advance(0);
  const third = d.reply(again);
  assert.equal(third.errorCode, ErrorCode.NONE);
  assert.equal(third.protocolName, 'roundrobin');
  assert.equal(third.generationId, first.generationId + 1);
});

test('LeaveGroup v3+: per-member results; the group empties and its generation advances', () => {
  const d = new ShardDriver();
  const { members } = stableGroup(d, 2);
  const r = d.reply(d.send((s, o) => s.leaveGroup(o, { groupId: G, memberId: '', members: [...members, 'ghost'].map((memberId) => ({ memberId, groupInstanceId: null, reason: null })) }, d.nowMs), 5));
  assert.equal(r.errorCode, ErrorCode.NONE);
  assert.deepEqual(r.members.map((m: { errorCode: number }) => m.errorCode), [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID]);
  assert.equal(d.shard.describeGroup(G).groupState, 'Empty');
  assert.equal(d.log.at(-1)!.kind, 'group', 'the empty group is written');
});

test('the leader\'s assignment is released only once committed; a failed write fails the syncs and rebalances', () => {
  const d = new ShardDriver();
  const ids = [d.reply(join(d, ''))!.memberId, d.reply(join(d, ''))!.memberId] as string[];
  const joins = ids.map((id) => join(d, id));
  d.advance(0);
  const g = d.reply(joins[0]!).generationId;
  const leader = d.reply(joins[0]!).leader as string;
  const follower = ids.find((i) => i !== leader)!;
  const fs = sync(d, follower, g);
  d.holdAppends = true;
  const ls = sync(d, leader, g, ids.map((m) => ({ memberId: m, assignment: Buffer.from(m) })));
  assert.equal(d.reply(ls), undefined);
  assert.equal(d.reply(fs), undefined);
  d.releaseHeld(ErrorCode.NOT_COORDINATOR);
  assert.equal(d.reply(ls).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(d.reply(fs).errorCode, ErrorCode.NOT_COORDINATOR);
  assert.equal(d.shard.describeGroup(G).groupState, 'PreparingRebalance');
});

test('offsets: simple commits, member commits, fetch, OffsetDelete and DeleteGroups with Kafka\'s errors', () => {
  const d = new ShardDriver();
  const commit = (groupId: string, generationId: number, memberId: string, offset: bigint, topic = 't') =>
    d.reply(d.send((s, o) => s.commitOffsets(o, { groupId, generationId, memberId, groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: 3, commitTimestamp: -1n, committedMetadata: 'm', errorCode: ErrorCode.NONE }] }] }, d.nowMs)));
  assert.equal(commit('simple', -1, '', 42n).topics[0].partitions[0].errorCode, ErrorCode.NONE);
  assert.deepEqual(d.shard.fetchOffsets('simple', null, false), [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, metadata: 'm', errorCode: ErrorCode.NONE }] }]);
  assert.equal(d.shard.fetchOffsets('simple', [{ name: 'other', partitionIndexes: [1] }], false)[0]!.partitions[0]!.committedOffset, -1n);
  assert.equal(commit('no-such-group', 3, 'm', 1n).topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);

  const { members, generationId } = stableGroup(d, 1);
  assert.equal(commit(G, generationId, members[0]!, 7n).topics[0].partitions[0].errorCode, ErrorCode.NONE);
  assert.equal(commit(G, generationId + 1, members[0]!, 7n).topics[0].partitions[0].errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal(commit(G, generationId, 'ghost', 7n).topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal(commit(G, -1, '', 7n).topics[0].partitions[0].errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'no simple commits while the group has members');
  commit(G, generationId, members[0]!, 9n, 'unsubscribed');

  const del = (topic: string) => d.reply(d.send((s, o) => s.deleteOffsets(o, G, [{ name: topic, partitions: [{ partitionIndex: 0 }] }])));
  assert.equal(del('t').topics[0].partitions[0].errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
  assert.equal(del('unsubscribed').topics[0].partitions[0].errorCode, ErrorCode.NONE);
  assert.equal(d.shard.fetchOffsets(G, [{ name: 'unsubscribed', partitionIndexes: [0] }], false)[0]!.partitions[0]!.committedOffset, -1n);
  assert.equal(d.reply(d.send((s, o) => s.deleteOffsets(o, 'nope', []))).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);

  const delGroups = (ids: string[]) => d.reply(d.send((s, o) => s.deleteGroups(o, ids, d.nowMs))).results.map((r: { errorCode: number }) => r.errorCode);
  assert.deepEqual(delGroups([G, 'nope', 'simple']), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND, ErrorCode.NONE]);
  assert.deepEqual(d.shard.fetchOffsets('simple', null, false), []);
  assert.ok(d.log.some((r) => r.kind === 'offset' && r.group === 'simple' && r.value === null), 'tombstones written');
});

test('offset metadata over offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE; the rest commit', () => {
  const d = new ShardDriver({ ...defaultGroupConfig, offsetMetadataMaxBytes: 4 });
  const r = d.reply(d.send((s, o) => s.commitOffsets(o, { groupId: 's', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [
    { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'too long', errorCode: ErrorCode.NONE },
    { partitionIndex: 1, committedOffset: 2n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: 'ok', errorCode: ErrorCode.NONE },
    { partitionIndex: 2, committedOffset: 2n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
  ] }] }, d.nowMs)));
  assert.deepEqual(r.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode), [ErrorCode.OFFSET_METADATA_TOO_LARGE, ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
});

test('offsets of an empty group expire after offsets.retention; the group goes with them', () => {
  const d = new ShardDriver({ ...defaultGroupConfig, offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
  d.send((s, o) => s.commitOffsets(o, { groupId: 'old', generationId: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null, errorCode: ErrorCode.NONE }] }] }, d.nowMs));
  d.advance(30_000);
  assert.equal(d.shard.fetchOffsets('old', null, false).length, 1);
  d.advance(40_000);
  assert.deepEqual(d.shard.fetchOffsets('old', null, false), []);
  assert.equal(d.shard.describeGroup('old').groupState, 'Dead');
  assert.ok(d.log.some((r) => r.kind === 'group' && r.group === 'old' && r.value === null));
});

test('KIP-211 retention: a stable consumer group keeps the offsets of topics it subscribes to; once empty, the clock starts when it emptied', () => {
  const d = new ShardDriver({ ...defaultGroupConfig, initialRebalanceDelayMs: 0, offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 5_000 });
  const { members, generationId } = stableGroup(d, 1); // subscribed to 't'
  const commit = (topic: string) =>
    d.send((s, o) => s.commitOffsets(o, { groupId: G, generationId, memberId: members[0]!, groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null, errorCode: ErrorCode.NONE }] }] }, d.nowMs));
  commit('t');
  commit('unsubscribed');
  const offsetOf = (topic: string) => d.shard.fetchOffsets(G, [{ name: topic, partitionIndexes: [0] }], false)[0]!.partitions[0]!.committedOffset;
  // Twice the retention while the member heartbeats: the subscribed topic's offset stays, the other expires.
  for (let i = 0; i < 24; i++) {
    d.advance(5_000);
    assert.equal(d.reply(heartbeat(d, members[0]!, generationId)).errorCode, ErrorCode.NONE);
  }
  assert.equal(offsetOf('t'), 7n, 'a stable group keeps the offsets of its subscribed topics');
  assert.equal(offsetOf('unsubscribed'), -1n, 'offsets of topics no member subscribes to expire');
  // The member leaves: the group is Empty now, and its offset (committed 2 minutes ago) lives one more retention.
  d.send((s, o) => s.leaveGroup(o, { groupId: G, memberId: members[0]!, members: [] }, d.nowMs), 1);
  assert.equal(d.shard.describeGroup(G).groupState, 'Empty');
  d.advance(40_000);
  assert.equal(offsetOf('t'), 7n, 'expiry counts from when the group became empty, not from the commit');
  d.advance(30_000);
  assert.equal(offsetOf('t'), -1n);
  assert.equal(d.shard.describeGroup(G).groupState, 'Dead');
});

test('loading: a new leader replays the log into the same groups and offsets', () => {
  const d = new ShardDriver();
  const { members, generationId } = stableGroup(d, 2);
  d.send((s, o) => s.commitOffsets(o, { groupId: G, generationId, memberId: members[0]!, groupInstanceId: null, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 3, committedOffset: 99n, committedLeaderEpoch: 1, commitTimestamp: -1n, committedMetadata: 'x', errorCode: ErrorCode.NONE }] }] }, d.nowMs));
  const before = d.shard.describeGroup(G);
  d.reload();
  const after = d.shard.describeGroup(G);
  assert.equal(after.groupState, 'Stable');
  assert.deepEqual(after.members.map((m) => [m.memberId, m.memberAssignment.toString()]), before.members.map((m) => [m.memberId, m.memberAssignment.toString()]));
  assert.equal(d.shard.fetchOffsets(G, null, false)[0]!.partitions[0]!.committedOffset, 99n);
  assert.equal(d.reply(heartbeat(d, members[1]!, generationId)).errorCode, ErrorCode.NONE, 'members carry on with their generation');
});

test('require_stable: partitions with pending transactional offsets answer UNSTABLE_OFFSET_COMMIT', () => {
  const d = new ShardDriver();
  d.shard.offsets.pendingTransactionalOffsets.set(G, new Set(['t-0']));
  const [stable] = d.shard.fetchOffsets(G, [{ name: 't', partitionIndexes: [0, 1] }], true);
  assert.deepEqual(stable!.partitions.map((p) => p.errorCode), [ErrorCode.UNSTABLE_OFFSET_COMMIT, ErrorCode.NONE]);
  const [plain] = d.shard.fetchOffsets(G, [{ name: 't', partitionIndexes: [0] }], false);
  assert.equal(plain!.partitions[0]!.errorCode, ErrorCode.NONE);
});
