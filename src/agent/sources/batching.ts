/**
 * What the exec and netcat sources share: hand a batch to the channel processor and, when the
 * channel refuses it (ChannelFullException / ChannelException), keep it and try again after a
 * growing back-off — the input (a child's stdout, a socket) is paused meanwhile, so the
 * back-pressure reaches the producer of the lines instead of dropping them.
 */
import { ChannelException } from '../errors.js';
import type { AgentEvent } from '../event.js';
import type { SourceCounter } from '../monitoring/counters.js';
import { backoffDelayMs, Sleeper, type SourceEnvironment } from './source.js';

export async function deliverWithRetry(
  env: SourceEnvironment,
  counter: SourceCounter,
  events: AgentEvent[],
  isRunning: () => boolean,
  sleeper: Sleeper,
  backoff: { incrementMs: number; maxMs: number },
): Promise<boolean> {
  for (let failures = 0; ; failures++) {
    counter.add('EventReceivedCount', events.length);
    counter.add('AppendBatchReceivedCount');
    try {
      await env.processor.processEventBatch(events);
      counter.add('EventAcceptedCount', events.length);
      counter.add('AppendBatchAcceptedCount');
      return true;
    } catch (err) {
      if (err instanceof ChannelException) {
        counter.add('ChannelWriteFail');
        env.logger.warn({ err: err.message }, 'The channel is full or unexpected failure. The source will try again after a delay');
      } else {
        counter.add('GenericProcessingFail');
        env.logger.error({ err }, 'Unable to process events');
      }
      if (!isRunning()) return false;
      await sleeper.sleep(backoffDelayMs(failures + 1, backoff.incrementMs, backoff.maxMs));
      if (!isRunning()) return false;
    }
  }
}
