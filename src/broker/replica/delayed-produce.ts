/**
 * Kafka's DelayedProduce: an acks=all produce whose batches are in the leader's log but not yet
 * below the high watermark. It completes when every partition's HW reaches the offset after
 * its append (or the partition fails), or with REQUEST_TIMED_OUT when `timeoutMs` passes.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { DelayedOperation } from './purgatory.js';
import type { Partition } from './partition.js';
import type { ProducePartitionResult } from './replica-manager.js';

export interface ProducePartitionStatus {
  result: ProducePartitionResult;
  partition: Partition;
  /** lastOffset + 1 of the append. */
  requiredOffset: bigint;
  acksPending: boolean;
}

export class DelayedProduce extends DelayedOperation {
  constructor(
    timeoutMs: number,
    private readonly statuses: readonly ProducePartitionStatus[],
    private readonly minInSyncReplicas: (p: Partition) => number,
    private readonly respond: (results: ProducePartitionResult[]) => void,
  ) {
    super(timeoutMs);
  }

  tryComplete(): boolean {
    for (const s of this.statuses) {
      if (!s.acksPending) continue;
      const r = s.partition.checkEnoughReplicasReachOffset(s.requiredOffset, this.minInSyncReplicas(s.partition));
      if (r.done) {
        s.acksPending = false;
        if (r.errorCode !== ErrorCode.NONE) s.result = { ...s.result, errorCode: r.errorCode, errorMessage: null };
      }
    }
    if (this.statuses.every((s) => !s.acksPending)) return this.forceComplete();
    return false;
  }

  protected override onExpiration(): void {
    for (const s of this.statuses) {
      if (s.acksPending) {
        s.acksPending = false;
        s.result = { ...s.result, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'timed out waiting for replication (acks=all)' };
      }
    }
  }

  protected override onComplete(): void {
    this.respond(this.statuses.map((s) => s.result));
  }
}
