/** Consumer settings by Kafka's names (camelCased), with Kafka 4.0's defaults. */
import type { ClientConfig } from '../config.js';
import { ClientError } from '../errors.js';
import type { IsolationLevel } from '../offsets.js';
import type { AssignorName } from './assignors.js';

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerConfig extends ClientConfig {
  /** group.id: needed for subscribe() and commits. */
  groupId?: string;
  /** group.instance.id (static membership) */
  groupInstanceId?: string;
  /** session.timeout.ms (default 45000) */
  sessionTimeoutMs?: number;
  /** heartbeat.interval.ms (default 3000) */
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms: the rebalance timeout (default 300000) */
  maxPollIntervalMs?: number;
  /** auto.offset.reset (default latest) */
  autoOffsetReset?: AutoOffsetReset;
  /** enable.auto.commit (default true when a group.id is set) */
  enableAutoCommit?: boolean;
  /** auto.commit.interval.ms (default 5000) */
  autoCommitIntervalMs?: number;
  /** isolation.level (default read_uncommitted) */
  isolationLevel?: IsolationLevel;
  /** fetch.min.bytes (default 1) */
  fetchMinBytes?: number;
  /** fetch.max.bytes (default 52428800) */
  fetchMaxBytes?: number;
  /** fetch.max.wait.ms (default 500) */
  fetchMaxWaitMs?: number;
  /** max.partition.fetch.bytes (default 1048576) */
  maxPartitionFetchBytes?: number;
  /** max.poll.records (default 500) */
  maxPollRecords?: number;
  /** allow.auto.create.topics (default true; the broker's auto.create.topics.enable decides) */
  allowAutoCreateTopics?: boolean;
  /** partition.assignment.strategy, in preference order (default ['range', 'cooperative-sticky']) */
  partitionAssignmentStrategy?: AssignorName[];
}

export interface ResolvedConsumerConfig {
  groupId: string | null;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  autoOffsetReset: AutoOffsetReset;
  enableAutoCommit: boolean;
  autoCommitIntervalMs: number;
  isolationLevel: IsolationLevel;
  fetchMinBytes: number;
  fetchMaxBytes: number;
  fetchMaxWaitMs: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  assignors: AssignorName[];
}

export function resolveConsumerConfig(c: ConsumerConfig): ResolvedConsumerConfig {
  const reset = c.autoOffsetReset ?? 'latest';
  if (reset !== 'earliest' && reset !== 'latest' && reset !== 'none') throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `auto.offset.reset must be earliest, latest or none, got ${String(reset)}`);
  const assignors = c.partitionAssignmentStrategy ?? ['range', 'cooperative-sticky'];
  if (assignors.length === 0) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'partition.assignment.strategy is empty');
  return {
    groupId: c.groupId ?? null,
    groupInstanceId: c.groupInstanceId ?? null,
    sessionTimeoutMs: c.sessionTimeoutMs ?? 45000,
    heartbeatIntervalMs: c.heartbeatIntervalMs ?? 3000,
    maxPollIntervalMs: c.maxPollIntervalMs ?? 300000,
    autoOffsetReset: reset,
    enableAutoCommit: c.enableAutoCommit ?? c.groupId !== undefined,
    autoCommitIntervalMs: c.autoCommitIntervalMs ?? 5000,
    isolationLevel: c.isolationLevel ?? 'read_uncommitted',
    fetchMinBytes: c.fetchMinBytes ?? 1,
    fetchMaxBytes: c.fetchMaxBytes ?? 52428800,
    fetchMaxWaitMs: c.fetchMaxWaitMs ?? 500,
    maxPartitionFetchBytes: c.maxPartitionFetchBytes ?? 1048576,
    maxPollRecords: c.maxPollRecords ?? 500,
    assignors,
  };
}
