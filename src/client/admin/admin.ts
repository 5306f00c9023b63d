/**
 * The admin client (Kafka's Admin): topics, partitions, configs, consumer groups and their
 * offsets, records deletion, the cluster and log dirs. Requests that Kafka routes to the
 * controller (CreateTopics, DeleteTopics, CreatePartitions) go to the controller from the
 * metadata and are retried there on NOT_CONTROLLER; group requests go to the group's coordinator.
 * A per-resource error fails the call with a KafkaError carrying the broker's code and message.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createCreatePartitionsRequest } from '../../protocol/generated/create-partitions.js';
import { createCreateTopicsRequest } from '../../protocol/generated/create-topics.js';
import { createDeleteGroupsRequest } from '../../protocol/generated/delete-groups.js';
import { createDeleteRecordsRequest } from '../../protocol/generated/delete-records.js';
import { createDeleteTopicsRequest } from '../../protocol/generated/delete-topics.js';
import { createDescribeClusterRequest } from '../../protocol/generated/describe-cluster.js';
import { createDescribeGroupsRequest } from '../../protocol/generated/describe-groups.js';
import { createDescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs.js';
import { createLeaveGroupRequest } from '../../protocol/generated/leave-group.js';
import { createElectLeadersRequest } from '../../protocol/generated/elect-leaders.js';
import { createListGroupsRequest } from '../../protocol/generated/list-groups.js';
import { createOffsetDeleteRequest } from '../../protocol/generated/offset-delete.js';
import { KafkaCluster, check, type BrokerNode } from '../cluster.js';
import type { ClientConfig } from '../config.js';
import { decodeAssignment } from '../consumer/protocol.js';
import {
  commitOffsets, fetchCommittedOffsets, groupByLeader, groupPartitions, listOffsets, type CommittedOffset, type IsolationLevel,
  type ListedOffset, type OffsetToCommit, type TopicPartition,
} from '../offsets.js';
import { alterConfigs, describeConfigs, incrementalAlterConfigs, type AlterConfigOp, type ConfigResource, type ConfigResourceEntries } from './configs.js';

export type { AlterConfigOp, ConfigResource, ConfigResourceEntries } from './configs.js';
export type { ConfigEntry } from './configs.js';

export interface NewTopic {
  name: string;
  /** -1 = the broker's num.partitions */
  numPartitions?: number;
  /** -1 = the broker's default.replication.factor */
  replicationFactor?: number;
  /** Explicit replica assignment: partition index -> broker ids. */
  replicaAssignment?: Map<number, number[]>;
  configs?: Record<string, string>;
}

export interface CreatedTopic {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

export interface TopicPartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: TopicPartitionInfo[];
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerNode[];
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
}

export interface MemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  host: string;
  /** For consumer groups: the partitions assigned to the member. */
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor's name for consumer groups. */
  protocol: string;
  members: MemberDescription[];
  coordinator: number;
  errorCode: number;
}

export interface LogDirDescription {
  broker: number;
  logDir: string;
  errorCode: number;
  totalBytes: bigint;
  usableBytes: bigint;
  partitions: { topic: string; partition: number; sizeBytes: bigint; offsetLag: bigint; isFuture: boolean }[];
}

export interface AdminOptions {
  /** The operation's timeout (timeout.ms in the request), default 30000. */
  timeoutMs?: number;
  validateOnly?: boolean;
  signal?: AbortSignal;
}

export class Admin {
  readonly cluster: KafkaCluster;
  private readonly ownsCluster: boolean;

  constructor(config: ClientConfig | KafkaCluster) {
    this.ownsCluster = !(config instanceof KafkaCluster);
    this.cluster = config instanceof KafkaCluster ? config : new KafkaCluster(config);
  }

  /** The controller's id (from fresh metadata). */
  private async controller(): Promise<number> {
    const md = await this.cluster.refreshMetadata();
    if (md.controllerId < 0) throw new KafkaError(ErrorCode.NOT_CONTROLLER, 'no controller in the metadata');
    return md.controllerId;
  }

  async createTopics(topics: NewTopic[], options: AdminOptions = {}): Promise<CreatedTopic[]> {
    return this.cluster.withRetries(async () => {
      const body = createCreateTopicsRequest({
        timeoutMs: options.timeoutMs ?? 30000,
        validateOnly: options.validateOnly ?? false,
        topics: topics.map((t) => ({
          name: t.name,
          numPartitions: t.replicaAssignment !== undefined ? -1 : t.numPartitions ?? -1,
          replicationFactor: t.replicaAssignment !== undefined ? -1 : t.replicationFactor ?? -1,
          assignments: [...(t.replicaAssignment ?? new Map<number, number[]>())].map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds })),
          configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
      const res = await this.cluster.send(await this.controller(), 'CreateTopics', body);
      for (const r of res.topics) check(r.errorCode, r.errorMessage ?? `topic ${r.name}`);
      this.cluster.addTopics(topics.map((t) => t.name));
      return res.topics.map((r) => ({ name: r.name, topicId: r.topicId, numPartitions: r.numPartitions, replicationFactor: r.replicationFactor }));
    }, { signal: options.signal });
  }

  async deleteTopics(names: string[], options: AdminOptions = {}): Promise<void> {
    await this.cluster.withRetries(async () => {
      const conn = await this.cluster.connectionTo(await this.controller());
      const version = conn.versionOf('DeleteTopics') ?? 0;
      const body = createDeleteTopicsRequest(version >= 6
        ? { topics: names.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' })), timeoutMs: options.timeoutMs ?? 30000 }
        : { topicNames: names, timeoutMs: options.timeoutMs ?? 30000 });
      const res = await conn.request('DeleteTopics', body);
      for (const r of res.responses) check(r.errorCode, r.errorMessage ?? `topic ${r.name}`);
    }, { signal: options.signal });
  }

  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const md = await this.cluster.refreshMetadata({ allTopics: true });
    return [...md.topics.values()]
      .filter((t) => t.errorCode === 0 && (options.includeInternal === true || !t.isInternal))
      .map((t) => t.name)
      .sort();
  }

  /** Descriptions of the named topics (every topic when `names` is omitted). */
  async describeTopics(names?: string[]): Promise<TopicDescription[]> {
    const md = names === undefined ? await this.cluster.refreshMetadata({ allTopics: true }) : await this.cluster.refreshMetadata({ topics: names });
    const wanted = names ?? [...md.topics.keys()].sort();
    return wanted.map((name) => {
      const t = md.topics.get(name);
      if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic ${name}`);
      check(t.errorCode, `topic ${name}`);
      return {
        name: t.name, topicId: t.topicId, isInternal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr, offlineReplicas: p.offlineReplicas,
        })),
      };
    });
  }

  /** Grows topics to `count` partitions each (a decrease is INVALID_PARTITIONS from the broker). */
  async createPartitions(topics: { topic: string; count: number; assignments?: number[][] }[], options: AdminOptions = {}): Promise<void> {
    await this.cluster.withRetries(async () => {
      const body = createCreatePartitionsRequest({
        timeoutMs: options.timeoutMs ?? 30000,
        validateOnly: options.validateOnly ?? false,
        topics: topics.map((t) => ({ name: t.topic, count: t.count, assignments: t.assignments?.map((brokerIds) => ({ brokerIds })) ?? null })),
      });
      const res = await this.cluster.send(await this.controller(), 'CreatePartitions', body);
      for (const r of res.results) check(r.errorCode, r.errorMessage ?? `topic ${r.name}`);
    }, { signal: options.signal });
    await this.cluster.refreshMetadata().catch(() => undefined);
  }

  describeConfigs(resources: ConfigResource[], options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {}): Promise<ConfigResourceEntries[]> {
    return describeConfigs(this.cluster, resources, options);
  }

  /** AlterConfigs (replaces every dynamic config of each resource). */
  alterConfigs(resources: { resource: ConfigResource; configs: Record<string, string> }[], options: AdminOptions = {}): Promise<void> {
    return alterConfigs(this.cluster, resources, options.validateOnly ?? false);
  }

  incrementalAlterConfigs(resources: { resource: ConfigResource; ops: AlterConfigOp[] }[], options: AdminOptions = {}): Promise<void> {
    return incrementalAlterConfigs(this.cluster, resources, options.validateOnly ?? false);
  }

  async describeCluster(): Promise<ClusterDescription> {
    const conn = await this.cluster.anyConnection();
    if (conn.versionOf('DescribeCluster') !== undefined) {
      const res = await conn.request('DescribeCluster', createDescribeClusterRequest({ endpointType: 1 }));
      check(res.errorCode, res.errorMessage);
      return {
        clusterId: res.clusterId, controllerId: res.controllerId,
        brokers: res.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })),
      };
    }
    const md = await this.cluster.refreshMetadata();
    return { clusterId: md.clusterId, controllerId: md.controllerId, brokers: [...md.brokers.values()].sort((a, b) => a.nodeId - b.nodeId) };
  }

  listOffsets(requests: (TopicPartition & { timestamp: bigint })[], options: { isolationLevel?: IsolationLevel } = {}): Promise<ListedOffset[]> {
    return listOffsets(this.cluster, requests, options.isolationLevel);
  }

  /** DeleteRecords: moves each partition's log start offset to `offset` (-1 = the high watermark). */
  async deleteRecords(requests: (TopicPartition & { offset: bigint })[], options: AdminOptions = {}): Promise<{ topic: string; partition: number; lowWatermark: bigint }[]> {
    return this.cluster.withRetries(async () => {
      const out: { topic: string; partition: number; lowWatermark: bigint }[] = [];
      const byLeader = await groupByLeader(this.cluster, requests);
      for (const [leader, items] of byLeader) {
        const topics = new Map<string, { partitionIndex: number; offset: bigint }[]>();
        for (const it of items) topics.set(it.topic, [...(topics.get(it.topic) ?? []), { partitionIndex: it.partition, offset: it.offset }]);
        const body = createDeleteRecordsRequest({ timeoutMs: options.timeoutMs ?? 30000, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) });
        const res = await this.cluster.send(leader, 'DeleteRecords', body);
        for (const t of res.topics) {
          for (const p of t.partitions) {
            check(p.errorCode, `DeleteRecords ${t.name}-${p.partitionIndex}`);
            out.push({ topic: t.name, partition: p.partitionIndex, lowWatermark: p.lowWatermark });
          }
        }
      }
      return out;
    }, { signal: options.signal });
  }

  /**
   * Leader election (Kafka's Admin.electLeaders, kafka-leader-election.sh): `preferred` moves
   * leadership back to the first replica when it is in the ISR; `unclean` elects any live replica
   * of a partition without a leader. `partitions` null: every partition. Per-partition outcome:
   * errorCode 0, ELECTION_NOT_NEEDED (84), PREFERRED_LEADER_NOT_AVAILABLE (80), ...
   */
  async electLeaders(type: 'preferred' | 'unclean', partitions: TopicPartition[] | null, options: AdminOptions = {}): Promise<(TopicPartition & { errorCode: number; errorMessage: string | null })[]> {
    return this.cluster.withRetries(async () => {
      const res = await this.cluster.send(await this.controller(), 'ElectLeaders', createElectLeadersRequest({
        electionType: type === 'preferred' ? 0 : 1,
        topicPartitions: partitions === null ? null : groupPartitions(partitions).map(([topic, ps]) => ({ topic, partitions: ps })),
        timeoutMs: options.timeoutMs ?? this.cluster.config.requestTimeoutMs,
      }));
      check(res.errorCode, 'ElectLeaders');
      return res.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({ topic: t.topic, partition: p.partitionId, errorCode: p.errorCode, errorMessage: p.errorMessage })));
    }, { signal: options.signal });
  }

  /** DescribeLogDirs on each broker (all brokers when omitted). */
  async describeLogDirs(brokers?: number[]): Promise<LogDirDescription[]> {
    const ids = brokers ?? [...(await this.cluster.refreshMetadata()).brokers.keys()];
    const out: LogDirDescription[] = [];
    for (const id of ids) {
      const res = await this.cluster.send(id, 'DescribeLogDirs', createDescribeLogDirsRequest({ topics: null }));
      check(res.errorCode, `DescribeLogDirs on broker ${id}`);
      for (const d of res.results) {
        out.push({
          broker: id, logDir: d.logDir, errorCode: d.errorCode, totalBytes: d.totalBytes, usableBytes: d.usableBytes,
          partitions: d.topics.flatMap((t) => t.partitions.map((p) => ({
            topic: t.name, partition: p.partitionIndex, sizeBytes: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey,
          }))),
        });
      }
    }
    return out;
  }

  /** ListGroups on every broker (each lists the groups it coordinates). */
  async listGroups(options: { states?: string[]; types?: string[] } = {}): Promise<ListedGroup[]> {
    const md = await this.cluster.refreshMetadata();
    const out: ListedGroup[] = [];
    for (const id of md.brokers.keys()) {
      const res = await this.cluster.send(id, 'ListGroups', createListGroupsRequest({ statesFilter: options.states ?? [], typesFilter: options.types ?? [] }));
      check(res.errorCode, `ListGroups on broker ${id}`);
      for (const g of res.groups) {
        out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType === '' ? 'classic' : g.groupType });
      }
    }
    return out.sort((a, b) => a.groupId.localeCompare(b.groupId));
  }

  async describeGroups(groupIds: string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      const d = await this.cluster.withRetries(async () => {
        const coordinator = await this.cluster.findCoordinator(groupId);
        const res = await this.cluster.send(coordinator, 'DescribeGroups', createDescribeGroupsRequest({ groups: [groupId] }));
        const g = res.groups[0];
        if (g === undefined) throw new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, groupId);
        if (g.errorCode === ErrorCode.NOT_COORDINATOR || g.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaError(g.errorCode, groupId);
        return { g, coordinator };
      });
      const { g, coordinator } = d;
      out.push({
        groupId: g.groupId, state: g.groupState, protocolType: g.protocolType, protocol: g.protocolData, coordinator, errorCode: g.errorCode,
        members: g.members.map((m) => ({
          memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, host: m.clientHost,
          assignment: g.protocolType === 'consumer' ? safeAssignment(m.memberAssignment) : [],
        })),
      });
    }
    return out;
  }

  async deleteGroups(groupIds: string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const out: { groupId: string; errorCode: number }[] = [];
    for (const groupId of groupIds) {
      const r = await this.cluster.withRetries(async () => {
        const coordinator = await this.cluster.findCoordinator(groupId);
        const res = await this.cluster.send(coordinator, 'DeleteGroups', createDeleteGroupsRequest({ groupsNames: [groupId] }));
        const e = res.results[0]?.errorCode ?? ErrorCode.GROUP_ID_NOT_FOUND;
        if (e === ErrorCode.NOT_COORDINATOR || e === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaError(e, groupId);
        return e;
      });
      out.push({ groupId, errorCode: r });
    }
    return out;
  }

  /**
   * Removes members from a classic group (Kafka's removeMembersFromConsumerGroup, LeaveGroup v3+):
   * the given static members (by group.instance.id) or members (by member id), or every current
   * member when `members` is omitted. The removed members learn it at their next heartbeat
   * (UNKNOWN_MEMBER_ID) and rejoin as new members.
   */
  async removeMembersFromConsumerGroup(groupId: string, members?: { memberId?: string; groupInstanceId?: string }[]): Promise<{ memberId: string; groupInstanceId: string | null; errorCode: number }[]> {
    const targets: { memberId?: string; groupInstanceId?: string }[] = members ?? (await this.describeGroups([groupId]))[0]!.members.map((m) => ({ memberId: m.memberId }));
    if (targets.length === 0) return [];
    return this.cluster.withRetries(async () => {
      const coordinator = await this.cluster.findCoordinator(groupId);
      const conn = await this.cluster.connectionTo(coordinator);
      if ((conn.versionOf('LeaveGroup') ?? 0) < 3) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, 'removing members needs LeaveGroup v3 (Kafka 2.4)');
      const res = await this.cluster.send(coordinator, 'LeaveGroup', createLeaveGroupRequest({
        groupId,
        members: targets.map((m) => ({ memberId: m.memberId ?? '', groupInstanceId: m.groupInstanceId ?? null, reason: 'removed by an administrator' })),
      }));
      if (res.errorCode === ErrorCode.NOT_COORDINATOR || res.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) throw new KafkaError(res.errorCode, groupId);
      check(res.errorCode, `LeaveGroup ${groupId}`);
      return res.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: m.errorCode }));
    });
  }

  /** The group's committed offsets (every partition it has, or just `partitions`). */
  async listConsumerGroupOffsets(groupId: string, partitions: TopicPartition[] | null = null): Promise<CommittedOffset[]> {
    return this.cluster.withRetries(async () => {
      const coordinator = await this.cluster.findCoordinator(groupId);
      return fetchCommittedOffsets(this.cluster, coordinator, groupId, partitions);
    });
  }

  /** Commits offsets for a group with no active members (Kafka refuses otherwise: UNKNOWN_MEMBER_ID). */
  async alterConsumerGroupOffsets(groupId: string, offsets: OffsetToCommit[]): Promise<void> {
    await this.cluster.withRetries(async () => {
      const coordinator = await this.cluster.findCoordinator(groupId);
      await commitOffsets(this.cluster, coordinator, groupId, offsets);
    });
  }

  async deleteConsumerGroupOffsets(groupId: string, partitions: TopicPartition[]): Promise<void> {
    await this.cluster.withRetries(async () => {
      const coordinator = await this.cluster.findCoordinator(groupId);
      const body = createOffsetDeleteRequest({
        groupId,
        topics: groupPartitions(partitions).map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })),
      });
      const res = await this.cluster.send(coordinator, 'OffsetDelete', body);
      check(res.errorCode, `OffsetDelete ${groupId}`);
      for (const t of res.topics) for (const p of t.partitions) check(p.errorCode, `OffsetDelete ${groupId} ${t.name}-${p.partitionIndex}`);
    });
  }

  async close(): Promise<void> {
    if (this.ownsCluster) await this.cluster.close();
  }
}

function safeAssignment(buf: Buffer): TopicPartition[] {
  try {
    return decodeAssignment(buf).assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  } catch {
    return [];
  }
}
