/**
 * Flume's LoggerSink: logs each event at INFO as `Event: { headers:{k=v} body: 48 65 6C 6C 6F  Hello }`
 * (the first maxBytesToLog bytes, default 16, as hex and as text). One event per transaction, as Flume.
 */
import type { Logger } from '../../util/logger.js';
import type { Channel } from '../channels/channel.js';
import type { Context } from '../config/context.js';
import type { AgentEvent } from '../event.js';
import { sinkCounter, type SinkCounter } from '../monitoring/counters.js';
import { SinkStatus, type Sink } from './sink.js';

export function formatEvent(e: AgentEvent, maxBytes: number): string {
  const headers = Object.entries(e.headers).map(([k, v]) => `${k}=${v}`).join(', ');
  const b = e.body.subarray(0, maxBytes);
  const hex = [...b].map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  const text = [...b].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
  return `Event: { headers:{${headers}} body: ${hex}  ${text} }`;
}

export class LoggerSink implements Sink {
  readonly counter: SinkCounter;
  private readonly maxBytes: number;

  constructor(readonly name: string, ctx: Context, readonly channel: Channel, private readonly logger: Logger) {
    this.counter = sinkCounter(name);
    this.maxBytes = ctx.integer('maxBytesToLog', 16, 0);
  }

  async start(): Promise<void> {
    this.counter.start(Date.now());
  }

  async stop(): Promise<void> {
    this.counter.stop(Date.now());
  }

  async process(): Promise<SinkStatus> {
    const tx = this.channel.transaction();
    const e = tx.take();
    await tx.commit();
    if (e === null) {
      this.counter.add('BatchEmptyCount');
      return SinkStatus.BACKOFF;
    }
    this.logger.info({ sink: this.name }, formatEvent(e, this.maxBytes));
    this.counter.add('EventDrainAttemptCount');
    this.counter.add('EventDrainSuccessCount');
    return SinkStatus.READY;
  }
}
