/**
 * The group coordinator's shell (Kafka's GroupCoordinatorService + CoordinatorRuntime): one
 * deterministic GroupCoordinatorShard per `__consumer_offsets` partition this broker leads, fed
 * with requests and timer ticks, whose outputs it carries out:
 *
 *  - replies: resolve the waiting handler's promise;
 *  - appends: encode the records as one RecordBatch and append it to the shard's partition with
 *    acks=all through the ReplicaManager; completions are handed back to the shard in append
 *    order, and the replies waiting on them are released only then (committed = appended and
 *    below the high watermark — Kafka's rule);
 *  - deadlines: one timer per shard, re-armed to the shard's next deadline after every step.
 *
 * Leadership: becoming leader of a partition loads it (replays the log up to the high watermark;
 * COORDINATOR_LOAD_IN_PROGRESS meanwhile); losing it unloads the shard (NOT_COORDINATOR to what
 * waits). The group's partition is abs(javaHashCode(groupId)) % partitions, as in Kafka, and
 * the topic is created on the first FindCoordinator (compacted, internal).
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { encodeRecordBatch, iterateRecordBatch, isControlBatch, splitBatches } from '../../protocol/records/index.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { BrokerConfig } from '../config/broker-config.js';
import type { LeadershipChange, MetadataService, Unsubscribe } from '../metadata/metadata-service.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { JoinGroupInput, RequestOrigin } from './classic-group-manager.js';
import type { Append, ShardOutput } from './effects.js';
import type { GroupConfig } from './group-config.js';
import { GroupCoordinatorShard } from './group-coordinator-shard.js';
import { registerGroupMetrics } from './group-metrics.js';
import { CONSUMER_OFFSETS_TOPIC, decodeCoordinatorRecord, encodeRecordKey, encodeRecordValue, partitionForGroup, type CoordinatorRecord } from './records.js';

export interface GroupCoordinatorOptions {
  brokerId: number;
  config: GroupConfig;
  /** offsets.topic.num.partitions / offsets.topic.replication.factor / offsets.topic.segment.bytes. */
  offsetsTopicPartitions: number;
  offsetsTopicReplicationFactor: number;
  offsetsTopicSegmentBytes: number;
  /** offsets.commit.timeout.ms: how long an append waits for acks=all. */
  offsetsCommitTimeoutMs: number;
  metadata: MetadataService;
  replicaManager: ReplicaManager;
  clock: Clock;
  logger: Logger;
  /** Where the NumGroups / NumOffsets gauges go (optional in tests). */
  metrics?: BrokerMetrics;
}

/** Builds the coordinator's settings from server.properties. */
export function groupConfigFrom(config: BrokerConfig): GroupConfig {
  return {
    initialRebalanceDelayMs: config.int('group.initial.rebalance.delay.ms'),
    minSessionTimeoutMs: config.int('group.min.session.timeout.ms'),
    maxSessionTimeoutMs: config.int('group.max.session.timeout.ms'),
    maxGroupSize: config.int('group.max.size'),
    offsetsRetentionMs: config.int('offsets.retention.minutes') * 60_000,
    offsetsRetentionCheckIntervalMs: config.long('offsets.retention.check.interval.ms'),
    offsetMetadataMaxBytes: config.int('offset.metadata.max.bytes'),
  };
}

/** Kafka's mapping of append errors to what coordinator clients understand (GroupMetadataManager). */
export function coordinatorErrorOf(appendError: number): number {
  switch (appendError) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

interface InflightAppend {
  readonly append: Append;
  errorCode: number | null;
}

interface ShardSlot {
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly shard: GroupCoordinatorShard;
  loading: boolean;
  timer: NodeJS.Timeout | null;
  readonly inflight: InflightAppend[];
}

/** How long FindCoordinator waits for the leaders of a just-created offsets topic. */
const TOPIC_CREATION_WAIT_MS = 1000;
/** Bytes read per step while loading a partition (Kafka's offsets.load.buffer.size default). */
const LOAD_BUFFER_BYTES = 5 * 1024 * 1024;

export interface CoordinatorEndpoint {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export class GroupCoordinator {
  private readonly slots = new Map<number, ShardSlot>();
  /** Requests waiting for their reply: the resolver, and how to answer if the coordinator stops first. */
  private readonly waiting = new Map<number, { resolve: (response: object) => void; errorReply: (errorCode: number) => object }>();
  private requestSeq = 0;
  private unsubscribe: Unsubscribe | null = null;
  private creatingTopic: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly o: GroupCoordinatorOptions) {
    if (o.metrics !== undefined) registerGroupMetrics(o.metrics, () => [...this.slots.values()].filter((s) => !s.loading).map((s) => s.shard));
  }

  /** Follows leadership of `__consumer_offsets` partitions (call after the ReplicaManager subscribed). */
  start(): void {
    this.unsubscribe = this.o.metadata.onLeadershipChange((changes) => this.onLeadershipChange(changes));
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const slot of [...this.slots.values()]) this.unloadSlot(slot);
    for (const w of this.waiting.values()) w.resolve(w.errorReply(ErrorCode.NOT_COORDINATOR));
    this.waiting.clear();
  }

  /** The partition count in use: the topic's if it exists, else offsets.topic.num.partitions. */
  numPartitions(): number {
    const t = this.o.metadata.snapshot().topics.get(CONSUMER_OFFSETS_TOPIC);
    return t !== undefined && t.partitions.length > 0 ? t.partitions.length : this.o.offsetsTopicPartitions;
  }

  partitionFor(groupId: string): number {
    return partitionForGroup(groupId, this.numPartitions());
  }

  // ------------------------------------------------------------------ FindCoordinator

  /** The leader of the group's partition, creating `__consumer_offsets` on first use. */
  async findGroupCoordinator(groupId: string): Promise<CoordinatorEndpoint> {
    const unavailable = (message: string): CoordinatorEndpoint => ({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: message, nodeId: -1, host: '', port: -1 });
    let md = this.o.metadata.snapshot();
    if (!md.topics.has(CONSUMER_OFFSETS_TOPIC)) {
      await this.createOffsetsTopic();
      md = this.o.metadata.snapshot();
    }
    const topic = md.topics.get(CONSUMER_OFFSETS_TOPIC);
    if (topic === undefined || topic.partitions.length === 0) return unavailable('the offsets topic is being created');
    const p = topic.partitions[partitionForGroup(groupId, topic.partitions.length)];
    const leader = p === undefined || p.leader === -1 ? undefined : md.brokers.get(p.leader);
    if (leader === undefined) return unavailable('the coordinator partition has no leader');
    return { errorCode: ErrorCode.NONE, errorMessage: null, nodeId: leader.id, host: leader.host, port: leader.port };
  }

  private createOffsetsTopic(): Promise<void> {
    if (this.creatingTopic !== null) return this.creatingTopic;
    const md = this.o.metadata.snapshot();
    const replicationFactor = Math.max(1, Math.min(this.o.offsetsTopicReplicationFactor, md.brokers.size));
    this.creatingTopic = (async () => {
      try {
        const [r] = await this.o.metadata.createTopics([
          {
            name: CONSUMER_OFFSETS_TOPIC,
            numPartitions: this.o.offsetsTopicPartitions,
            replicationFactor,
            configs: { 'cleanup.policy': 'compact', 'compression.type': 'producer', 'segment.bytes': String(this.o.offsetsTopicSegmentBytes) },
          },
        ], { timeoutMs: 0 });
        if (r !== undefined && r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          this.o.logger.warn({ errorCode: r.errorCode, message: r.errorMessage }, 'creating __consumer_offsets failed');
          return;
        }
        if (r?.errorCode === ErrorCode.NONE) this.o.logger.info({ partitions: this.o.offsetsTopicPartitions, replicationFactor }, 'created __consumer_offsets');
        await this.o.metadata.waitFor((m) => {
          const t = m.topics.get(CONSUMER_OFFSETS_TOPIC);
          return t !== undefined && t.partitions.length > 0 && t.partitions.every((x) => x.leader !== -1);
        }, TOPIC_CREATION_WAIT_MS);
      } finally {
        this.creatingTopic = null;
      }
    })();
    return this.creatingTopic;
  }

  // ------------------------------------------------------------------ requests

  /** Runs one operation on the group's shard; resolves with its reply (which may come after appends). */
  private run<R extends object>(groupId: string, errorReply: (errorCode: number) => R, op: (shard: GroupCoordinatorShard, requestId: number, nowMs: number) => ShardOutput): Promise<R> {
    const slot = this.slots.get(this.partitionFor(groupId));
    if (this.stopped || slot === undefined) return Promise.resolve(errorReply(ErrorCode.NOT_COORDINATOR));
    if (slot.loading) return Promise.resolve(errorReply(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    const requestId = ++this.requestSeq;
    const promise = new Promise<R>((resolve) => this.waiting.set(requestId, { resolve: resolve as (r: object) => void, errorReply }));
    this.process(slot, op(slot.shard, requestId, this.o.clock.nowMs()));
    return promise;
  }

  /** A read of a loaded shard: the value, or the coordinator error for the group. */
  private read<R>(groupId: string, f: (shard: GroupCoordinatorShard) => R): { errorCode: number; value?: R } {
    const slot = this.slots.get(this.partitionFor(groupId));
    if (this.stopped || slot === undefined) return { errorCode: ErrorCode.NOT_COORDINATOR };
    if (slot.loading) return { errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS };
    return { errorCode: ErrorCode.NONE, value: f(slot.shard) };
  }

  origin(requestId: number, apiVersion: number, clientId: string | null, clientAddress: string): RequestOrigin {
    const host = clientAddress.includes(':') ? clientAddress.slice(0, clientAddress.lastIndexOf(':')) : clientAddress;
    return { requestId, apiVersion, clientId: clientId ?? '', clientHost: `/${host}` };
  }

  joinGroup<R extends object>(who: ClientInfo, req: Omit<JoinGroupInput, 'newMemberId'>, errorReply: (code: number) => R): Promise<R> {
    const newMemberId = `${who.clientId ?? ''}-${randomUUID()}`;
    return this.run(req.groupId, errorReply, (s, id, now) => s.joinGroup(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), { ...req, newMemberId }, now));
  }

  syncGroup<R extends object>(who: ClientInfo, req: Parameters<GroupCoordinatorShard['syncGroup']>[1], errorReply: (code: number) => R): Promise<R> {
    return this.run(req.groupId, errorReply, (s, id, now) => s.syncGroup(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), req, now));
  }

  heartbeat<R extends object>(who: ClientInfo, req: Parameters<GroupCoordinatorShard['heartbeat']>[1], errorReply: (code: number) => R): Promise<R> {
    return this.run(req.groupId, errorReply, (s, id, now) => s.heartbeat(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), req, now));
  }

  leaveGroup<R extends object>(who: ClientInfo, req: Parameters<GroupCoordinatorShard['leaveGroup']>[1], errorReply: (code: number) => R): Promise<R> {
    return this.run(req.groupId, errorReply, (s, id, now) => s.leaveGroup(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), req, now));
  }

  commitOffsets<R extends object>(who: ClientInfo, req: Parameters<GroupCoordinatorShard['commitOffsets']>[1], errorReply: (code: number) => R): Promise<R> {
    return this.run(req.groupId, errorReply, (s, id, now) => s.commitOffsets(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), req, now));
  }

  deleteOffsets<R extends object>(who: ClientInfo, groupId: string, topics: Parameters<GroupCoordinatorShard['deleteOffsets']>[2], errorReply: (code: number) => R): Promise<R> {
    return this.run(groupId, errorReply, (s, id) => s.deleteOffsets(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), groupId, topics));
  }

  /** DeleteGroups: groups are split by shard; results come back in request order. */
  async deleteGroups(who: ClientInfo, groupIds: readonly string[]): Promise<{ groupId: string; errorCode: number }[]> {
    const byPartition = new Map<number, string[]>();
    for (const g of groupIds) {
      const p = this.partitionFor(g);
      byPartition.set(p, [...(byPartition.get(p) ?? []), g]);
    }
    const results = new Map<string, number>();
    await Promise.all(
      [...byPartition.values()].map(async (ids) => {
        const r = await this.run(ids[0]!, (code) => ({ results: ids.map((groupId) => ({ groupId, errorCode: code })) }), (s, id, now) =>
          s.deleteGroups(this.origin(id, who.apiVersion, who.clientId, who.clientAddress), ids, now),
        );
        for (const x of r.results) results.set(x.groupId, x.errorCode);
      }),
    );
    return groupIds.map((groupId) => ({ groupId, errorCode: results.get(groupId) ?? ErrorCode.UNKNOWN_SERVER_ERROR }));
  }

  fetchOffsets(groupId: string, topics: Parameters<GroupCoordinatorShard['fetchOffsets']>[1], requireStable: boolean) {
    return this.read(groupId, (s) => s.fetchOffsets(groupId, topics, requireStable));
  }

  describeGroup(groupId: string) {
    return this.read(groupId, (s) => s.describeGroup(groupId));
  }

  /** Groups of every loaded shard; `loading` is true when some partition this broker leads is still loading. */
  listGroups(): { loading: boolean; groups: ReturnType<GroupCoordinatorShard['listGroups']> } {
    let loading = false;
    const groups: ReturnType<GroupCoordinatorShard['listGroups']> = [];
    for (const slot of this.slots.values()) {
      if (slot.loading) loading = true;
      else groups.push(...slot.shard.listGroups());
    }
    return { loading, groups };
  }

  // ------------------------------------------------------------------ carrying out outputs

  private process(slot: ShardSlot, out: ShardOutput): void {
    this.release(out.replies);
    for (const a of out.appends) this.appendToLog(slot, a);
    this.armTimer(slot);
  }

  private release(replies: readonly { requestId: number; response: object }[]): void {
    for (const r of replies) {
      const w = this.waiting.get(r.requestId);
      if (w === undefined) continue;
      this.waiting.delete(r.requestId);
      w.resolve(r.response);
    }
  }

  private appendToLog(slot: ShardSlot, append: Append): void {
    const entry: InflightAppend = { append, errorCode: null };
    slot.inflight.push(entry);
    let batch: Buffer;
    try {
      batch = encodeBatch(append.records, this.o.clock.nowMs());
    } catch (err) {
      this.o.logger.error({ err }, 'encoding coordinator records failed');
      entry.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
      this.drainCompletions(slot);
      return;
    }
    this.o.replicaManager.appendRecords(this.o.offsetsCommitTimeoutMs, -1, [{ topic: CONSUMER_OFFSETS_TOPIC, partition: slot.partition, records: batch }], (results) => {
      const code = results[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      if (code !== ErrorCode.NONE) this.o.logger.warn({ partition: slot.partition, errorCode: code, message: results[0]?.errorMessage }, 'coordinator append failed');
      entry.errorCode = coordinatorErrorOf(code);
      this.drainCompletions(slot);
    });
  }

  /** Hands completed appends back to the shard in append order. */
  private drainCompletions(slot: ShardSlot): void {
    if (this.slots.get(slot.partition) !== slot) return;
    while (slot.inflight.length > 0 && slot.inflight[0]!.errorCode !== null) {
      const done = slot.inflight.shift()!;
      this.process(slot, slot.shard.appendCompleted(done.append.appendId, done.append.records, done.errorCode!, this.o.clock.nowMs()));
    }
  }

  private armTimer(slot: ShardSlot): void {
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    if (this.stopped || slot.loading || this.slots.get(slot.partition) !== slot) return;
    const next = slot.shard.nextDeadlineMs();
    if (!Number.isFinite(next)) return;
    // Capped so a wall-clock jump cannot park a shard for long.
    const delayMs = Math.min(Math.max(0, next - this.o.clock.nowMs()), 60_000);
    slot.timer = setTimeout(() => {
      slot.timer = null;
      if (this.slots.get(slot.partition) === slot) this.process(slot, slot.shard.tick(this.o.clock.nowMs()));
    }, delayMs);
    slot.timer.unref();
  }

  // ------------------------------------------------------------------ leadership and loading

  private onLeadershipChange(changes: readonly LeadershipChange[]): void {
    for (const c of changes) {
      if (c.topic !== CONSUMER_OFFSETS_TOPIC || this.stopped) continue;
      const current = this.slots.get(c.partition);
      if (c.kind === 'become-leader') {
        if (current !== undefined && current.leaderEpoch === c.leaderEpoch) continue;
        if (current !== undefined) this.unloadSlot(current);
        this.loadSlot(c.partition, c.leaderEpoch);
      } else if (current !== undefined) {
        this.unloadSlot(current);
      }
    }
  }

  private unloadSlot(slot: ShardSlot): void {
    if (this.slots.get(slot.partition) === slot) this.slots.delete(slot.partition);
    if (slot.timer !== null) clearTimeout(slot.timer);
    slot.timer = null;
    this.release(slot.shard.unload().replies);
    this.o.logger.debug({ partition: slot.partition }, 'unloaded group coordinator partition');
  }

  private loadSlot(partition: number, leaderEpoch: number): void {
    const nowMs = this.o.clock.nowMs();
    const slot: ShardSlot = { partition, leaderEpoch, shard: new GroupCoordinatorShard(partition, this.o.config, nowMs), loading: true, timer: null, inflight: [] };
    this.slots.set(partition, slot);
    void this.load(slot).then(
      (records) => {
        if (this.slots.get(partition) !== slot) return;
        slot.loading = false;
        // Empty partitions (most of the 50 on a new cluster) are not worth an info line each.
        const level = records > 0 ? 'info' : 'debug';
        this.o.logger[level]({ partition, records, groups: slot.shard.groups.size }, 'loaded group coordinator partition');
        this.armTimer(slot);
      },
      (err: unknown) => {
        this.o.logger.error({ err, partition }, 'loading group coordinator partition failed');
        if (this.slots.get(partition) === slot) this.slots.delete(partition);
      },
    );
  }

  /** Replays the partition from its log start up to the high watermark, yielding between reads. */
  private async load(slot: ShardSlot): Promise<number> {
    let count = 0;
    let offset: bigint | null = null;
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.slots.get(slot.partition) !== slot) return count;
      const log = this.o.replicaManager.getPartition(CONSUMER_OFFSETS_TOPIC, slot.partition)?.log;
      if (log === undefined || log === null) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `no log for ${CONSUMER_OFFSETS_TOPIC}-${slot.partition}`);
      offset ??= log.logStartOffset;
      if (offset >= log.highWatermark) return count;
      const read = log.read(offset, { maxBytes: LOAD_BUFFER_BYTES, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'hw' });
      const { batches } = splitBatches(read.records);
      if (batches.length === 0) return count;
      const nowMs = this.o.clock.nowMs();
      for (const b of batches) {
        const { header, records } = iterateRecordBatch(b);
        offset = header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
        if (isControlBatch(header.attributes)) continue;
        for (const rec of records) {
          let r: CoordinatorRecord | null;
          try {
            r = decodeCoordinatorRecord(rec.key, rec.value);
          } catch (err) {
            this.o.logger.warn({ err, partition: slot.partition, offset: rec.offset.toString() }, 'skipping an undecodable __consumer_offsets record');
            continue;
          }
          if (r === null) continue;
          slot.shard.replay(r, nowMs, true);
          count++;
        }
      }
    }
  }
}

/** Who sent a request (for member ids, client ids and hosts). */
export interface ClientInfo {
  readonly apiVersion: number;
  readonly clientId: string | null;
  readonly clientAddress: string;
}

function encodeBatch(records: readonly CoordinatorRecord[], nowMs: number): Buffer {
  const timestamp = BigInt(nowMs);
  return encodeRecordBatch({ records: records.map((r) => ({ key: encodeRecordKey(r), value: encodeRecordValue(r), timestamp })) });
}
