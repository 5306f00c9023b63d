/**
 * Flume's Sink: process() takes a batch from its channel in one transaction and delivers it.
 * It returns READY when it delivered something, BACKOFF when the channel was empty, and throws
 * EventDeliveryException when delivery failed (the transaction rolled back: the events will be
 * taken again). The sink runner and sink processors decide what to do next.
 */
import { GregorError } from '../../util/errors.js';
import type { Channel, Transaction } from '../channels/channel.js';
import type { AgentEvent } from '../event.js';
import type { SinkCounter } from '../monitoring/counters.js';

export const SinkStatus = { READY: 'READY', BACKOFF: 'BACKOFF' } as const;
export type SinkStatus = (typeof SinkStatus)[keyof typeof SinkStatus];

export interface Sink {
  readonly name: string;
  readonly counter: SinkCounter;
  readonly channel: Channel;
  start(): Promise<void>;
  stop(): Promise<void>;
  process(): Promise<SinkStatus>;
  /** Optional: make an in-flight process() give up soon (it rolls back). */
  interrupt?(): void;
}

export class EventDeliveryException extends GregorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GREGOR_ERR_EVENT_DELIVERY', message, options);
  }
}

/** Takes up to `max` events in `tx` (fewer when the channel runs dry). */
export function takeBatch(tx: Pick<Transaction, 'take'>, max: number): AgentEvent[] {
  const out: AgentEvent[] = [];
  for (let i = 0; i < max; i++) {
    const e = tx.take();
    if (e === null) break;
    out.push(e);
  }
  return out;
}
