/**
 * What the replica layer needs from one partition's log (src/storage's UnifiedLog satisfies it
 * structurally). Kept as an interface so Partition / ReplicaManager tests can run on a fake
 * and so the dependency on storage stays narrow.
 */
export type IsolationLevelName = 'read_uncommitted' | 'read_committed';

export interface LogAppendResult {
  firstOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint | number;
  offsetOfMaxTimestamp?: bigint;
  /** -1 unless the topic uses LogAppendTime. */
  logAppendTimeMs: bigint | number;
  logStartOffset: bigint;
  /** A retried batch already in the log: acknowledged with its original offsets. */
  duplicate: boolean;
  recordCount: number;
  validBytes: number;
}

export interface LogReadResult {
  /**
   * Whole batches. Must never be overwritten after it is returned: the network layer queues it
   * on the socket without copying (a fresh read buffer or an append-only cache slice is fine).
   */
  records: Buffer;
  firstEntryIncomplete?: boolean;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  logEndOffset: bigint;
  abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
}

export interface PartitionLog {
  highWatermark: bigint;
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly lastStableOffset: bigint;
  readonly latestEpoch: number | undefined;
  /** Bytes of the log on disk (the LogSize metric). */
  readonly size?: number;
  append(records: Buffer, options: { leaderEpoch: number; origin: 'client' | 'replication' | 'coordinator'; requiredAcks?: number; assignOffsets?: boolean }): LogAppendResult;
  read(
    offset: bigint,
    options: { maxBytes: number; upperBound?: 'hw' | 'lso' | 'leo' | bigint; minOneMessage: boolean; isolation: IsolationLevelName },
  ): LogReadResult;
  offsetForTimestamp(timestamp: bigint): { offset: bigint; timestamp: bigint; leaderEpoch: number | undefined | null } | null;
  deleteRecordsBefore(offset: bigint): unknown;
  endOffsetForEpoch(epoch: number): { leaderEpoch: number; endOffset: bigint } | null | undefined;
  truncateTo(offset: bigint): unknown;
  /** Follower: deletes everything and starts empty at `offset` (the leader's log start is past this log's end). */
  truncateFullyAndStartAt?(offset: bigint): void;
  /** Follower: the leader's log start offset moved up (retention, DeleteRecords). */
  maybeIncrementLogStartOffset?(offset: bigint): void;
  /** The leader-epoch checkpoint (a new leader records its epoch at its LEO, as Kafka's makeLeader). */
  readonly leaderEpochCache?: { assign(epoch: number, startOffset: bigint): void };
}
