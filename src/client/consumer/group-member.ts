/**
 * A consumer's membership in a classic group: FindCoordinator, JoinGroup (with the
 * MEMBER_ID_REQUIRED round trip of KIP-394), the leader's assignment, SyncGroup, a heartbeat
 * loop every heartbeat.interval.ms, and LeaveGroup. It reports what the coordinator says —
 * "rejoin needed" after REBALANCE_IN_PROGRESS, "member lost" after UNKNOWN_MEMBER_ID /
 * ILLEGAL_GENERATION, a fatal error after FENCED_INSTANCE_ID (another instance took our
 * group.instance.id: as Java's FencedInstanceIdException, this one must not rejoin) — and leaves
 * the decisions (revoke, commit, rejoin) to the consumer.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createHeartbeatRequest } from '../../protocol/generated/heartbeat.js';
import { createJoinGroupRequest } from '../../protocol/generated/join-group.js';
import { createLeaveGroupRequest } from '../../protocol/generated/leave-group.js';
import { createSyncGroupRequest } from '../../protocol/generated/sync-group.js';
import type { KafkaCluster } from '../cluster.js';
import { ClientError } from '../errors.js';
import { rootLogger } from '../../util/logger.js';
import type { TopicPartition } from '../offsets.js';
import { assignors, type AssignorMember, type AssignorName } from './assignors.js';
import type { ResolvedConsumerConfig } from './config.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './protocol.js';

export interface JoinResult {
  generationId: number;
  memberId: string;
  protocol: AssignorName;
  assigned: TopicPartition[];
}

const REJOIN_ERRORS: ReadonlySet<number> = new Set([ErrorCode.REBALANCE_IN_PROGRESS]);
export const LOST_ERRORS: ReadonlySet<number> = new Set([ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION]);
/** The membership is gone: lost (rejoin as a new member) or fenced (fatal). */
const MEMBERSHIP_ERRORS: ReadonlySet<number> = new Set([...LOST_ERRORS, ErrorCode.FENCED_INSTANCE_ID]);
const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.NOT_COORDINATOR, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);

const log = rootLogger.child({ component: 'consumer-group' });

export class GroupMember {
  memberId = '';
  generationId = -1;
  coordinator = -1;
  protocol: AssignorName | null = null;
  /** True when this member computed the current assignment (it watches the metadata for changes). */
  isLeader = false;
  /** Set when the coordinator asks for a rebalance (heartbeat said REBALANCE_IN_PROGRESS). */
  rejoinNeeded = true;
  /** Set when our membership is gone (owned partitions must be dropped without commit). */
  lost = false;
  /** FENCED_INSTANCE_ID: a newer instance holds our group.instance.id; every poll fails with it. */
  fatalError: KafkaError | null = null;
  /** The last assignment received and its generation (the sticky assignor's user data). */
  private previousAssignment: TopicPartition[] = [];
  private previousGenerationId = -1;
  /** True while JoinGroup/SyncGroup are in flight: heartbeats pause and late replies are ignored. */
  private joining = false;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private lastPollMs = performance.now();
  private stopped = false;

  constructor(
    private readonly cluster: KafkaCluster,
    readonly groupId: string,
    private readonly config: ResolvedConsumerConfig,
  ) {}

  get groupInstanceId(): string | null {
    return this.config.groupInstanceId;
  }

  /** The rebalance protocol: cooperative only when every configured assignor supports it (as Java). */
  get rebalanceProtocol(): 'eager' | 'cooperative' {
    return this.config.assignors.every((a) => assignors[a].protocol === 'cooperative') ? 'cooperative' : 'eager';
  }

  async ensureCoordinator(): Promise<number> {
    if (this.coordinator < 0) this.coordinator = await this.cluster.findCoordinator(this.groupId);
    return this.coordinator;
  }

  markCoordinatorUnknown(): void {
    this.coordinator = -1;
  }

  /**
   * Joins (or rejoins) and syncs; returns the new generation's assignment. Retries what keeps
   * the membership (coordinator moves, REBALANCE_IN_PROGRESS, MEMBER_ID_REQUIRED) itself; when
   * the membership is gone (UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION / FENCED_INSTANCE_ID) it marks
   * the member lost and throws, so that the consumer drops the partitions it still holds before
   * joining again as a new member that owns nothing (Java's resetStateAndRejoin).
   */
  async joinGroup(topics: string[], owned: TopicPartition[], signal?: AbortSignal): Promise<JoinResult> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted === true || this.stopped) throw new ClientError('GREGOR_ERR_ABORTED', `join of group ${this.groupId} abandoned`);
      if (this.fatalError !== null) throw this.fatalError;
      const knewCoordinator = this.coordinator >= 0;
      try {
        return await this.joinOnce(topics, owned);
      } catch (err) {
        if (err instanceof KafkaError && MEMBERSHIP_ERRORS.has(err.errorCode)) {
          this.onMembershipError(err.errorCode);
          throw err;
        }
        // The coordinator moved, or the cached one cannot be reached (stopped, connection lost,
        // request timed out): look it up again before the next attempt, as Java's
        // coordinatorDead(); asking the cached one again would fail the same way on every poll.
        // (When the lookup itself failed, FindCoordinator has had its retries: that error stands.)
        const unreachable = (err instanceof KafkaError && err.errorCode === ErrorCode.BROKER_NOT_AVAILABLE) || (err instanceof ClientError && err.retriable);
        const coordinatorGone = (err instanceof KafkaError && COORDINATOR_ERRORS.has(err.errorCode)) || (unreachable && knewCoordinator);
        if (coordinatorGone) this.markCoordinatorUnknown();
        const retry = coordinatorGone || (err instanceof KafkaError
          && (err.errorCode === ErrorCode.MEMBER_ID_REQUIRED || REJOIN_ERRORS.has(err.errorCode) || err.retriable));
        if (!retry || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, Math.min(1000, this.cluster.config.retryBackoffMs * (attempt + 1))));
      }
    }
  }

  private async joinOnce(topics: string[], owned: TopicPartition[]): Promise<JoinResult> {
    this.joining = true;
    try {
      return await this.joinAndSync(topics, owned);
    } finally {
      this.joining = false;
    }
  }

  private async joinAndSync(topics: string[], owned: TopicPartition[]): Promise<JoinResult> {
    this.stopHeartbeats();
    const coordinator = await this.ensureCoordinator();
    const conn = await this.cluster.connectionTo(coordinator);
    const ownedByTopic = new Map<string, number[]>();
    for (const tp of owned) ownedByTopic.set(tp.topic, [...(ownedByTopic.get(tp.topic) ?? []), tp.partition]);
    const subscription = {
      topics: [...topics].sort(), generationId: this.generationId, rackId: null,
      ownedPartitions: [...ownedByTopic].map(([topic, partitions]) => ({ topic, partitions })),
    };
    const metadataFor = (name: AssignorName): Buffer => encodeSubscription({
      ...subscription, userData: assignors[name].subscriptionUserData?.(this.previousAssignment, this.previousGenerationId) ?? null,
    });
    const join = await conn.request('JoinGroup', createJoinGroupRequest({
      groupId: this.groupId,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      rebalanceTimeoutMs: this.config.maxPollIntervalMs,
      memberId: this.memberId,
      groupInstanceId: this.config.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols: this.config.assignors.map((name) => ({ name, metadata: metadataFor(name) })),
      reason: null,
    }), { timeoutMs: this.config.maxPollIntervalMs + 5000 });
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = join.memberId;
      throw new KafkaError(join.errorCode, 'JoinGroup');
    }
    if (join.errorCode !== 0) throw new KafkaError(join.errorCode, `JoinGroup ${this.groupId}`);
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    const protocol = (join.protocolName ?? this.config.assignors[0]!) as AssignorName;
    this.isLeader = join.leader === join.memberId;
    const assignments = this.isLeader && !join.skipAssignment ? await this.assign(protocol, join.members) : [];
    const sync = await conn.request('SyncGroup', createSyncGroupRequest({
      groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE, protocolName: protocol, assignments,
    }), { timeoutMs: this.config.maxPollIntervalMs + 5000 });
    if (sync.errorCode !== 0) throw new KafkaError(sync.errorCode, `SyncGroup ${this.groupId}`);
    const assignment = decodeAssignment(sync.assignment);
    const assigned = assignment.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    this.protocol = protocol;
    this.rejoinNeeded = false;
    this.lost = false;
    this.previousAssignment = assigned;
    this.previousGenerationId = this.generationId;
    this.startHeartbeats();
    return { generationId: this.generationId, memberId: this.memberId, protocol, assigned };
  }

  /** The leader's job: decode the members' subscriptions, run the assignor, encode the result. */
  private async assign(protocol: AssignorName, members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor = assignors[protocol];
    if (assignor === undefined) throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `unknown assignor ${protocol}`);
    const decoded: AssignorMember[] = members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, subscription: decodeSubscription(m.metadata) }));
    const topics = [...new Set(decoded.flatMap((m) => m.subscription.topics))];
    const md = await this.cluster.refreshMetadata({ topics });
    const partitionsPerTopic = new Map<string, number>();
    for (const t of topics) {
      const tm = md.topics.get(t);
      if (tm !== undefined && tm.errorCode === 0) partitionsPerTopic.set(t, tm.partitions.length);
    }
    const result = assignor.assign(partitionsPerTopic, decoded);
    return decoded.map((m) => {
      const tps = result.get(m.memberId) ?? [];
      const byTopic = new Map<string, number[]>();
      for (const tp of tps) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
      return { memberId: m.memberId, assignment: encodeAssignment({ assignedPartitions: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })), userData: null }) };
    });
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    if (this.stopped) return;
    this.heartbeatTimer = setTimeout(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    this.heartbeatTimer = null;
    // As the Java client: keep heart-beating while a rejoin is pending (the coordinator answers
    // REBALANCE_IN_PROGRESS) until joinOnce() sends JoinGroup, so the session cannot expire while
    // the application is between polls; stop only once the membership itself is lost.
    if (this.stopped || this.lost || this.joining) return;
    if (performance.now() - this.lastPollMs > this.config.maxPollIntervalMs) return void this.leaveOnPollTimeout();
    const generationId = this.generationId;
    try {
      // A coordinator that became unknown (a commit met NOT_COORDINATOR, a lost connection) is
      // looked up again, as Java's heartbeat thread does; the membership itself is not in doubt.
      const coordinator = await this.ensureCoordinator();
      const res = await this.cluster.send(coordinator, 'Heartbeat', createHeartbeatRequest({
        groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId,
      }));
      // A reply to a heartbeat of an earlier generation (a join ran meanwhile) says nothing about this one.
      if (this.joining || this.generationId !== generationId) return;
      this.onHeartbeatError(res.errorCode);
    } catch {
      if (this.joining || this.generationId !== generationId) return;
      // Coordinator unreachable: look it up again at the next beat (as Java). If it lost our
      // membership meanwhile it answers UNKNOWN_MEMBER_ID and we rejoin then.
      this.markCoordinatorUnknown();
    }
    if (!this.lost) this.startHeartbeats();
  }

  private onHeartbeatError(code: number): void {
    if (code === 0) return;
    if (REJOIN_ERRORS.has(code)) this.rejoinNeeded = true;
    else if (MEMBERSHIP_ERRORS.has(code)) this.onMembershipError(code);
    else if (COORDINATOR_ERRORS.has(code)) {
      // The coordinator moved: find it again (the next heartbeat does); the generation stands.
      this.markCoordinatorUnknown();
    }
  }

  /** The coordinator no longer knows this member (lost: rejoin as a new one) or fenced it (fatal). */
  private onMembershipError(code: number): void {
    this.stopHeartbeats();
    this.resetMember();
    this.lost = true;
    this.rejoinNeeded = true;
    if (code === ErrorCode.FENCED_INSTANCE_ID && this.fatalError === null) {
      log.error({ groupId: this.groupId, groupInstanceId: this.config.groupInstanceId },
        'fenced: another consumer joined with the same group.instance.id; this one stops consuming (close it)');
      this.fatalError = new KafkaError(code, `group.instance.id ${this.config.groupInstanceId ?? ''} of group ${this.groupId}`);
    }
  }

  /**
   * Reports an error from a commit or other group request made for `generationId`. As Java's
   * generationUnchanged(): an answer about a generation this member has already left (a commit
   * retried across a rebalance), or one that arrives while a join is in flight, says nothing
   * about the current membership; the join learns the coordinator's view itself.
   */
  onGroupError(code: number, generationId: number): void {
    if (this.joining || generationId !== this.generationId) return;
    this.onHeartbeatError(code);
  }

  /** The membership is gone: join again as a new member that claims nothing. */
  private resetMember(): void {
    if (this.config.groupInstanceId === null) this.memberId = '';
    this.generationId = -1;
    this.previousAssignment = [];
    this.previousGenerationId = -1;
  }

  /** LeaveGroup (skipped for static members, as Kafka: they keep their place until the session ends). */
  async leave(): Promise<void> {
    this.stopped = true;
    this.stopHeartbeats();
    const memberId = this.memberId;
    this.resetMember();
    await this.sendLeaveGroup(memberId, 'the consumer is being closed');
  }

  private async sendLeaveGroup(memberId: string, reason: string): Promise<void> {
    if (memberId === '' || this.coordinator < 0 || this.config.groupInstanceId !== null) return;
    try {
      const conn = await this.cluster.connectionTo(this.coordinator);
      const version = conn.versionOf('LeaveGroup') ?? 0;
      await conn.request('LeaveGroup', createLeaveGroupRequest(version >= 3
        ? { groupId: this.groupId, members: [{ memberId, groupInstanceId: null, reason }] }
        : { groupId: this.groupId, memberId }), { timeoutMs: 5000 });
    } catch {
      // Leaving is best effort: the session timeout removes us anyway.
    }
  }

  /** The application called poll(): the max.poll.interval.ms clock starts again. */
  polled(): void {
    this.lastPollMs = performance.now();
  }

  /**
   * The application has not polled for max.poll.interval.ms: as the Java client's heartbeat
   * thread, leave the group so that its partitions go to members that are making progress. The
   * next poll finds the membership lost (onPartitionsLost) and joins again.
   */
  private async leaveOnPollTimeout(): Promise<void> {
    log.warn({ groupId: this.groupId, memberId: this.memberId, maxPollIntervalMs: this.config.maxPollIntervalMs },
      'consumer poll timeout has expired: the time between polls exceeded max.poll.interval.ms; leaving the group (poll more often, or raise max.poll.interval.ms / lower max.poll.records)');
    this.stopHeartbeats();
    const memberId = this.memberId;
    this.resetMember();
    this.lost = true;
    this.rejoinNeeded = true;
    await this.sendLeaveGroup(memberId, 'consumer poll timeout has expired');
  }
}
