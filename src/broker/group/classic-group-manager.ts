/**
 * The classic group protocol (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) over the groups of
 * one `__consumer_offsets` partition — Kafka's GroupCoordinator logic for "classic" groups, as a
 * deterministic core: every call takes `nowMs`, answers through `Effects` (replies now, or
 * replies released after an append), and never touches a timer, socket or clock. Deadlines are
 * fields on the groups and members; `tick(nowMs)` fires the ones that passed and
 * `nextDeadlineMs()` tells the shell when to call it next.
 *
 * Membership lives in memory (as in Kafka); what must survive a coordinator move is written as
 * GroupMetadata records: the group after the leader's SyncGroup (assignment), the group once it
 * became empty, a static member's new member id, and tombstones for removed groups.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupMetadataValue } from '../../protocol/generated/group-metadata-value.js';
import type { HeartbeatRequest, HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import type { JoinGroupRequest, JoinGroupResponse, JoinGroupResponseMember } from '../../protocol/generated/join-group.js';
import type { LeaveGroupRequest, LeaveGroupResponse, LeaveGroupResponseMemberResponse } from '../../protocol/generated/leave-group.js';
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { ClassicGroup, GroupState, type ClassicMember } from './classic-group.js';
import type { Effects } from './effects.js';
import type { GroupConfig } from './group-config.js';
import type { CoordinatorRecord } from './records.js';

/** Who sent a request, and the member id the shell would give a new member (clientId-uuid). */
export interface RequestOrigin {
  readonly requestId: number;
  readonly apiVersion: number;
  readonly clientId: string;
  readonly clientHost: string;
}

export type JoinGroupInput = Pick<JoinGroupRequest, 'groupId' | 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'memberId' | 'groupInstanceId' | 'protocolType' | 'protocols'> & {
  /** A fresh member id for an unknown member (the shell generates it: clientId + '-' + UUID). */
  readonly newMemberId: string;
};

export function joinError(errorCode: number, memberId = ''): JoinGroupResponse {
  return { throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

export function syncError(errorCode: number): SyncGroupResponse {
  return { throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) };
}

function heartbeatReply(errorCode: number): HeartbeatResponse {
  return { throttleTimeMs: 0, errorCode };
}

/** The GroupMetadata record of a group as it is now (its members' metadata for the selected protocol). */
export function groupMetadataRecord(group: ClassicGroup, assignments?: ReadonlyMap<string, Buffer>): CoordinatorRecord {
  const value: GroupMetadataValue = {
    protocolType: group.protocolType ?? '',
    generation: group.generationId,
    protocol: group.protocolName,
    leader: group.leaderId,
    currentStateTimestamp: BigInt(group.currentStateTimestampMs),
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      rebalanceTimeout: m.rebalanceTimeoutMs,
      sessionTimeout: m.sessionTimeoutMs,
      subscription: group.protocolName === null ? Buffer.alloc(0) : group.metadataFor(m, group.protocolName),
      assignment: assignments?.get(m.memberId) ?? m.assignment,
    })),
  };
  return { kind: 'group', group: group.groupId, value };
}

export class ClassicGroupManager {
  constructor(
    readonly groups: Map<string, ClassicGroup>,
    private readonly config: GroupConfig,
  ) {}

  // ------------------------------------------------------------------ JoinGroup

  joinGroup(fx: Effects, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    if (req.groupId === '') return fx.reply(origin.requestId, joinError(ErrorCode.INVALID_GROUP_ID, req.memberId));
    if (req.sessionTimeoutMs < this.config.minSessionTimeoutMs || req.sessionTimeoutMs > this.config.maxSessionTimeoutMs) {
      return fx.reply(origin.requestId, joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId));
    }
    let group = this.groups.get(req.groupId);
    const created = group === undefined;
    if (group === undefined) {
      if (req.memberId !== '') return fx.reply(origin.requestId, joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId));
      group = new ClassicGroup(req.groupId);
      this.groups.set(req.groupId, group);
    }
    if (group.is(GroupState.Dead)) return fx.reply(origin.requestId, joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId));
    const isNewMember = !group.members.has(req.memberId) && !(req.groupInstanceId !== null && group.staticMembers.has(req.groupInstanceId));
    if (isNewMember && group.members.size >= this.config.maxGroupSize) {
      return fx.reply(origin.requestId, joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId));
    }
    if (req.memberId === '') this.joinUnknownMember(fx, group, origin, req, nowMs);
    else this.joinKnownMember(fx, group, origin, req, nowMs);
    // A group created by a join that failed validation is not kept.
    if (created && group.is(GroupState.Empty) && group.size === 0 && group.pendingMembers.size === 0) {
      this.groups.delete(group.groupId);
    }
  }

  private joinUnknownMember(fx: Effects, group: ClassicGroup, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return fx.reply(origin.requestId, joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    const newMemberId = req.newMemberId;
    if (req.groupInstanceId !== null) {
      const oldMemberId = group.staticMembers.get(req.groupInstanceId);
      if (oldMemberId !== undefined) return this.replaceStaticMember(fx, group, oldMemberId, newMemberId, origin, req, nowMs);
      return this.addMemberAndRebalance(fx, group, newMemberId, origin, req, nowMs);
    }
    if (origin.apiVersion >= 4) {
      // KIP-394: hand out the id first; the member joins with it (and is counted) next time.
      group.pendingMembers.set(newMemberId, nowMs + req.sessionTimeoutMs);
      return fx.reply(origin.requestId, joinError(ErrorCode.MEMBER_ID_REQUIRED, newMemberId));
    }
    this.addMemberAndRebalance(fx, group, newMemberId, origin, req, nowMs);
  }

  private joinKnownMember(fx: Effects, group: ClassicGroup, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    const memberId = req.memberId;
    if (group.pendingMembers.has(memberId)) {
      if (!group.supportsProtocols(req.protocolType, req.protocols)) return fx.reply(origin.requestId, joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
      return this.addMemberAndRebalance(fx, group, memberId, origin, req, nowMs);
    }
    if (isFenced(group, req.groupInstanceId, memberId)) return fx.reply(origin.requestId, joinError(ErrorCode.FENCED_INSTANCE_ID, memberId));
    const member = group.members.get(memberId);
    if (member === undefined) return fx.reply(origin.requestId, joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    if (!group.supportsProtocols(req.protocolType, req.protocols)) return fx.reply(origin.requestId, joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, memberId));
    const unchanged = ClassicGroup.sameProtocols(member.protocols, req.protocols);
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.updateMemberAndRebalance(fx, group, member, origin, req, nowMs);
      case GroupState.CompletingRebalance:
        // A retried JoinGroup of this generation: answer with it again.
        if (unchanged) return this.replyCurrentGeneration(fx, group, member, origin, nowMs);
        return this.updateMemberAndRebalance(fx, group, member, origin, req, nowMs);
      case GroupState.Stable:
        if (member.memberId === group.leaderId || !unchanged) return this.updateMemberAndRebalance(fx, group, member, origin, req, nowMs);
        return this.replyCurrentGeneration(fx, group, member, origin, nowMs);
      default:
        return fx.reply(origin.requestId, joinError(ErrorCode.UNKNOWN_MEMBER_ID, memberId));
    }
  }

  private replyCurrentGeneration(fx: Effects, group: ClassicGroup, member: ClassicMember, origin: RequestOrigin, nowMs: number): void {
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    const isLeader = member.memberId === group.leaderId;
    fx.reply(origin.requestId, this.joinResponse(group, member.memberId, isLeader ? this.memberList(group) : [], false));
  }

  /** A static member came back with a new member id (KIP-345): fence the old one, keep the assignment. */
  private replaceStaticMember(fx: Effects, group: ClassicGroup, oldMemberId: string, newMemberId: string, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    const old = group.members.get(oldMemberId)!;
    if (old.awaitingJoin !== null) fx.reply(old.awaitingJoin.requestId, joinError(ErrorCode.FENCED_INSTANCE_ID, oldMemberId));
    if (old.awaitingSync !== null) fx.reply(old.awaitingSync.requestId, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member: ClassicMember = {
      ...old,
      memberId: newMemberId,
      clientId: origin.clientId,
      clientHost: origin.clientHost,
      sessionTimeoutMs: req.sessionTimeoutMs,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      awaitingJoin: null,
      awaitingSync: null,
      sessionDeadlineMs: nowMs + req.sessionTimeoutMs,
    };
    group.members.delete(oldMemberId);
    group.members.set(newMemberId, member);
    group.staticMembers.set(req.groupInstanceId!, newMemberId);
    if (group.leaderId === oldMemberId) group.leaderId = newMemberId;
    if (group.pendingSyncMembers.delete(oldMemberId)) group.pendingSyncMembers.add(newMemberId);
    // Kafka's updateStaticMemberAndRebalance: in Stable, a rebalance only if the group would now
    // select another protocol. Other metadata (a cooperative member's owned partitions, user
    // data) does not rebalance: keeping the assignment across a restart is what static members
    // are for. In CompletingRebalance the leader may have assigned to the old id: rebalance.
    if (group.is(GroupState.Stable) && group.selectProtocol() === group.protocolName) {
      // No rebalance: persist the new id and answer with the current generation.
      const isLeader = newMemberId === group.leaderId;
      const response = this.joinResponse(group, newMemberId, isLeader ? this.memberList(group) : [], isLeader && origin.apiVersion >= 9);
      fx.append([groupMetadataRecord(group)], { kind: 'reply', replies: [{ requestId: origin.requestId, response }], failureReplies: (code) => [{ requestId: origin.requestId, response: joinError(code, newMemberId) }] });
      return;
    }
    this.updateMemberAndRebalance(fx, group, member, origin, req, nowMs);
  }

  private addMemberAndRebalance(fx: Effects, group: ClassicGroup, memberId: string, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    const member: ClassicMember = {
      memberId,
      groupInstanceId: req.groupInstanceId,
      clientId: origin.clientId,
      clientHost: origin.clientHost,
      rebalanceTimeoutMs: req.rebalanceTimeoutMs,
      sessionTimeoutMs: req.sessionTimeoutMs,
      protocolType: req.protocolType,
      protocols: req.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      assignment: Buffer.alloc(0),
      awaitingJoin: { requestId: origin.requestId, apiVersion: origin.apiVersion },
      awaitingSync: null,
      sessionDeadlineMs: nowMs + req.sessionTimeoutMs,
    };
    if (group.members.size === 0) group.protocolType = req.protocolType;
    group.members.set(memberId, member);
    group.pendingMembers.delete(memberId);
    if (req.groupInstanceId !== null) group.staticMembers.set(req.groupInstanceId, memberId);
    if (group.leaderId === null) group.leaderId = memberId;
    group.newMemberAdded = true;
    this.maybePrepareRebalance(fx, group, nowMs);
  }

  private updateMemberAndRebalance(fx: Effects, group: ClassicGroup, member: ClassicMember, origin: RequestOrigin, req: JoinGroupInput, nowMs: number): void {
    if (member.awaitingJoin !== null && member.awaitingJoin.requestId !== origin.requestId) {
      // A newer JoinGroup of the same member replaces the waiting one (Kafka answers the old with the new outcome).
      fx.reply(member.awaitingJoin.requestId, joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId));
    }
    member.protocols = req.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    member.sessionTimeoutMs = req.sessionTimeoutMs;
    member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    member.clientId = origin.clientId;
    member.clientHost = origin.clientHost;
    member.awaitingJoin = { requestId: origin.requestId, apiVersion: origin.apiVersion };
    member.sessionDeadlineMs = nowMs + req.sessionTimeoutMs;
    this.maybePrepareRebalance(fx, group, nowMs);
  }

  private maybePrepareRebalance(fx: Effects, group: ClassicGroup, nowMs: number): void {
    if (group.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(fx, group, nowMs);
    else this.prepareRebalance(fx, group, nowMs);
  }

  prepareRebalance(fx: Effects, group: ClassicGroup, nowMs: number): void {
    if (group.is(GroupState.CompletingRebalance)) this.resetAndPropagateAssignmentError(fx, group, ErrorCode.REBALANCE_IN_PROGRESS);
    group.pendingSyncMembers.clear();
    group.syncDeadlineMs = null;
    const wasEmpty = group.is(GroupState.Empty);
    group.transitionTo(GroupState.PreparingRebalance, nowMs);
    if (wasEmpty) {
      const delayMs = this.config.initialRebalanceDelayMs;
      group.initialDelay = { delayMs, remainingMs: Math.max(group.rebalanceTimeoutMs() - delayMs, 0) };
      group.joinDeadlineMs = nowMs + delayMs;
      group.newMemberAdded = false;
    } else {
      group.initialDelay = null;
      group.joinDeadlineMs = nowMs + group.rebalanceTimeoutMs();
    }
    this.tryCompleteJoin(fx, group, nowMs);
  }

  private tryCompleteJoin(fx: Effects, group: ClassicGroup, nowMs: number): void {
    if (group.is(GroupState.PreparingRebalance) && group.initialDelay === null && group.hasAllMembersJoined()) this.completeJoin(fx, group, nowMs);
  }

  /** The join phase ends (everyone joined, or the deadline passed): start the next generation. */
  private completeJoin(fx: Effects, group: ClassicGroup, nowMs: number): void {
    group.joinDeadlineMs = null;
    group.initialDelay = null;
    for (const m of [...group.members.values()]) {
      if (m.awaitingJoin === null && m.groupInstanceId === null) this.removeMember(fx, group, m);
    }
    group.generationId++;
    group.newMemberAdded = false;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transitionTo(GroupState.Empty, nowMs);
      fx.append([groupMetadataRecord(group)], { kind: 'reply', replies: [], failureReplies: () => [] });
      return;
    }
    group.protocolName = group.selectProtocol();
    const leader = group.leaderId === null ? undefined : group.members.get(group.leaderId);
    if (leader === undefined || leader.awaitingJoin === null) {
      const joined = [...group.members.values()].find((m) => m.awaitingJoin !== null) ?? group.members.values().next().value!;
      group.leaderId = joined.memberId;
    }
    group.transitionTo(GroupState.CompletingRebalance, nowMs);
    const memberList = this.memberList(group);
    for (const m of group.members.values()) {
      group.pendingSyncMembers.add(m.memberId);
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
      if (m.awaitingJoin === null) continue;
      const isLeader = m.memberId === group.leaderId;
      fx.reply(m.awaitingJoin.requestId, this.joinResponse(group, m.memberId, isLeader ? memberList : [], false));
      m.awaitingJoin = null;
    }
    group.syncDeadlineMs = nowMs + group.rebalanceTimeoutMs();
  }

  private memberList(group: ClassicGroup): JoinGroupResponseMember[] {
    const protocol = group.protocolName!;
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataFor(m, protocol) }));
  }

  private joinResponse(group: ClassicGroup, memberId: string, members: JoinGroupResponseMember[], skipAssignment: boolean): JoinGroupResponse {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment,
      memberId,
      members,
    };
  }

  // ------------------------------------------------------------------ SyncGroup

  syncGroup(fx: Effects, origin: RequestOrigin, req: Pick<SyncGroupRequest, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId' | 'protocolType' | 'protocolName' | 'assignments'>, nowMs: number): void {
    const group = this.groups.get(req.groupId);
    if (group === undefined) return fx.reply(origin.requestId, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is(GroupState.Dead)) return fx.reply(origin.requestId, syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (isFenced(group, req.groupInstanceId, req.memberId)) return fx.reply(origin.requestId, syncError(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(req.memberId);
    if (member === undefined) return fx.reply(origin.requestId, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return fx.reply(origin.requestId, syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((req.protocolType !== null && req.protocolType !== group.protocolType) || (req.protocolName !== null && req.protocolName !== group.protocolName)) {
      return fx.reply(origin.requestId, syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    group.pendingSyncMembers.delete(member.memberId);
    if (group.pendingSyncMembers.size === 0) group.syncDeadlineMs = null;
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return fx.reply(origin.requestId, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case GroupState.Stable:
        return fx.reply(origin.requestId, this.syncResponse(group, member.assignment));
      case GroupState.CompletingRebalance: {
        if (member.awaitingSync !== null) fx.reply(member.awaitingSync.requestId, syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = { requestId: origin.requestId };
        if (member.memberId !== group.leaderId) return;
        const assignments = new Map<string, Buffer>();
        for (const m of group.members.keys()) assignments.set(m, Buffer.alloc(0));
        for (const a of req.assignments) if (assignments.has(a.memberId)) assignments.set(a.memberId, a.assignment);
        fx.append([groupMetadataRecord(group, assignments)], { kind: 'sync', groupId: group.groupId, generationId: group.generationId, assignments });
        return;
      }
      default:
        return fx.reply(origin.requestId, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  /** The leader's assignment was committed (errorCode NONE) or could not be (anything else). */
  syncAppendCompleted(fx: Effects, action: { groupId: string; generationId: number; assignments: Map<string, Buffer> }, errorCode: number, nowMs: number): void {
    const group = this.groups.get(action.groupId);
    if (group === undefined || group.generationId !== action.generationId || !group.is(GroupState.CompletingRebalance)) return;
    if (errorCode !== ErrorCode.NONE) {
      this.resetAndPropagateAssignmentError(fx, group, errorCode);
      this.prepareRebalance(fx, group, nowMs);
      return;
    }
    for (const [memberId, assignment] of action.assignments) {
      const m = group.members.get(memberId);
      if (m !== undefined) m.assignment = assignment;
    }
    for (const m of group.members.values()) {
      if (m.awaitingSync === null) continue;
      fx.reply(m.awaitingSync.requestId, this.syncResponse(group, m.assignment));
      m.awaitingSync = null;
    }
    group.transitionTo(GroupState.Stable, nowMs);
  }

  private syncResponse(group: ClassicGroup, assignment: Buffer): SyncGroupResponse {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment };
  }

  private resetAndPropagateAssignmentError(fx: Effects, group: ClassicGroup, errorCode: number): void {
    for (const m of group.members.values()) {
      m.assignment = Buffer.alloc(0);
      if (m.awaitingSync !== null) {
        fx.reply(m.awaitingSync.requestId, syncError(errorCode));
        m.awaitingSync = null;
      }
    }
  }

  // ------------------------------------------------------------------ Heartbeat / LeaveGroup

  heartbeat(fx: Effects, origin: RequestOrigin, req: Pick<HeartbeatRequest, 'groupId' | 'generationId' | 'memberId' | 'groupInstanceId'>, nowMs: number): void {
    const group = this.groups.get(req.groupId);
    if (group === undefined) return fx.reply(origin.requestId, heartbeatReply(ErrorCode.UNKNOWN_MEMBER_ID));
    if (group.is(GroupState.Dead)) return fx.reply(origin.requestId, heartbeatReply(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    if (isFenced(group, req.groupInstanceId, req.memberId)) return fx.reply(origin.requestId, heartbeatReply(ErrorCode.FENCED_INSTANCE_ID));
    const member = group.members.get(req.memberId);
    if (member === undefined || group.is(GroupState.Empty)) return fx.reply(origin.requestId, heartbeatReply(ErrorCode.UNKNOWN_MEMBER_ID));
    if (req.generationId !== group.generationId) return fx.reply(origin.requestId, heartbeatReply(ErrorCode.ILLEGAL_GENERATION));
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    fx.reply(origin.requestId, heartbeatReply(group.is(GroupState.PreparingRebalance) ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE));
  }

  /** LeaveGroup; v0-2 carry one `memberId`, v3+ a list of members (by id and/or group.instance.id). */
  leaveGroup(fx: Effects, origin: RequestOrigin, req: Pick<LeaveGroupRequest, 'groupId' | 'memberId' | 'members'>, nowMs: number): void {
    const leaving = origin.apiVersion >= 3 ? req.members : [{ memberId: req.memberId, groupInstanceId: null, reason: null }];
    const group = this.groups.get(req.groupId);
    const results: LeaveGroupResponseMemberResponse[] = [];
    const out = (topLevel: number): LeaveGroupResponse => ({
      throttleTimeMs: 0,
      errorCode: origin.apiVersion >= 3 ? topLevel : topLevel !== ErrorCode.NONE ? topLevel : (results[0]?.errorCode ?? ErrorCode.NONE),
      members: origin.apiVersion >= 3 ? results : [],
    });
    if (group !== undefined && group.is(GroupState.Dead)) return fx.reply(origin.requestId, out(ErrorCode.COORDINATOR_NOT_AVAILABLE));
    for (const l of leaving) {
      results.push({ memberId: l.memberId, groupInstanceId: l.groupInstanceId, errorCode: group === undefined ? ErrorCode.UNKNOWN_MEMBER_ID : this.removeLeavingMember(fx, group, l.memberId, l.groupInstanceId, nowMs) });
    }
    fx.reply(origin.requestId, out(ErrorCode.NONE));
  }

  private removeLeavingMember(fx: Effects, group: ClassicGroup, memberId: string, groupInstanceId: string | null, nowMs: number): number {
    let id = memberId;
    if (groupInstanceId !== null) {
      const mapped = group.staticMembers.get(groupInstanceId);
      if (mapped === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (memberId !== '' && mapped !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
      id = mapped;
    } else if (group.pendingMembers.delete(memberId)) {
      this.tryCompleteJoin(fx, group, nowMs);
      return ErrorCode.NONE;
    }
    const member = group.members.get(id);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.removeMemberAndUpdateGroup(fx, group, member, nowMs);
    return ErrorCode.NONE;
  }

  removeMemberAndUpdateGroup(fx: Effects, group: ClassicGroup, member: ClassicMember, nowMs: number): void {
    this.removeMember(fx, group, member);
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) this.prepareRebalance(fx, group, nowMs);
    else if (group.is(GroupState.PreparingRebalance)) this.tryCompleteJoin(fx, group, nowMs);
  }

  private removeMember(fx: Effects, group: ClassicGroup, member: ClassicMember): void {
    if (member.awaitingJoin !== null) fx.reply(member.awaitingJoin.requestId, joinError(ErrorCode.UNKNOWN_MEMBER_ID, member.memberId));
    if (member.awaitingSync !== null) fx.reply(member.awaitingSync.requestId, syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    group.members.delete(member.memberId);
    if (member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === member.memberId) group.staticMembers.delete(member.groupInstanceId);
    group.pendingSyncMembers.delete(member.memberId);
    if (group.leaderId === member.memberId) group.leaderId = group.members.keys().next().value ?? null;
  }

  // ------------------------------------------------------------------ time

  /** Fires every deadline at or before `nowMs`. */
  tick(fx: Effects, nowMs: number): void {
    for (const group of [...this.groups.values()]) {
      for (const [id, deadline] of [...group.pendingMembers]) {
        if (deadline <= nowMs) {
          group.pendingMembers.delete(id);
          this.tryCompleteJoin(fx, group, nowMs);
        }
      }
      for (const m of [...group.members.values()]) {
        // Members waiting in JoinGroup are bounded by the rebalance timeout, those in SyncGroup by the sync deadline.
        if (m.awaitingJoin === null && m.awaitingSync === null && m.sessionDeadlineMs <= nowMs && group.members.get(m.memberId) === m) {
          this.removeMemberAndUpdateGroup(fx, group, m, nowMs);
        }
      }
      if (group.syncDeadlineMs !== null && group.syncDeadlineMs <= nowMs) {
        group.syncDeadlineMs = null;
        if (group.is(GroupState.CompletingRebalance) || group.is(GroupState.Stable)) {
          const laggards = [...group.pendingSyncMembers].map((id) => group.members.get(id)).filter((m): m is ClassicMember => m !== undefined);
          group.pendingSyncMembers.clear();
          for (const m of laggards) this.removeMemberAndUpdateGroup(fx, group, m, nowMs);
        }
      }
      if (group.joinDeadlineMs !== null && group.joinDeadlineMs <= nowMs && group.is(GroupState.PreparingRebalance)) {
        const d = group.initialDelay;
        if (d !== null && group.newMemberAdded && d.remainingMs > 0) {
          // Kafka's InitialDelayedJoin: a member arrived during the delay; wait a little longer.
          const delayMs = Math.min(d.delayMs, d.remainingMs);
          group.initialDelay = { delayMs: d.delayMs, remainingMs: Math.max(d.remainingMs - delayMs, 0) };
          group.joinDeadlineMs = nowMs + delayMs;
          group.newMemberAdded = false;
        } else {
          this.completeJoin(fx, group, nowMs);
        }
      }
    }
  }

  nextDeadlineMs(): number {
    let next = Infinity;
    for (const g of this.groups.values()) {
      for (const d of g.pendingMembers.values()) next = Math.min(next, d);
      for (const m of g.members.values()) if (m.awaitingJoin === null && m.awaitingSync === null) next = Math.min(next, m.sessionDeadlineMs);
      if (g.syncDeadlineMs !== null) next = Math.min(next, g.syncDeadlineMs);
      if (g.joinDeadlineMs !== null && g.is(GroupState.PreparingRebalance)) next = Math.min(next, g.joinDeadlineMs);
    }
    return next;
  }

  /** The partition moved away: answer everything that waits, forget the groups. */
  unload(fx: Effects): void {
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        if (m.awaitingJoin !== null) fx.reply(m.awaitingJoin.requestId, joinError(ErrorCode.NOT_COORDINATOR, m.memberId));
        if (m.awaitingSync !== null) fx.reply(m.awaitingSync.requestId, syncError(ErrorCode.NOT_COORDINATOR));
      }
    }
    this.groups.clear();
  }
}

/** KIP-345: a request naming a group.instance.id that another member id now holds is fenced. */
function isFenced(group: ClassicGroup, groupInstanceId: string | null, memberId: string): boolean {
  if (groupInstanceId === null) return false;
  const mapped = group.staticMembers.get(groupInstanceId);
  return mapped !== undefined && mapped !== memberId;
}
