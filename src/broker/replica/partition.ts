/**
 * Kafka's Partition: one topic-partition hosted by this broker, as leader or follower, with its
 * log, leader epoch, replica set and ISR. The leader owns the high watermark: the smallest log
 * end offset among ISR members (its own LEO and what followers have fetched up to), never
 * moving back. acks=all appends wait until the HW passes them.
 *
 * Follower fetching across brokers is the replication work's; the bookkeeping it feeds
 * (`updateFollowerFetchState`) is here so that HW and ISR stay in one place.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { LogAppendResult, PartitionLog } from './partition-log.js';

export interface ReplicaState {
  /** The follower's log end offset as reported by its last fetch; -1n before the first. */
  logEndOffset: bigint;
  lastCaughtUpTimeMs: number;
}

export class Partition {
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = 0;
  replicas: readonly number[] = [];
  isr: readonly number[] = [];
  log: PartitionLog | null = null;
  /** Followers' fetch state, by broker id (leader only). */
  readonly remoteReplicas = new Map<number, ReplicaState>();

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly localBrokerId: number,
    public topicId: string,
  ) {}

  get key(): string {
    return `${this.topic}-${this.partition}`;
  }

  get isLeader(): boolean {
    return this.leaderId === this.localBrokerId && this.log !== null;
  }

  makeLeader(state: { leaderEpoch: number; isr: readonly number[]; replicas: readonly number[]; partitionEpoch: number }, log: PartitionLog, nowMs: number): void {
    this.leaderId = this.localBrokerId;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = state.replicas;
    this.isr = state.isr;
    this.log = log;
    this.remoteReplicas.clear();
    for (const id of state.replicas) {
      if (id !== this.localBrokerId) this.remoteReplicas.set(id, { logEndOffset: -1n, lastCaughtUpTimeMs: nowMs });
    }
    this.maybeIncrementHighWatermark();
  }

  makeFollower(state: { leader: number; leaderEpoch: number; isr: readonly number[]; replicas: readonly number[]; partitionEpoch: number }, log: PartitionLog): void {
    this.leaderId = state.leader;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.replicas = state.replicas;
    this.isr = state.isr;
    this.log = log;
    this.remoteReplicas.clear();
  }

  /** The log if this broker leads the partition; otherwise Kafka's error for the caller. */
  leaderLogOrError(currentLeaderEpoch = -1): PartitionLog {
    if (currentLeaderEpoch !== -1) {
      if (currentLeaderEpoch < this.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `${this.key}: epoch ${currentLeaderEpoch} < ${this.leaderEpoch}`);
      if (currentLeaderEpoch > this.leaderEpoch) throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `${this.key}: epoch ${currentLeaderEpoch} > ${this.leaderEpoch}`);
    }
    if (!this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `broker ${this.localBrokerId} does not lead ${this.key}`);
    return this.log!;
  }

  /**
   * Appends a client's batches as leader (Kafka's appendRecordsToLeader). acks=all is refused
   * up front when the ISR is below min.insync.replicas (NOT_ENOUGH_REPLICAS) — nothing is written.
   */
  appendRecordsToLeader(records: Buffer, requiredAcks: number, minInSyncReplicas: number): LogAppendResult {
    const log = this.leaderLogOrError();
    if (requiredAcks === -1 && this.isr.length < minInSyncReplicas) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.key}: ISR ${this.isr.length} < min.insync.replicas ${minInSyncReplicas}`);
    }
    const info = log.append(records, { leaderEpoch: this.leaderEpoch, origin: 'client', requiredAcks });
    this.maybeIncrementHighWatermark();
    return info;
  }

  /** The HW from the ISR's log end offsets; true when it moved. */
  maybeIncrementHighWatermark(): boolean {
    const log = this.log;
    if (log === null || !this.isLeader) return false;
    const newHw = highWatermarkOf(log.logEndOffset, this.isr, this.localBrokerId, this.remoteReplicas);
    if (newHw > log.highWatermark) {
      log.highWatermark = newHw;
      return true;
    }
    return false;
  }

  /**
   * acks=all: whether the HW has reached `requiredOffset` (the offset after the append). Kafka
   * answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min.insync meanwhile.
   */
  checkEnoughReplicasReachOffset(requiredOffset: bigint, minInSyncReplicas: number): { done: boolean; errorCode: number } {
    if (!this.isLeader) return { done: true, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (this.log!.highWatermark >= requiredOffset) {
      if (this.isr.length < minInSyncReplicas) return { done: true, errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND };
      return { done: true, errorCode: ErrorCode.NONE };
    }
    return { done: false, errorCode: ErrorCode.NONE };
  }

  /** A follower fetched from `fetchOffset`: its LEO is at least that. Returns true when the HW moved. */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, nowMs: number): boolean {
    const r = this.remoteReplicas.get(replicaId);
    if (r === undefined) return false;
    r.logEndOffset = fetchOffset;
    if (this.log !== null && fetchOffset >= this.log.logEndOffset) r.lastCaughtUpTimeMs = nowMs;
    return this.maybeIncrementHighWatermark();
  }

  /** Partitions whose ISR is smaller than their replica set (UnderReplicatedPartitions). */
  get isUnderReplicated(): boolean {
    return this.isLeader && this.isr.length < this.replicas.length;
  }
}

/** Pure: the minimum LEO over the ISR (the leader's own plus followers' last fetch offsets). */
export function highWatermarkOf(leaderLeo: bigint, isr: readonly number[], leaderId: number, remotes: ReadonlyMap<number, ReplicaState>): bigint {
  let hw = leaderLeo;
  for (const id of isr) {
    if (id === leaderId) continue;
    const r = remotes.get(id);
    const leo = r === undefined ? -1n : r.logEndOffset;
    if (leo >= 0n && leo < hw) hw = leo;
    if (leo < 0n) return -1n;
  }
  return hw;
}
