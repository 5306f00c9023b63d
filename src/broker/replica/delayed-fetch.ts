/**
 * Kafka's DelayedFetch: a fetch that found fewer than `min.bytes` waits until enough new data
 * is readable (up to the HW, or the LSO under read_committed), a partition changes state
 * (leadership lost, offset out of range), or `max.wait.ms` passes; then it reads again and
 * answers with whatever is there.
 */
import { DelayedOperation } from './purgatory.js';

export class DelayedFetch extends DelayedOperation {
  constructor(
    maxWaitMs: number,
    /** Bytes readable now across the fetch's partitions, or Infinity when a partition must answer (error). */
    private readonly availableBytes: () => number,
    private readonly minBytes: number,
    private readonly complete: () => void,
  ) {
    super(maxWaitMs);
  }

  tryComplete(): boolean {
    if (this.availableBytes() >= this.minBytes) return this.forceComplete();
    return false;
  }

  protected override onComplete(): void {
    this.complete();
  }
}
