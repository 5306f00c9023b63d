/**
 * What the sources share: handing a batch to the channel processor, counted and logged as
 * Flume's sources do (deliverBatch); and, for the exec and netcat sources, keeping a batch the
 * channel refuses (ChannelFullException / ChannelException) and trying again after a growing
 * back-off (deliverWithRetry) — the input (a child's stdout, a socket) is paused meanwhile, so
 * the back-pressure reaches the producer of the lines instead of dropping them.
 */
import { ChannelException } from '../errors.js';
import type { AgentEvent } from '../event.js';
import type { SourceCounter } from '../monitoring/counters.js';
import { backoffDelayMs, Sleeper, type SourceEnvironment } from './source.js';

/**
 * Hands one batch to the channel processor, counting it as Flume's sources do; false (logged,
 * counted) when the channel refused it. `logFields` go with the log lines (e.g. the source's name).
 */
export async function deliverBatch(env: SourceEnvironment, counter: SourceCounter, events: AgentEvent[], logFields: Record<string, unknown> = {}): Promise<boolean> {
  counter.add('EventReceivedCount', events.length);
  counter.add('AppendBatchReceivedCount');
  try {
    await env.processor.processEventBatch(events);
  } catch (err) {
    if (err instanceof ChannelException) {
      counter.add('ChannelWriteFail');
      env.logger.warn({ ...logFields, err: err.message }, 'The channel is full or unexpected failure. The source will try again after a delay');
    } else {
      counter.add('GenericProcessingFail');
      env.logger.error({ ...logFields, err }, 'Unable to process events');
    }
    return false;
  }
  counter.add('EventAcceptedCount', events.length);
  counter.add('AppendBatchAcceptedCount');
  return true;
}

export async function deliverWithRetry(
  env: SourceEnvironment,
  counter: SourceCounter,
  events: AgentEvent[],
  isRunning: () => boolean,
  sleeper: Sleeper,
  backoff: { incrementMs: number; maxMs: number },
): Promise<boolean> {
  for (let failures = 1; ; failures++) {
    if (await deliverBatch(env, counter, events)) return true;
    if (!isRunning()) return false;
    await sleeper.sleep(backoffDelayMs(failures, backoff.incrementMs, backoff.maxMs));
    if (!isRunning()) return false;
  }
}
