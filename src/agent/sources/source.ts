/** Flume's Source: started and stopped by the agent; hands batches to its ChannelProcessor. */
import type { Logger } from '../../util/logger.js';
import type { ChannelProcessor } from '../channels/channel-processor.js';
import type { SourceCounter } from '../monitoring/counters.js';

export interface Source {
  readonly name: string;
  readonly counter: SourceCounter;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SourceEnvironment {
  processor: ChannelProcessor;
  logger: Logger;
}

/** Flume's PollableSource back-off: sleep increment grows per consecutive failure, up to a maximum. */
export function backoffDelayMs(consecutiveFailures: number, incrementMs: number, maxMs: number): number {
  return Math.min(maxMs, Math.max(1, consecutiveFailures) * incrementMs);
}

/** A sleep that stop() can cut short. */
export class Sleeper {
  private timer: NodeJS.Timeout | null = null;
  private wake: (() => void) | null = null;

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        if (this.timer !== null) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        resolve();
      };
      this.timer = setTimeout(this.wake, ms);
    });
  }

  interrupt(): void {
    this.wake?.();
  }
}
