/** An injectable clock so that deciding code can run under a simulator with simulated time. */
export interface Clock {
  /** Wall-clock milliseconds since the epoch (for timestamps that leave the process). */
  nowMs(): number;
  /** Monotonic milliseconds (for timeouts and durations). */
  monotonicMs(): number;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
};

/** A manually advanced clock for tests and simulation. */
export class ManualClock implements Clock {
  constructor(private timeMs = 0) {}
  nowMs(): number {
    return this.timeMs;
  }
  monotonicMs(): number {
    return this.timeMs;
  }
  advance(ms: number): void {
    this.timeMs += ms;
  }
}
