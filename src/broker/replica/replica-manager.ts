/**
 * Kafka's ReplicaManager: the partitions this broker hosts, produce (append to leaders, wait for
 * acks=all in the produce purgatory) and fetch (read from leaders, long-poll in the fetch
 * purgatory), and the reaction to leadership changes (open logs, become leader / follower,
 * stop and delete replicas).
 *
 * Durability (ARCHITECTURE rule 5): an append is in the OS page cache when acknowledged
 * (acks=1 after the leader's write; acks=all once every ISR member has it, i.e. the HW passed
 * it) — Kafka's model: durability comes from replication, fsync from flush.messages/flush.ms.
 * A process crash (SIGKILL) loses nothing acknowledged; a machine crash may lose unflushed data.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import type { IsrUpdate, IsrUpdateResult, LeadershipChange } from '../metadata/metadata-service.js';
import { DelayedFetch } from './delayed-fetch.js';
import { DelayedProduce, type ProducePartitionStatus } from './delayed-produce.js';
import { Partition, type IsrProposal } from './partition.js';
import type { ReplicaFetcherControl } from './replica-fetcher-manager.js';
import type { IsolationLevelName, PartitionLog } from './partition-log.js';
import { DelayedOperationPurgatory, timerScheduler, type Scheduler } from './purgatory.js';
import { recordCountOf } from '../metrics/record-count.js';

/** How the replica layer reaches the storage layer's LogManager (structural). */
export interface LogProvider {
  getOrCreateLog(tp: { topic: string; partition: number }, overrides?: Readonly<Record<string, string | number>>): PartitionLog;
  deleteLog(tp: { topic: string; partition: number }): unknown;
  /** Writes replication-offset-checkpoint (every log's HW); optional for test doubles. */
  checkpointHighWatermarks?(): void;
  /** Applies a topic's config overrides to an open log (AlterConfigs). */
  updateConfig(tp: { topic: string; partition: number }, overrides: Readonly<Record<string, string | number>>): unknown;
}

export interface ProducePartitionInput {
  topic: string;
  partition: number;
  records: Buffer;
}

export interface ProducePartitionResult {
  topic: string;
  partition: number;
  errorCode: number;
  errorMessage: string | null;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
}

export interface FetchPartitionInput {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  /** An error decided before reading (unknown topic id ...): answered as is. */
  errorCode?: number;
}

export interface FetchPartitionData {
  topic: string;
  partition: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: Buffer | null;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
}

export interface FetchParams {
  /** -1 for consumers; a broker id for followers. */
  replicaId: number;
  maxWaitMs: number;
  minBytes: number;
  maxBytes: number;
  isolation: IsolationLevelName;
  partitions: readonly FetchPartitionInput[];
}

export interface ReplicaManagerOptions {
  brokerId: number;
  logs: LogProvider;
  clock: Clock;
  logger: Logger;
  metrics: BrokerMetrics;
  /** min.insync.replicas of a topic (its override or the broker's). */
  minInSyncReplicas(topic: string): number;
  /** Topic-level config overrides, passed when a log is created. */
  topicConfigs(topic: string): Readonly<Record<string, string>>;
  /** True when the topic exists in the cluster metadata (to tell NOT_LEADER from UNKNOWN). */
  topicPartitionExists(topic: string, partition: number): boolean;
  scheduler?: Scheduler;
  /**
   * The leader's ISR write (MetadataService.updateIsr: conditional on the partition epoch, plus
   * /isr_change_notification). Without it (unit tests) an ISR change is committed locally.
   */
  alterIsr?: (update: IsrUpdate) => Promise<IsrUpdateResult>;
  /** Followers' fetchers (ReplicaFetcherManager); without it this broker never follows. */
  replicaFetchers?: ReplicaFetcherControl;
  /** replica.lag.time.max.ms (default 30000): the ISR shrink check runs every half of it. */
  replicaLagTimeMaxMs?: number;
  /** replica.high.watermark.checkpoint.interval.ms (default 5000; 0 = none). */
  highWatermarkCheckpointIntervalMs?: number;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class ReplicaManager {
  readonly partitions = new Map<string, Partition>();
  readonly producePurgatory: DelayedOperationPurgatory<DelayedProduce>;
  readonly fetchPurgatory: DelayedOperationPurgatory<DelayedFetch>;

  private readonly scheduler: Scheduler;
  private readonly cancelTimers: (() => void)[] = [];
  private shutDown = false;

  constructor(private readonly o: ReplicaManagerOptions) {
    const scheduler = o.scheduler ?? timerScheduler;
    this.scheduler = scheduler;
    this.producePurgatory = new DelayedOperationPurgatory('Produce', scheduler);
    this.fetchPurgatory = new DelayedOperationPurgatory('Fetch', scheduler);
    o.metrics.onCollect(() => this.refreshGauges());
    // Kafka's isr-expiration task runs every replica.lag.time.max.ms / 2.
    this.every(Math.max(1, Math.floor(this.replicaLagTimeMaxMs / 2)), () => this.maybeShrinkIsr());
    const hwCheckpointMs = o.highWatermarkCheckpointIntervalMs ?? 5000;
    if (hwCheckpointMs > 0 && o.logs.checkpointHighWatermarks !== undefined) this.every(hwCheckpointMs, () => this.checkpointHighWatermarks());
  }

  get replicaLagTimeMaxMs(): number {
    return this.o.replicaLagTimeMaxMs ?? 30_000;
  }

  /** The fetchers of this broker's follower partitions (tests stop and restart a follower's fetching). */
  get replicaFetchers(): ReplicaFetcherControl | undefined {
    return this.o.replicaFetchers;
  }

  /** A periodic task on the injected scheduler (so tests drive it), rescheduled after each run. */
  private every(intervalMs: number, task: () => void): void {
    const slot = this.cancelTimers.length;
    const arm = (): void => {
      this.cancelTimers[slot] = this.scheduler.schedule(intervalMs, () => {
        if (this.shutDown) return;
        try {
          task();
        } catch (err) {
          this.o.logger.error({ err }, 'periodic replica task failed');
        }
        arm();
      });
    };
    this.cancelTimers.push(() => undefined);
    arm();
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(tpKey(topic, partition));
  }

  /** The leader's partition, or a KafkaError with Kafka's code for why not. */
  leaderPartitionOrError(topic: string, partition: number, currentLeaderEpoch = -1): { partition: Partition; log: PartitionLog } {
    const p = this.getPartition(topic, partition);
    if (p === undefined) {
      if (this.o.topicPartitionExists(topic, partition)) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${topic}-${partition} is not hosted here`);
      throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `${topic}-${partition}`);
    }
    return { partition: p, log: p.leaderLogOrError(currentLeaderEpoch) };
  }

  // ------------------------------------------------------------------ leadership

  applyLeadershipChanges(changes: readonly LeadershipChange[]): void {
    const nowMs = this.o.clock.monotonicMs();
    for (const c of changes) {
      const key = tpKey(c.topic, c.partition);
      if (c.kind === 'stop-replica') {
        const p = this.partitions.get(key);
        this.o.replicaFetchers?.removeFetcherForPartition(c.topic, c.partition);
        this.partitions.delete(key);
        if (p !== undefined) {
          p.leaderId = -1;
          this.wakeUp(key);
        }
        if (c.deletePartition) {
          try {
            this.o.logs.deleteLog({ topic: c.topic, partition: c.partition });
          } catch (err) {
            this.o.logger.warn({ err, partition: key }, 'deleting a log failed');
          }
        }
        continue;
      }
      const topicId = c.topicId.toString('base64url');
      let p = this.partitions.get(key);
      if (p === undefined) {
        p = new Partition(c.topic, c.partition, this.o.brokerId, topicId);
        this.partitions.set(key, p);
      }
      p.topicId = topicId;
      const log = p.log ?? this.o.logs.getOrCreateLog({ topic: c.topic, partition: c.partition }, this.o.topicConfigs(c.topic));
      if (c.kind === 'become-leader') {
        this.o.replicaFetchers?.removeFetcherForPartition(c.topic, c.partition);
        p.makeLeader(c, log, nowMs);
      } else if (p.makeFollower(c, log)) {
        // A new leader or leader epoch: (re)start following it, truncating first (KIP-101).
        if (c.leader >= 0 && c.leader !== this.o.brokerId) this.o.replicaFetchers?.addFetcherForPartition(p);
        else this.o.replicaFetchers?.removeFetcherForPartition(c.topic, c.partition);
      }
      this.o.logger.debug({ partition: key, role: c.kind, leaderEpoch: c.leaderEpoch }, 'leadership change');
      this.wakeUp(key);
    }
  }

  /** Something changed for a partition: complete delayed operations that were waiting on it. */
  wakeUp(key: string): void {
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
  }

  /** A topic's overrides changed (AlterConfigs): re-apply them to its open logs. */
  updateTopicConfig(topic: string, overrides: Readonly<Record<string, string>>): void {
    for (const p of this.partitions.values()) {
      if (p.topic !== topic || p.log === null) continue;
      try {
        this.o.logs.updateConfig({ topic, partition: p.partition }, overrides);
      } catch (err) {
        this.o.logger.warn({ err, topic }, 'applying topic config failed');
      }
    }
  }

  // ------------------------------------------------------------------ produce

  /**
   * Appends to leaders. `done` is called once with the per-partition results: at once for
   * acks 0/1 (and for acks=all when nothing waits), or when the DelayedProduce completes.
   * Returns a function that completes a waiting produce at once (its connection closed), or null.
   */
  appendRecords(timeoutMs: number, requiredAcks: number, entries: readonly ProducePartitionInput[], done: (results: ProducePartitionResult[]) => void): (() => void) | null {
    const statuses: ProducePartitionStatus[] = [];
    for (const e of entries) statuses.push(this.appendToLocalLog(e, requiredAcks));
    const waiting = requiredAcks === -1 && statuses.some((s) => s.acksPending);
    if (!waiting) {
      done(statuses.map((s) => s.result));
      return null;
    }
    const op = new DelayedProduce(Math.max(0, timeoutMs), statuses, (p) => this.o.minInSyncReplicas(p.topic), done);
    if (this.producePurgatory.tryCompleteElseWatch(
      op,
      statuses.map((s) => s.partition.key),
    )) return null;
    return () => this.producePurgatory.cancel(op);
  }

  private appendToLocalLog(e: ProducePartitionInput, requiredAcks: number): ProducePartitionStatus {
    const base: ProducePartitionResult = { topic: e.topic, partition: e.partition, errorCode: 0, errorMessage: null, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
    let partition: Partition | undefined;
    try {
      const found = this.leaderPartitionOrError(e.topic, e.partition);
      partition = found.partition;
      const info = partition.appendRecordsToLeader(e.records, requiredAcks, this.o.minInSyncReplicas(e.topic));
      if (!info.duplicate) {
        this.o.metrics.bytesIn.inc({ topic: e.topic }, e.records.length);
        this.o.metrics.messagesIn.inc({ topic: e.topic }, info.recordCount);
      }
      const key = partition.key;
      // New data: fetches waiting on this partition may complete (the HW may have moved).
      this.fetchPurgatory.checkAndComplete(key);
      return {
        partition,
        requiredOffset: info.lastOffset + 1n,
        acksPending: requiredAcks === -1,
        result: { ...base, baseOffset: info.firstOffset, logAppendTimeMs: BigInt(info.logAppendTimeMs), logStartOffset: info.logStartOffset },
      };
    } catch (err) {
      this.o.metrics.failedProduceRequests.inc({ topic: e.topic });
      const { code, message } = kafkaCodeOf(err, this.o.logger, `append to ${e.topic}-${e.partition}`);
      return {
        partition: partition ?? new Partition(e.topic, e.partition, this.o.brokerId, ''),
        requiredOffset: 0n,
        acksPending: false,
        result: { ...base, errorCode: code, errorMessage: message },
      };
    }
  }

  // ------------------------------------------------------------------ fetch

  /**
   * Reads now; if fewer than minBytes and maxWaitMs > 0, waits in the purgatory. Returns a
   * function that completes a waiting fetch at once (its connection closed), or null.
   */
  fetchMessages(params: FetchParams, done: (data: FetchPartitionData[]) => void): (() => void) | null {
    const first = this.readFromLocalLog(params);
    const bytes = first.reduce((n, d) => n + (d.records?.length ?? 0), 0);
    const anyError = first.some((d) => d.errorCode !== ErrorCode.NONE);
    if (params.maxWaitMs <= 0 || params.partitions.length === 0 || bytes >= params.minBytes || anyError) {
      done(first);
      return null;
    }
    const op = new DelayedFetch(params.maxWaitMs, () => this.availableBytes(params), params.minBytes, () => done(this.readFromLocalLog(params)));
    if (this.fetchPurgatory.tryCompleteElseWatch(
      op,
      params.partitions.map((p) => tpKey(p.topic, p.partition)),
    )) return null;
    return () => this.fetchPurgatory.cancel(op);
  }

  private availableBytes(params: FetchParams): number {
    let total = 0;
    for (const p of params.partitions) {
      let log: PartitionLog;
      try {
        log = this.leaderPartitionOrError(p.topic, p.partition, p.currentLeaderEpoch).log;
      } catch {
        return Infinity;
      }
      const bound = params.replicaId >= 0 ? log.logEndOffset : params.isolation === 'read_committed' ? log.lastStableOffset : log.highWatermark;
      // Out of range answers now; between the visible end and the LEO nothing is readable yet,
      // so the fetch keeps waiting (Kafka's DelayedFetch accumulates nothing for it).
      if (p.fetchOffset > log.logEndOffset || p.fetchOffset < log.logStartOffset) return Infinity;
      if (p.fetchOffset >= bound) continue;
      if (params.minBytes <= 1) return Infinity;
      try {
        total += log.read(p.fetchOffset, { maxBytes: p.maxBytes, minOneMessage: false, isolation: params.isolation, upperBound: params.replicaId >= 0 ? 'leo' : undefined }).records.length;
      } catch {
        return Infinity;
      }
      if (total >= params.minBytes) return total;
    }
    return total;
  }

  /** Kafka's readFromLocalLog: partitions in request order within the response byte budget (KIP-74). */
  readFromLocalLog(params: FetchParams): FetchPartitionData[] {
    let budget = params.maxBytes;
    let minOneMessage = true;
    const out: FetchPartitionData[] = [];
    for (const p of params.partitions) {
      const d = this.readPartition(p, params, Math.min(p.maxBytes, Math.max(0, budget)), minOneMessage);
      const n = d.records?.length ?? 0;
      if (n > 0) {
        minOneMessage = false;
        budget -= n;
      }
      // As Kafka's BytesOutPerSec / MessagesOutPerSec: what consumers read, not replication traffic.
      if (n > 0 && params.replicaId < 0) {
        this.o.metrics.bytesOut.inc({ topic: p.topic }, n);
        this.o.metrics.messagesOut.inc({ topic: p.topic }, recordCountOf(d.records!));
      }
      out.push(d);
    }
    return out;
  }

  private readPartition(p: FetchPartitionInput, params: FetchParams, maxBytes: number, minOneMessage: boolean): FetchPartitionData {
    const empty = { topic: p.topic, partition: p.partition, highWatermark: -1n, lastStableOffset: -1n, logStartOffset: -1n, records: null, abortedTransactions: null };
    if (p.errorCode !== undefined && p.errorCode !== ErrorCode.NONE) return { ...empty, errorCode: p.errorCode };
    let log: PartitionLog;
    let partition: Partition;
    try {
      ({ partition, log } = this.leaderPartitionOrError(p.topic, p.partition, p.currentLeaderEpoch));
    } catch (err) {
      this.o.metrics.failedFetchRequests.inc({ topic: p.topic });
      return { ...empty, errorCode: kafkaCodeOf(err, this.o.logger, `fetch ${p.topic}-${p.partition}`).code };
    }
    const follower = params.replicaId >= 0;
    // A follower's fetch offset is its LEO; one outside the leader's log is answered
    // OFFSET_OUT_OF_RANGE below and tells the leader nothing.
    if (follower && p.fetchOffset >= log.logStartOffset && p.fetchOffset <= log.logEndOffset) {
      const { hwMoved, proposal } = partition.updateFollowerFetchState(params.replicaId, p.fetchOffset, this.o.clock.monotonicMs());
      if (hwMoved) {
        // The HW moved: acks=all produces and consumers' long polls waiting on it may complete.
        this.producePurgatory.checkAndComplete(partition.key);
        this.fetchPurgatory.checkAndComplete(partition.key);
      }
      if (proposal !== null) this.alterIsr(partition, proposal);
    }
    const status = { highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset };
    if (follower && !partition.remoteReplicas.has(params.replicaId)) {
      // As Kafka: a replica id that is not an assigned follower gets no records (it is not
      // allowed the follower's view up to the LEO).
      this.o.logger.warn({ partition: partition.key, replicaId: params.replicaId, replicas: partition.replicas }, 'fetch from a replica id that is not an assigned follower: empty records');
      return { ...empty, ...status, errorCode: ErrorCode.NONE, records: Buffer.alloc(0) };
    }
    try {
      const r = log.read(p.fetchOffset, { maxBytes, minOneMessage, isolation: follower ? 'read_uncommitted' : params.isolation, upperBound: follower ? 'leo' : undefined });
      return {
        topic: p.topic,
        partition: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: r.highWatermark,
        lastStableOffset: r.lastStableOffset,
        logStartOffset: r.logStartOffset,
        records: r.records,
        abortedTransactions: params.isolation === 'read_committed' ? (r.abortedTransactions ?? []) : null,
      };
    } catch (err) {
      this.o.metrics.failedFetchRequests.inc({ topic: p.topic });
      return { ...empty, ...status, errorCode: kafkaCodeOf(err, this.o.logger, `read ${p.topic}-${p.partition}`).code };
    }
  }

  // ------------------------------------------------------------------ housekeeping

  private refreshGauges(): void {
    let leaders = 0;
    let under = 0;
    this.o.metrics.logSize.reset();
    for (const p of this.partitions.values()) {
      if (p.isLeader) leaders++;
      if (p.isUnderReplicated) under++;
      const size = p.log?.size;
      if (typeof size === 'number') this.o.metrics.logSize.set({ topic: p.topic, partition: String(p.partition) }, size);
    }
    this.o.metrics.partitionCount.set(this.partitions.size);
    this.o.metrics.leaderCount.set(leaders);
    this.o.metrics.underReplicatedPartitions.set(under);
    this.o.metrics.purgatorySize.set({ delayedOperation: 'Produce' }, this.producePurgatory.size);
    this.o.metrics.purgatorySize.set({ delayedOperation: 'Fetch' }, this.fetchPurgatory.size);
  }

  // ------------------------------------------------------------------ ISR

  /** Kafka's maybeShrinkIsr over the partitions this broker leads. */
  maybeShrinkIsr(): void {
    const nowMs = this.o.clock.monotonicMs();
    for (const p of this.partitions.values()) {
      const proposal = p.maybeShrinkIsr(nowMs, this.replicaLagTimeMaxMs);
      if (proposal !== null) this.alterIsr(p, proposal);
    }
  }

  /**
   * Writes an ISR change proposed by a leader partition and reports the outcome back to it.
   * The write is conditional on the partition epoch; on a conflict the partition takes the
   * state read back (Kafka's AlterPartition / updateLeaderAndIsr), and the next fetch or check
   * proposes again if the change is still due.
   */
  private alterIsr(partition: Partition, proposal: IsrProposal): void {
    const log = this.o.logger;
    const finish = (result: IsrUpdateResult | null): void => {
      const before = partition.isr;
      if (partition.completeIsrUpdate(proposal, result)) this.wakeUp(partition.key);
      else if (partition.isr !== before) this.producePurgatory.checkAndComplete(partition.key);
      if (result !== null && result.errorCode === ErrorCode.NONE) {
        log.info({ partition: partition.key, from: before, to: proposal.isr, leaderEpoch: proposal.leaderEpoch }, proposal.isr.length > before.length ? 'ISR expanded' : 'ISR shrunk');
      } else {
        log.info({ partition: partition.key, proposed: proposal.isr, errorCode: result?.errorCode }, 'ISR change not written');
      }
    };
    const write = this.o.alterIsr;
    if (write === undefined) {
      finish({ errorCode: ErrorCode.NONE, partition: { partition: partition.partition, leader: partition.leaderId, leaderEpoch: partition.leaderEpoch, replicas: partition.replicas, isr: proposal.isr, offlineReplicas: [], partitionEpoch: proposal.partitionEpoch + 1 } });
      return;
    }
    write({ topic: proposal.topic, partition: proposal.partition, leaderEpoch: proposal.leaderEpoch, isr: [...proposal.isr], partitionEpoch: proposal.partitionEpoch }).then(
      (result) => finish(result),
      (err: unknown) => {
        log.warn({ err, partition: partition.key }, 'ISR write failed');
        finish(null);
      },
    );
  }

  private checkpointHighWatermarks(): void {
    try {
      this.o.logs.checkpointHighWatermarks?.();
    } catch (err) {
      this.o.logger.warn({ err }, 'writing replication-offset-checkpoint failed');
    }
  }

  shutdown(): void {
    this.shutDown = true;
    for (const cancel of this.cancelTimers) cancel();
    void this.o.replicaFetchers?.shutdown();
    this.producePurgatory.shutdown();
    this.fetchPurgatory.shutdown();
  }
}

/** A Kafka error code for a failure; unexpected errors are logged and become UNKNOWN_SERVER_ERROR. */
export function kafkaCodeOf(err: unknown, logger: Logger, what: string): { code: number; message: string | null } {
  if (err instanceof KafkaError) return { code: err.errorCode, message: err.message };
  logger.error({ err }, `${what} failed`);
  return { code: ErrorCode.UNKNOWN_SERVER_ERROR, message: err instanceof Error ? err.message : String(err) };
}
