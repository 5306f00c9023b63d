/**
 * The deterministic group coordinator of ONE `__consumer_offsets` partition (Kafka 4's
 * GroupCoordinatorShard): the groups whose id hashes to the partition, their membership and
 * committed offsets. No timers, sockets, clocks or randomness: every method takes `nowMs` and
 * returns a `ShardOutput` — replies to release now, and appends to make. After an append is
 * committed (or fails) the shell calls `appendCompleted`, which replays the records and releases
 * (or fails) what waited on them. Loading the partition is `replay` of every record in it.
 *
 * Driven by ./group-coordinator.ts in the broker and by test/sim/group-*.test.ts under a seeded
 * simulator; both run this same code.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { DescribeGroupsResponseDescribedGroup } from '../../protocol/generated/describe-groups.js';
import type { ListGroupsResponseListedGroup } from '../../protocol/generated/list-groups.js';
import type { OffsetFetchResponseTopics } from '../../protocol/generated/offset-fetch.js';
import { ClassicGroup, GroupState } from './classic-group.js';
import { ClassicGroupManager, groupMetadataRecord, type JoinGroupInput, type RequestOrigin } from './classic-group-manager.js';
import { Effects, type AppendAction, type ShardOutput } from './effects.js';
import type { GroupConfig } from './group-config.js';
import { OffsetManager, type OffsetCommitInput } from './offset-manager.js';
import type { CoordinatorRecord } from './records.js';
import type { HeartbeatRequest } from '../../protocol/generated/heartbeat.js';
import type { LeaveGroupRequest } from '../../protocol/generated/leave-group.js';
import type { SyncGroupRequest } from '../../protocol/generated/sync-group.js';

/** Kafka answers "not requested" authorized operations with Integer.MIN_VALUE. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export interface DeleteGroupsResult {
  readonly throttleTimeMs: 0;
  readonly results: { groupId: string; errorCode: number }[];
}

export class GroupCoordinatorShard {
  readonly groups = new Map<string, ClassicGroup>();
  readonly membership: ClassicGroupManager;
  readonly offsets: OffsetManager;
  private readonly pendingAppends = new Map<number, AppendAction>();
  private appendSeq = 0;
  private nextRetentionCheckMs: number;

  constructor(
    readonly partition: number,
    private readonly config: GroupConfig,
    nowMs: number,
  ) {
    this.membership = new ClassicGroupManager(this.groups, config);
    this.offsets = new OffsetManager(this.groups, config);
    this.nextRetentionCheckMs = nowMs + config.offsetsRetentionCheckIntervalMs;
  }

  // ------------------------------------------------------------------ operations

  joinGroup(origin: RequestOrigin, req: JoinGroupInput, nowMs: number): ShardOutput {
    return this.step((fx) => this.membership.joinGroup(fx, origin, req, nowMs));
  }

  syncGroup(origin: RequestOrigin, req: Pick<SyncGroupRequest, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId' | 'protocolType' | 'protocolName' | 'assignments'>, nowMs: number): ShardOutput {
    return this.step((fx) => this.membership.syncGroup(fx, origin, req, nowMs));
  }

  heartbeat(origin: RequestOrigin, req: Pick<HeartbeatRequest, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId'>, nowMs: number): ShardOutput {
    return this.step((fx) => this.membership.heartbeat(fx, origin, req, nowMs));
  }

  leaveGroup(origin: RequestOrigin, req: Pick<LeaveGroupRequest, 'groupId' | 'memberId' | 'members'>, nowMs: number): ShardOutput {
    return this.step((fx) => this.membership.leaveGroup(fx, origin, req, nowMs));
  }

  commitOffsets(origin: RequestOrigin, req: OffsetCommitInput, nowMs: number): ShardOutput {
    return this.step((fx) => this.offsets.commitOffsets(fx, origin, req, nowMs));
  }

  deleteOffsets(origin: RequestOrigin, groupId: string, topics: readonly { name: string; partitions: readonly { partitionIndex: number }[] }[]): ShardOutput {
    return this.step((fx) => this.offsets.deleteOffsets(fx, origin, groupId, topics));
  }

  /** DeleteGroups for the groups of this shard: only empty (or dead) groups go; their offsets with them. */
  deleteGroups(origin: RequestOrigin, groupIds: readonly string[], nowMs: number): ShardOutput {
    return this.step((fx) => {
      const results: { groupId: string; errorCode: number }[] = [];
      const records: CoordinatorRecord[] = [];
      for (const groupId of groupIds) {
        const group = this.groups.get(groupId);
        if (groupId === '') results.push({ groupId, errorCode: ErrorCode.INVALID_GROUP_ID });
        else if (group === undefined || group.is(GroupState.Dead)) results.push({ groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND });
        else if (!group.is(GroupState.Empty)) results.push({ groupId, errorCode: ErrorCode.NON_EMPTY_GROUP });
        else {
          records.push(...this.offsets.tombstonesOf(groupId), { kind: 'group', group: groupId, value: null });
          group.transitionTo(GroupState.Dead, nowMs);
          this.groups.delete(groupId);
          results.push({ groupId, errorCode: ErrorCode.NONE });
        }
      }
      const response: DeleteGroupsResult = { throttleTimeMs: 0, results };
      if (records.length === 0) return fx.reply(origin.requestId, response);
      fx.append(records, {
        kind: 'replay-then-reply',
        replies: [{ requestId: origin.requestId, response }],
        failureReplies: (code) => [{ requestId: origin.requestId, response: { throttleTimeMs: 0, results: results.map((r) => ({ groupId: r.groupId, errorCode: r.errorCode === ErrorCode.NONE ? code : r.errorCode })) } }],
      });
    });
  }

  // ------------------------------------------------------------------ reads

  fetchOffsets(groupId: string, topics: readonly { name: string; partitionIndexes: readonly number[] }[] | null, requireStable: boolean): OffsetFetchResponseTopics[] {
    return this.offsets.fetchOffsets(groupId, topics, requireStable);
  }

  /** Kafka's GroupSummary: metadata and assignments only for Stable groups; unknown groups are Dead. */
  describeGroup(groupId: string): DescribeGroupsResponseDescribedGroup {
    const base = { errorCode: ErrorCode.NONE, groupId, authorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
    const group = this.groups.get(groupId);
    if (group === undefined) return { ...base, groupState: GroupState.Dead, protocolType: '', protocolData: '', members: [] };
    const stable = group.is(GroupState.Stable);
    return {
      ...base,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable && group.protocolName !== null ? group.metadataFor(m, group.protocolName) : Buffer.alloc(0),
        memberAssignment: stable ? m.assignment : Buffer.alloc(0),
      })),
    };
  }

  listGroups(): ListGroupsResponseListedGroup[] {
    return [...this.groups.values()]
      .filter((g) => !g.is(GroupState.Dead))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }));
  }

  // ------------------------------------------------------------------ appends, replay, time

  /** An append made for this shard finished: NONE = committed; otherwise Kafka's coordinator error. */
  appendCompleted(appendId: number, records: readonly CoordinatorRecord[], errorCode: number, nowMs: number): ShardOutput {
    const action = this.pendingAppends.get(appendId);
    if (action === undefined) return { replies: [], appends: [] };
    this.pendingAppends.delete(appendId);
    return this.step((fx) => {
      switch (action.kind) {
        case 'replay-then-reply':
          if (errorCode === ErrorCode.NONE) {
            for (const r of records) this.replay(r, nowMs, false);
            for (const r of action.replies) fx.reply(r.requestId, r.response);
          } else for (const r of action.failureReplies(errorCode)) fx.reply(r.requestId, r.response);
          return;
        case 'reply':
          for (const r of errorCode === ErrorCode.NONE ? action.replies : action.failureReplies(errorCode)) fx.reply(r.requestId, r.response);
          return;
        case 'sync':
          return this.membership.syncAppendCompleted(fx, action, errorCode, nowMs);
      }
    });
  }

  /**
   * Applies one committed record. While loading (`loading`), group records rebuild groups; in
   * normal operation membership is already current in memory and only offsets change here.
   */
  replay(r: CoordinatorRecord, nowMs: number, loading: boolean): void {
    if (r.kind === 'offset') {
      this.offsets.replayOffset(r);
      // Offsets without group metadata belong to a "simple" group (Kafka lists and describes it as Empty).
      if (r.value !== null && !this.groups.has(r.group)) this.groups.set(r.group, new ClassicGroup(r.group));
      return;
    }
    if (!loading) return;
    if (r.value === null) {
      this.groups.delete(r.group);
      return;
    }
    this.groups.set(r.group, groupFromRecord(r.group, r.value, nowMs));
  }

  /** Fires the deadlines that passed: joins, sessions, syncs, offset retention. */
  tick(nowMs: number): ShardOutput {
    return this.step((fx) => {
      this.membership.tick(fx, nowMs);
      if (nowMs >= this.nextRetentionCheckMs) {
        this.nextRetentionCheckMs = nowMs + this.config.offsetsRetentionCheckIntervalMs;
        this.cleanupGroupMetadata(fx, nowMs);
      }
    });
  }

  nextDeadlineMs(): number {
    return Math.min(this.membership.nextDeadlineMs(), this.nextRetentionCheckMs);
  }

  /** Leadership of the partition moved: answer what waits with NOT_COORDINATOR. */
  unload(): ShardOutput {
    return this.step((fx) => {
      this.membership.unload(fx);
      for (const action of this.pendingAppends.values()) {
        if (action.kind !== 'sync') for (const r of action.failureReplies(ErrorCode.NOT_COORDINATOR)) fx.reply(r.requestId, r.response);
      }
      this.pendingAppends.clear();
    });
  }

  private cleanupGroupMetadata(fx: Effects, nowMs: number): void {
    const records = this.offsets.expireOffsets(nowMs);
    for (const group of [...this.groups.values()]) {
      if (group.is(GroupState.Empty) && !this.offsets.offsets.has(group.groupId)) {
        group.transitionTo(GroupState.Dead, nowMs);
        this.groups.delete(group.groupId);
        records.push({ kind: 'group', group: group.groupId, value: null });
      }
    }
    if (records.length > 0) fx.append(records, { kind: 'replay-then-reply', replies: [], failureReplies: () => [] });
  }

  private step(body: (fx: Effects) => void): ShardOutput {
    const fx = new Effects(() => ++this.appendSeq);
    body(fx);
    for (const [id, action] of fx.actions) this.pendingAppends.set(id, action);
    return { replies: fx.replies, appends: fx.appends };
  }
}

function groupFromRecord(groupId: string, v: NonNullable<Extract<CoordinatorRecord, { kind: 'group' }>['value']>, nowMs: number): ClassicGroup {
  const g = new ClassicGroup(groupId);
  g.generationId = v.generation;
  g.protocolType = v.protocolType === '' && v.members.length === 0 ? null : v.protocolType;
  g.protocolName = v.protocol;
  g.leaderId = v.leader;
  g.currentStateTimestampMs = Number(v.currentStateTimestamp);
  for (const m of v.members) {
    g.members.set(m.memberId, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
      sessionTimeoutMs: m.sessionTimeout,
      protocolType: v.protocolType,
      protocols: [{ name: v.protocol ?? '', metadata: m.subscription }],
      assignment: m.assignment,
      awaitingJoin: null,
      awaitingSync: null,
      sessionDeadlineMs: nowMs + m.sessionTimeout,
    });
    if (m.groupInstanceId !== null) g.staticMembers.set(m.groupInstanceId, m.memberId);
  }
  g.state = g.members.size === 0 ? GroupState.Empty : GroupState.Stable;
  if (g.members.size === 0) g.leaderId = null;
  return g;
}

export { groupMetadataRecord };
