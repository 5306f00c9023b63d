/**
 * An in-memory MetadataService for broker tests that do not need the keeper: one broker, topics
 * created instantly with this broker as leader of every partition (ISR = [self]). The real one
 * (src/broker/metadata) is tested by the keeper-backed tests.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { ErrorCode } from '../../../src/protocol/errors.js';
import type {
  AlterConfigResult,
  ClusterMetadata,
  CreatableTopic,
  CreatePartitionsResult,
  CreatePartitionsTopic,
  CreateTopicResult,
  DeletableTopic,
  DeleteTopicResult,
  IsrUpdateResult,
  LeadershipChange,
  MetadataService,
  MetadataServiceConfig,
  ProducerIdBlock,
  TopicMetadata,
} from '../../../src/broker/metadata/metadata-service.js';

export class LocalMetadataService implements MetadataService {
  readonly brokerId: number;
  readonly brokerEpoch = 1n;
  private md: ClusterMetadata;
  private readonly updateListeners = new Set<(m: ClusterMetadata) => void>();
  private readonly leadershipListeners = new Set<(c: readonly LeadershipChange[]) => void>();
  private nextProducerId = 0n;
  private readonly cfg: MetadataServiceConfig;

  constructor(cfg: MetadataServiceConfig) {
    this.cfg = cfg;
    this.brokerId = cfg.brokerId;
    this.md = {
      clusterId: randomUUID().replace(/-/g, '').slice(0, 22),
      controllerId: cfg.brokerId,
      brokers: new Map([[cfg.brokerId, { id: cfg.brokerId, host: cfg.host, port: cfg.port, rack: cfg.rack ?? null }]]),
      topics: new Map(),
      topicsById: new Map(),
      brokerConfigs: new Map(),
    };
  }

  snapshot(): ClusterMetadata {
    return this.md;
  }

  onMetadataUpdate(listener: (m: ClusterMetadata) => void): () => void {
    this.updateListeners.add(listener);
    return () => this.updateListeners.delete(listener);
  }

  onLeadershipChange(listener: (c: readonly LeadershipChange[]) => void): () => void {
    this.leadershipListeners.add(listener);
    const current: LeadershipChange[] = [];
    for (const t of this.md.topics.values()) current.push(...this.leaderChanges(t, false));
    if (current.length > 0) listener(current);
    return () => this.leadershipListeners.delete(listener);
  }

  isController(): boolean {
    return true;
  }

  private leaderChanges(t: TopicMetadata, isNew: boolean): LeadershipChange[] {
    return t.partitions.map((p) => ({
      kind: 'become-leader' as const,
      topic: t.name,
      topicId: t.topicId,
      partition: p.partition,
      leader: this.brokerId,
      leaderEpoch: p.leaderEpoch,
      isr: p.isr,
      replicas: p.replicas,
      partitionEpoch: 0,
      controllerEpoch: 1,
      isNew,
    }));
  }

  private publish(topics: Map<string, TopicMetadata>, changes: LeadershipChange[]): void {
    this.md = { ...this.md, topics, topicsById: new Map([...topics.values()].map((t) => [t.topicId.toString('base64url'), t])) };
    for (const l of this.leadershipListeners) if (changes.length > 0) l(changes);
    for (const l of this.updateListeners) l(this.md);
  }

  private topicWith(name: string, topicId: Buffer, count: number, configs: Record<string, string>): TopicMetadata {
    const partitions = Array.from({ length: count }, (_, i) => ({ partition: i, leader: this.brokerId, leaderEpoch: 0, replicas: [this.brokerId], isr: [this.brokerId], offlineReplicas: [], partitionEpoch: 0 }));
    return { name, topicId, isInternal: name.startsWith('__'), partitions, configs, markedForDeletion: false };
  }

  async createTopics(topics: readonly CreatableTopic[], options: { validateOnly?: boolean } = {}): Promise<CreateTopicResult[]> {
    const next = new Map(this.md.topics);
    const changes: LeadershipChange[] = [];
    const results: CreateTopicResult[] = [];
    for (const t of topics) {
      const fail = (errorCode: number, errorMessage: string): CreateTopicResult => ({ name: t.name, errorCode, errorMessage, topicId: Buffer.alloc(16), numPartitions: -1, replicationFactor: -1, configs: {} });
      const n = t.assignments !== undefined && t.assignments.size > 0 ? t.assignments.size : t.numPartitions === -1 ? (this.cfg.numPartitions ?? 1) : t.numPartitions;
      const rf = t.replicationFactor === -1 ? (this.cfg.defaultReplicationFactor ?? 1) : t.replicationFactor;
      if (next.has(t.name)) results.push(fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`));
      else if (n <= 0) results.push(fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.'));
      else if (rf !== 1) results.push(fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: 1.`));
      else {
        const topic = this.topicWith(t.name, randomBytes(16), n, { ...t.configs });
        if (options.validateOnly !== true) {
          next.set(t.name, topic);
          changes.push(...this.leaderChanges(topic, true));
        }
        results.push({ name: t.name, errorCode: 0, errorMessage: null, topicId: topic.topicId, numPartitions: n, replicationFactor: rf, configs: t.configs });
      }
    }
    if (options.validateOnly !== true) this.publish(next, changes);
    return results;
  }

  async deleteTopics(topics: readonly DeletableTopic[]): Promise<DeleteTopicResult[]> {
    const next = new Map(this.md.topics);
    const changes: LeadershipChange[] = [];
    const results: DeleteTopicResult[] = [];
    for (const d of topics) {
      const t = d.name !== null ? next.get(d.name) : [...next.values()].find((x) => d.topicId !== null && x.topicId.equals(d.topicId));
      if (t === undefined) {
        results.push({ name: d.name, topicId: d.topicId ?? Buffer.alloc(16), errorCode: d.name !== null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.UNKNOWN_TOPIC_ID, errorMessage: null });
        continue;
      }
      next.delete(t.name);
      for (const p of t.partitions) changes.push({ kind: 'stop-replica', topic: t.name, topicId: t.topicId, partition: p.partition, deletePartition: true, controllerEpoch: 1 });
      results.push({ name: t.name, topicId: t.topicId, errorCode: 0, errorMessage: null });
    }
    this.publish(next, changes);
    return results;
  }

  async createPartitions(topics: readonly CreatePartitionsTopic[]): Promise<CreatePartitionsResult[]> {
    const next = new Map(this.md.topics);
    const changes: LeadershipChange[] = [];
    const results: CreatePartitionsResult[] = [];
    for (const c of topics) {
      const t = next.get(c.name);
      if (t === undefined) results.push({ name: c.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
      else if (c.count <= t.partitions.length) results.push({ name: c.name, errorCode: ErrorCode.INVALID_PARTITIONS, errorMessage: `Topic currently has ${t.partitions.length} partitions, which is higher than the requested ${c.count}.` });
      else {
        const grown = this.topicWith(t.name, t.topicId, c.count, { ...t.configs });
        next.set(t.name, grown);
        changes.push(...this.leaderChanges(grown, true).slice(t.partitions.length));
        results.push({ name: c.name, errorCode: 0, errorMessage: null });
      }
    }
    this.publish(next, changes);
    return results;
  }

  async alterConfigs(resource: { type: 'topic'; name: string } | { type: 'broker'; brokerId: number | null }, change: { kind: 'replace'; configs: Readonly<Record<string, string>> } | { kind: 'incremental'; ops: readonly { op: string; name: string; value?: string }[] }, options: { validateOnly?: boolean } = {}): Promise<AlterConfigResult> {
    if (resource.type !== 'topic') return { errorCode: ErrorCode.NONE, errorMessage: null };
    const t = this.md.topics.get(resource.name);
    if (t === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null };
    let configs: Record<string, string> = { ...t.configs };
    if (change.kind === 'replace') configs = { ...change.configs };
    else for (const op of change.ops) {
      if (op.op === 'set') configs[op.name] = op.value!;
      else if (op.op === 'delete') delete configs[op.name];
    }
    if (options.validateOnly === true) return { errorCode: 0, errorMessage: null };
    const next = new Map(this.md.topics);
    next.set(t.name, { ...t, configs });
    this.publish(next, []);
    return { errorCode: 0, errorMessage: null };
  }

  async allocateProducerIdBlock(): Promise<ProducerIdBlock> {
    const first = this.nextProducerId;
    this.nextProducerId += 1000n;
    return { brokerId: this.brokerId, firstProducerId: first, size: 1000 };
  }

  async updateIsr(): Promise<IsrUpdateResult> {
    return { errorCode: ErrorCode.NONE, partition: null };
  }

  async waitFor(predicate: (m: ClusterMetadata) => boolean): Promise<boolean> {
    return predicate(this.md);
  }

  async close(): Promise<void> {
    this.updateListeners.clear();
    this.leadershipListeners.clear();
  }
}
