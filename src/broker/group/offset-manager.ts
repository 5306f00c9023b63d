/**
 * Committed offsets of the groups of one `__consumer_offsets` partition (Kafka's
 * OffsetMetadataManager): OffsetCommit, OffsetFetch, OffsetDelete, DeleteGroups' offset part and
 * retention. Deterministic like the rest of the core: a commit returns OffsetCommit records and
 * the reply to release once they are committed; the offsets change only when the records are
 * replayed (after the append, or while loading the partition).
 */
import { ErrorCode } from '../../protocol/errors.js';
import { decodeConsumerProtocolSubscription } from '../../protocol/generated/consumer-protocol-subscription.js';
import type { OffsetCommitResponse, OffsetCommitResponseTopic } from '../../protocol/generated/offset-commit.js';
import type { OffsetDeleteResponse, OffsetDeleteResponseTopic } from '../../protocol/generated/offset-delete.js';
import type { OffsetFetchResponsePartitions, OffsetFetchResponseTopics } from '../../protocol/generated/offset-fetch.js';
import { Reader } from '../../util/bytes.js';
import { ClassicGroup, GroupState } from './classic-group.js';
import type { RequestOrigin } from './classic-group-manager.js';
import type { Effects } from './effects.js';
import type { GroupConfig } from './group-config.js';
import type { CoordinatorRecord, OffsetAndMetadata } from './records.js';

export interface OffsetCommitInput {
  readonly groupId: string;
  /** -1 for a "simple" commit from outside any generation. */
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  /** -1n = the broker's offsets.retention.minutes (OffsetCommit v2-v4 may set it). */
  readonly retentionTimeMs: bigint;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly {
      readonly partitionIndex: number;
      readonly committedOffset: bigint;
      readonly committedLeaderEpoch: number;
      /** -1n = now. */
      readonly commitTimestamp: bigint;
      readonly committedMetadata: string | null;
      /** An error decided by the shell (unknown topic or partition), or NONE. */
      readonly errorCode: number;
    }[];
  }[];
}

type CommitPartition = OffsetCommitInput['topics'][number]['partitions'][number];

/** group -> topic -> partition -> offset. */
type OffsetTable = Map<string, Map<string, Map<number, OffsetAndMetadata>>>;

export class OffsetManager {
  readonly offsets: OffsetTable = new Map();
  /** Transactional offsets written but not yet committed (TxnOffsetCommit); empty until transactions exist. */
  readonly pendingTransactionalOffsets = new Map<string, Set<string>>();

  constructor(
    private readonly groups: Map<string, ClassicGroup>,
    private readonly config: GroupConfig,
  ) {}

  // ------------------------------------------------------------------ OffsetCommit

  commitOffsets(fx: Effects, origin: RequestOrigin, req: OffsetCommitInput, nowMs: number): void {
    const reply = (errorFor: (p: CommitPartition) => number): OffsetCommitResponse => ({
      throttleTimeMs: 0,
      topics: req.topics.map((t): OffsetCommitResponseTopic => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: errorFor(p) })) })),
    });
    const groupError = this.validateCommit(req);
    if (groupError !== ErrorCode.NONE) return fx.reply(origin.requestId, reply(() => groupError));
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new ClassicGroup(req.groupId));
    const group = this.groups.get(req.groupId)!;
    if (req.memberId !== '') {
      const m = group.members.get(req.memberId);
      if (m !== undefined) m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
    }
    const records: CoordinatorRecord[] = [];
    const tooLarge = (p: { committedMetadata: string | null }) => p.committedMetadata !== null && Buffer.byteLength(p.committedMetadata) > this.config.offsetMetadataMaxBytes;
    for (const t of req.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE || tooLarge(p)) continue;
        const commitTimestampMs = p.commitTimestamp >= 0n ? p.commitTimestamp : BigInt(nowMs);
        records.push({
          kind: 'offset',
          group: req.groupId,
          topic: t.name,
          partition: p.partitionIndex,
          value: {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata ?? '',
            commitTimestampMs,
            expireTimestampMs: req.retentionTimeMs >= 0n ? commitTimestampMs + req.retentionTimeMs : -1n,
          },
        });
      }
    }
    const errorOf = (p: { errorCode: number; committedMetadata: string | null }, appendError: number) =>
      p.errorCode !== ErrorCode.NONE ? p.errorCode : tooLarge(p) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : appendError;
    if (records.length === 0) return fx.reply(origin.requestId, reply((p) => errorOf(p, ErrorCode.NONE)));
    fx.append(records, {
      kind: 'replay-then-reply',
      replies: [{ requestId: origin.requestId, response: reply((p) => errorOf(p, ErrorCode.NONE)) }],
      failureReplies: (code) => [{ requestId: origin.requestId, response: reply((p) => errorOf(p, code)) }],
    });
  }

  /** Kafka's validateOffsetCommit for classic groups. */
  private validateCommit(req: OffsetCommitInput): number {
    if (req.groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const group = this.groups.get(req.groupId);
    if (group === undefined) return req.generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
    if (group.is(GroupState.Dead)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationId < 0 && group.is(GroupState.Empty)) return ErrorCode.NONE;
    if (req.groupInstanceId !== null) {
      const mapped = group.staticMembers.get(req.groupInstanceId);
      if (mapped !== undefined && mapped !== req.memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    if (group.is(GroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
    if (!group.members.has(req.memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
    return ErrorCode.NONE;
  }

  // ------------------------------------------------------------------ OffsetFetch

  /** One group's committed offsets; `topics` null = all. */
  fetchOffsets(groupId: string, topics: readonly { name: string; partitionIndexes: readonly number[] }[] | null, requireStable: boolean): OffsetFetchResponseTopics[] {
    const table = this.offsets.get(groupId);
    const pending = this.pendingTransactionalOffsets.get(groupId);
    const partitionOf = (topic: string, partition: number): OffsetFetchResponsePartitions => {
      if (requireStable && pending?.has(`${topic}-${partition}`) === true) {
        return { partitionIndex: partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.UNSTABLE_OFFSET_COMMIT };
      }
      const o = table?.get(topic)?.get(partition);
      if (o === undefined) return { partitionIndex: partition, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.NONE };
      return { partitionIndex: partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch, metadata: o.metadata, errorCode: ErrorCode.NONE };
    };
    if (topics === null) {
      const out: OffsetFetchResponseTopics[] = [];
      for (const [name, parts] of table ?? []) out.push({ name, partitions: [...parts.keys()].sort((a, b) => a - b).map((p) => partitionOf(name, p)) });
      return out;
    }
    return topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => partitionOf(t.name, p)) }));
  }

  // ------------------------------------------------------------------ OffsetDelete / DeleteGroups

  deleteOffsets(fx: Effects, origin: RequestOrigin, groupId: string, topics: readonly { name: string; partitions: readonly { partitionIndex: number }[] }[]): void {
    const top = (errorCode: number): OffsetDeleteResponse => ({ errorCode, throttleTimeMs: 0, topics: [] });
    const group = this.groups.get(groupId);
    if (groupId === '') return fx.reply(origin.requestId, top(ErrorCode.INVALID_GROUP_ID));
    if (group === undefined || group.is(GroupState.Dead)) return fx.reply(origin.requestId, top(ErrorCode.GROUP_ID_NOT_FOUND));
    if (!group.is(GroupState.Empty) && group.protocolType !== 'consumer') return fx.reply(origin.requestId, top(ErrorCode.NON_EMPTY_GROUP));
    const subscribed = subscribedTopics(group);
    const records: CoordinatorRecord[] = [];
    const result: OffsetDeleteResponseTopic[] = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => {
        if (subscribed.has(t.name)) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
        if (this.offsets.get(groupId)?.get(t.name)?.has(p.partitionIndex) === true) {
          records.push({ kind: 'offset', group: groupId, topic: t.name, partition: p.partitionIndex, value: null });
        }
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
      }),
    }));
    const response: OffsetDeleteResponse = { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics: result };
    if (records.length === 0) return fx.reply(origin.requestId, response);
    fx.append(records, { kind: 'replay-then-reply', replies: [{ requestId: origin.requestId, response }], failureReplies: (code) => [{ requestId: origin.requestId, response: top(code) }] });
  }

  /** Tombstones for every offset of a group (DeleteGroups, expiry). */
  tombstonesOf(groupId: string): CoordinatorRecord[] {
    const out: CoordinatorRecord[] = [];
    for (const [topic, parts] of this.offsets.get(groupId) ?? []) {
      for (const partition of parts.keys()) out.push({ kind: 'offset', group: groupId, topic, partition, value: null });
    }
    return out;
  }

  /**
   * Kafka's offset retention: offsets of an empty group expire offsets.retention.minutes after the
   * group became empty (or after the commit, for groups that never had members); offsets of a
   * stable consumer group expire only for topics it no longer subscribes to; an explicit expire
   * timestamp (OffsetCommit v2-v4) wins. Removes them now and returns their tombstones.
   */
  expireOffsets(nowMs: number): CoordinatorRecord[] {
    const records: CoordinatorRecord[] = [];
    for (const [groupId, topics] of this.offsets) {
      const group = this.groups.get(groupId);
      const empty = group === undefined || group.is(GroupState.Empty);
      const stableConsumer = group !== undefined && group.is(GroupState.Stable) && group.protocolType === 'consumer';
      if (!empty && !stableConsumer) continue;
      const subscribed = stableConsumer ? subscribedTopics(group) : new Set<string>();
      for (const [topic, parts] of topics) {
        if (subscribed.has(topic)) continue;
        for (const [partition, o] of parts) {
          const base = empty && group !== undefined && group.currentStateTimestampMs >= 0 ? BigInt(group.currentStateTimestampMs) : o.commitTimestampMs;
          const expired = o.expireTimestampMs >= 0n ? BigInt(nowMs) >= o.expireTimestampMs : BigInt(nowMs) - base >= BigInt(this.config.offsetsRetentionMs);
          if (!expired) continue;
          parts.delete(partition);
          records.push({ kind: 'offset', group: groupId, topic, partition, value: null });
        }
        if (parts.size === 0) topics.delete(topic);
      }
      if (topics.size === 0) this.offsets.delete(groupId);
    }
    return records;
  }

  replayOffset(r: Extract<CoordinatorRecord, { kind: 'offset' }>): void {
    if (r.value === null) {
      const topics = this.offsets.get(r.group);
      const parts = topics?.get(r.topic);
      parts?.delete(r.partition);
      if (parts !== undefined && parts.size === 0) topics!.delete(r.topic);
      if (topics !== undefined && topics.size === 0) this.offsets.delete(r.group);
      return;
    }
    let topics = this.offsets.get(r.group);
    if (topics === undefined) this.offsets.set(r.group, (topics = new Map()));
    let parts = topics.get(r.topic);
    if (parts === undefined) topics.set(r.topic, (parts = new Map()));
    parts.set(r.partition, r.value);
  }
}

/** Topics the members of a consumer group subscribe to (from their ConsumerProtocolSubscription). */
export function subscribedTopics(group: ClassicGroup): Set<string> {
  const out = new Set<string>();
  if (group.protocolType !== 'consumer' || group.protocolName === null) return out;
  for (const m of group.members.values()) {
    const p = m.protocols.find((x) => x.name === group.protocolName);
    if (p === undefined || p.metadata.length < 2) continue;
    try {
      const r = new Reader(p.metadata);
      const version = Math.min(r.int16(), 3);
      for (const t of decodeConsumerProtocolSubscription(r, Math.max(version, 0)).topics) out.add(t);
    } catch {
      // Not a consumer subscription we can read: it protects no topic.
    }
  }
  return out;
}
