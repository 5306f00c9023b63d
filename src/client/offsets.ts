/**
 * Partition offsets shared by admin and consumer: ListOffsets (by timestamp, earliest, latest,
 * grouped by leader), and a group's committed offsets (OffsetFetch / OffsetCommit, both the
 * pre-v8 single-group and the v8+ multi-group shapes).
 */
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { createListOffsetsRequest } from '../protocol/generated/list-offsets.js';
import { createOffsetCommitRequest } from '../protocol/generated/offset-commit.js';
import { createOffsetFetchRequest } from '../protocol/generated/offset-fetch.js';
import { METADATA_STALE_ERRORS, type KafkaCluster } from './cluster.js';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** ListOffsets' special timestamps. */
export const OffsetSpec = {
  latest: -1n,
  earliest: -2n,
  /** KIP-734: the offset of the record with the largest timestamp. */
  maxTimestamp: -3n,
} as const;

export type IsolationLevel = 'read_uncommitted' | 'read_committed';

export interface ListedOffset extends TopicPartition {
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Groups items by their partition leader (refreshing metadata for unknown topics). */
export async function groupByLeader<T extends TopicPartition>(cluster: KafkaCluster, items: T[]): Promise<Map<number, T[]>> {
  const byLeader = new Map<number, T[]>();
  for (const it of items) {
    const t = await cluster.topic(it.topic);
    const p = t.partitions[it.partition];
    if (p === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${it.topic}-${it.partition}`);
    if (p.leader < 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `${it.topic}-${it.partition}`);
    const list = byLeader.get(p.leader) ?? [];
    list.push(it);
    byLeader.set(p.leader, list);
  }
  return byLeader;
}

/** ListOffsets for each partition at its timestamp spec; retried on leader changes. */
export async function listOffsets(
  cluster: KafkaCluster,
  requests: (TopicPartition & { timestamp: bigint })[],
  isolationLevel: IsolationLevel = 'read_uncommitted',
): Promise<ListedOffset[]> {
  return cluster.withRetries(async () => {
    const out: ListedOffset[] = [];
    const byLeader = await groupByLeader(cluster, requests);
    await Promise.all([...byLeader].map(async ([leader, items]) => {
      const topics = new Map<string, { partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number; maxNumOffsets: number }[]>();
      for (const it of items) {
        const list = topics.get(it.topic) ?? [];
        list.push({ partitionIndex: it.partition, timestamp: it.timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1 });
        topics.set(it.topic, list);
      }
      const body = createListOffsetsRequest({
        replicaId: -1,
        isolationLevel: isolationLevel === 'read_committed' ? 1 : 0,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      });
      const res = await cluster.send(leader, 'ListOffsets', body);
      for (const t of res.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) {
            if (METADATA_STALE_ERRORS.has(p.errorCode)) await cluster.refreshMetadata().catch(() => undefined);
            throw new KafkaError(p.errorCode, `ListOffsets ${t.name}-${p.partitionIndex}`);
          }
          out.push({ topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
        }
      }
    }));
    return out;
  });
}

export interface CommittedOffset extends TopicPartition {
  /** -1 when the group has no committed offset for the partition. */
  offset: bigint;
  leaderEpoch: number;
  metadata: string | null;
}

/** The group's committed offsets (all partitions it has when `partitions` is null). */
export async function fetchCommittedOffsets(
  cluster: KafkaCluster,
  coordinator: number,
  groupId: string,
  partitions: TopicPartition[] | null,
  requireStable = false,
): Promise<CommittedOffset[]> {
  const conn = await cluster.connectionTo(coordinator);
  const version = conn.versionOf('OffsetFetch') ?? 0;
  const topics = partitions === null ? null : groupPartitions(partitions).map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  const body = version >= 8
    ? createOffsetFetchRequest({ groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable })
    : createOffsetFetchRequest({ groupId, topics, requireStable });
  const res = await conn.request('OffsetFetch', body);
  const out: CommittedOffset[] = [];
  const groupError = version >= 8 ? res.groups[0]?.errorCode ?? 0 : res.errorCode;
  if (groupError !== 0) throw new KafkaError(groupError, `OffsetFetch ${groupId}`);
  const resTopics = version >= 8 ? res.groups[0]?.topics ?? [] : res.topics;
  for (const t of resTopics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `OffsetFetch ${groupId} ${t.name}-${p.partitionIndex}`);
      out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata });
    }
  }
  return out;
}

export interface OffsetToCommit extends TopicPartition {
  offset: bigint;
  leaderEpoch?: number;
  metadata?: string | null;
}

/** OffsetCommit; per-partition errors are thrown (the first one). */
export async function commitOffsets(
  cluster: KafkaCluster,
  coordinator: number,
  groupId: string,
  offsets: OffsetToCommit[],
  member: { generationId: number; memberId: string; groupInstanceId: string | null } = { generationId: -1, memberId: '', groupInstanceId: null },
): Promise<void> {
  const byTopic = new Map<string, OffsetToCommit[]>();
  for (const o of offsets) {
    const list = byTopic.get(o.topic) ?? [];
    list.push(o);
    byTopic.set(o.topic, list);
  }
  const body = createOffsetCommitRequest({
    groupId,
    generationIdOrMemberEpoch: member.generationId,
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    retentionTimeMs: -1n,
    topics: [...byTopic].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({
        partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: o.leaderEpoch ?? -1, commitTimestamp: -1n,
        committedMetadata: o.metadata ?? '',
      })),
    })),
  });
  const res = await cluster.send(coordinator, 'OffsetCommit', body);
  for (const t of res.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== 0) throw new KafkaError(p.errorCode, `OffsetCommit ${groupId} ${t.name}-${p.partitionIndex}`);
    }
  }
}

/** [topic, partitions[]] pairs, topics in first-seen order. */
export function groupPartitions(tps: TopicPartition[]): [string, number[]][] {
  const m = new Map<string, number[]>();
  for (const tp of tps) {
    const list = m.get(tp.topic) ?? [];
    list.push(tp.partition);
    m.set(tp.topic, list);
  }
  return [...m];
}
