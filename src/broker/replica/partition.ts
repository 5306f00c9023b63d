/**
 * Kafka's Partition: one topic-partition hosted by this broker, as leader or follower, with its
 * log, leader epoch, replica set and ISR.
 *
 * As leader it owns the high watermark — the smallest log end offset over the (maximal) ISR, its
 * own LEO and what followers have fetched up to, never moving back — and the ISR: a follower
 * that catches up joins, one that lags for replica.lag.time.max.ms leaves. The decisions are
 * the pure functions of ./isr.ts; ISR changes are *proposed* here (`pendingIsr`, one at a time)
 * and written to the keeper by ReplicaManager, which reports the outcome back
 * (`completeIsrUpdate`). acks=all appends wait until the HW passes them.
 *
 * As follower it appends the leader's batches as they are (offsets and leader epochs kept) and
 * takes the leader's HW, capped by its own LEO; the ReplicaFetcher drives it.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { BASE_OFFSET_OFFSET, LAST_OFFSET_DELTA_OFFSET, RECORD_BATCH_OVERHEAD } from '../../protocol/records/layout.js';
import { assert } from '../../util/assert.js';
import type { IsrUpdateResult } from '../metadata/metadata-service.js';
import {
  afterFollowerFetch, highWatermarkOf, initialReplicaState, maximalIsr, proposeIsrExpansion, proposeIsrShrink, type ReplicaState,
} from './isr.js';
import type { LogAppendResult, PartitionLog } from './partition-log.js';

export { highWatermarkOf, type ReplicaState } from './isr.js';

export interface LeaderAndIsrState {
  leader: number;
  leaderEpoch: number;
  isr: readonly number[];
  replicas: readonly number[];
  partitionEpoch: number;
}

/** An ISR change the leader wants written (Kafka's AlterPartition item in ZooKeeper mode). */
export interface IsrProposal {
  topic: string;
  partition: number;
  leaderEpoch: number;
  isr: readonly number[];
  partitionEpoch: number;
}

export class Partition {
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = 0;
  replicas: readonly number[] = [];
  /** The committed ISR (as last written to / read from the keeper). */
  isr: readonly number[] = [];
  /** An ISR change being written, or null (Kafka's PendingExpandIsr / PendingShrinkIsr). */
  pendingIsr: readonly number[] | null = null;
  /** The leader's LEO when this broker became leader of `leaderEpoch` (ISR expansion needs it). */
  leaderEpochStartOffset = -1n;
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

  /** The ISR that decides the HW: the committed one united with a pending change. */
  get maximalIsr(): readonly number[] {
    return maximalIsr(this.isr, this.pendingIsr);
  }

  /**
   * LeaderAndIsr naming this broker leader. A new leader epoch is recorded at the LEO (as Kafka's
   * makeLeader) and, on a broker that was not leading, starts with followers' state unknown until
   * they fetch; the same epoch again only refreshes the ISR / replica set when its partition epoch
   * is newer.
   * Returns true when the leader epoch is new.
   */
  makeLeader(state: Omit<LeaderAndIsrState, 'leader'> & { leader?: number }, log: PartitionLog, nowMs: number): boolean {
    const wasLeader = this.isLeader && this.log === log;
    const sameEpoch = wasLeader && this.leaderEpoch === state.leaderEpoch;
    if (sameEpoch) {
      if (state.partitionEpoch > this.partitionEpoch) {
        this.partitionEpoch = state.partitionEpoch;
        this.isr = state.isr;
        this.pendingIsr = null;
        this.setReplicas(state.replicas, nowMs);
        this.maybeIncrementHighWatermark();
      }
      return false;
    }
    this.leaderId = this.localBrokerId;
    this.leaderEpoch = state.leaderEpoch;
    this.partitionEpoch = state.partitionEpoch;
    this.isr = state.isr;
    this.pendingIsr = null;
    this.log = log;
    this.leaderEpochStartOffset = log.logEndOffset;
    if (state.leaderEpoch >= 0) log.leaderEpochCache?.assign(state.leaderEpoch, log.logEndOffset);
    // A new leader knows nothing of its followers yet; a leader that stays leader in a new epoch
    // (the controller dropped a dead follower) keeps what they told it, as Kafka's makeLeader.
    if (!wasLeader) this.remoteReplicas.clear();
    this.setReplicas(state.replicas, nowMs);
    this.maybeIncrementHighWatermark();
    return true;
  }

  private setReplicas(replicas: readonly number[], nowMs: number): void {
    this.replicas = replicas;
    for (const id of replicas) {
      if (id !== this.localBrokerId && !this.remoteReplicas.has(id)) this.remoteReplicas.set(id, initialReplicaState(nowMs));
    }
    for (const id of [...this.remoteReplicas.keys()]) if (!replicas.includes(id)) this.remoteReplicas.delete(id);
  }

  /**
   * LeaderAndIsr naming another broker (or nobody, leader -1) leader. Returns true when the
   * fetcher must (re)start: a new leader epoch or a different leader.
   */
  makeFollower(state: LeaderAndIsrState, log: PartitionLog): boolean {
    const unchanged = !this.isLeader && this.log === log && this.leaderEpoch === state.leaderEpoch && this.leaderId === state.leader;
    if (!unchanged || state.partitionEpoch > this.partitionEpoch) {
      this.partitionEpoch = state.partitionEpoch;
      this.replicas = state.replicas;
      this.isr = state.isr;
    }
    this.pendingIsr = null;
    this.leaderEpochStartOffset = -1n;
    this.remoteReplicas.clear();
    if (unchanged) return false;
    this.leaderId = state.leader;
    this.leaderEpoch = state.leaderEpoch;
    this.log = log;
    return true;
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

  /** The HW from the (maximal) ISR's log end offsets; true when it moved. It never moves back. */
  maybeIncrementHighWatermark(): boolean {
    const log = this.log;
    if (log === null || !this.isLeader) return false;
    const newHw = highWatermarkOf(log.logEndOffset, this.maximalIsr, this.localBrokerId, this.remoteReplicas);
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

  /**
   * A follower fetched from `fetchOffset`: it has everything below. Updates its state, the HW,
   * and proposes its return to the ISR when it caught up. Returns whether the HW moved and the
   * ISR change to write (or null).
   */
  updateFollowerFetchState(replicaId: number, fetchOffset: bigint, nowMs: number): { hwMoved: boolean; proposal: IsrProposal | null } {
    const r = this.remoteReplicas.get(replicaId);
    if (r === undefined || this.log === null || !this.isLeader) return { hwMoved: false, proposal: null };
    const next = afterFollowerFetch(r, fetchOffset, this.log.logEndOffset, nowMs);
    this.remoteReplicas.set(replicaId, next);
    const hwMoved = this.maybeIncrementHighWatermark();
    const isr = proposeIsrExpansion(
      { isr: this.isr, pendingIsr: this.pendingIsr, replicas: this.replicas, highWatermark: this.log.highWatermark, leaderEpochStartOffset: this.leaderEpochStartOffset },
      replicaId, next,
    );
    return { hwMoved, proposal: isr === null ? null : this.propose(isr) };
  }

  /** The periodic check (Kafka's maybeShrinkIsr): the ISR without followers lagging too long, or null. */
  maybeShrinkIsr(nowMs: number, lagTimeMaxMs: number): IsrProposal | null {
    if (!this.isLeader) return null;
    const isr = proposeIsrShrink(
      { isr: this.isr, pendingIsr: this.pendingIsr, leaderId: this.localBrokerId, remotes: this.remoteReplicas, leaderLogEndOffset: this.log!.logEndOffset },
      nowMs, lagTimeMaxMs,
    );
    return isr === null ? null : this.propose(isr);
  }

  private propose(isr: readonly number[]): IsrProposal {
    assert(this.pendingIsr === null, 'one ISR change at a time');
    this.pendingIsr = isr;
    return { topic: this.topic, partition: this.partition, leaderEpoch: this.leaderEpoch, isr, partitionEpoch: this.partitionEpoch };
  }

  /**
   * The keeper's answer to a proposal. Written: the ISR is committed with its new partition
   * epoch. A stale partition epoch (someone else wrote the state): the current state is taken
   * when this broker still leads at the same epoch — the next check proposes again if needed
   * (Kafka re-reads the state the same way). Fenced or no longer leader: nothing changes here;
   * the controller's LeaderAndIsr follows. `result` null = the write failed (keeper unreachable).
   * Returns true when the HW moved.
   */
  completeIsrUpdate(proposal: IsrProposal, result: IsrUpdateResult | null): boolean {
    if (this.pendingIsr !== proposal.isr) return false; // superseded by a LeaderAndIsr meanwhile
    this.pendingIsr = null;
    const current = result?.partition ?? null;
    if (result === null || current === null) return this.maybeIncrementHighWatermark();
    const stillOurs = this.isLeader && current.leader === this.localBrokerId && current.leaderEpoch === this.leaderEpoch;
    if (stillOurs && (result.errorCode === ErrorCode.NONE || result.errorCode === ErrorCode.INVALID_UPDATE_VERSION) && current.partitionEpoch >= this.partitionEpoch) {
      this.isr = current.isr;
      this.partitionEpoch = current.partitionEpoch;
    }
    return this.maybeIncrementHighWatermark();
  }

  // ------------------------------------------------------------------ follower

  /**
   * Appends the leader's batches as they are (Kafka's appendRecordsToFollowerOrFutureReplica).
   * An empty log whose start falls inside the first batch (the leader's log start was moved into
   * the middle of a batch by DeleteRecords) starts over at that batch's base offset, as Kafka does.
   */
  appendRecordsAsFollower(records: Buffer): LogAppendResult {
    const log = this.log;
    if (log === null || this.isLeader) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.key} is not a follower on broker ${this.localBrokerId}`);
    if (records.length >= RECORD_BATCH_OVERHEAD && log.logEndOffset === log.logStartOffset && log.truncateFullyAndStartAt !== undefined) {
      const baseOffset = records.readBigInt64BE(BASE_OFFSET_OFFSET);
      const lastOffset = baseOffset + BigInt(records.readInt32BE(LAST_OFFSET_DELTA_OFFSET));
      if (baseOffset < log.logEndOffset && lastOffset >= log.logEndOffset) log.truncateFullyAndStartAt(baseOffset);
    }
    return log.append(records, { leaderEpoch: this.leaderEpoch, origin: 'replication' });
  }

  /** The leader's HW (capped by this replica's LEO) and log start offset, after a fetch. */
  updateFollowerOffsets(leaderHighWatermark: bigint, leaderLogStartOffset: bigint): void {
    const log = this.log;
    if (log === null || this.isLeader) return;
    const hw = leaderHighWatermark < log.logEndOffset ? leaderHighWatermark : log.logEndOffset;
    if (hw > log.highWatermark) log.highWatermark = hw; // Kafka's maybeUpdateHighWatermark: only forward
    if (leaderLogStartOffset > log.logStartOffset && leaderLogStartOffset <= log.logEndOffset) log.maybeIncrementLogStartOffset?.(leaderLogStartOffset);
  }

  /** Partitions whose ISR is smaller than their replica set (UnderReplicatedPartitions). */
  get isUnderReplicated(): boolean {
    return this.isLeader && this.isr.length < this.replicas.length;
  }
}
