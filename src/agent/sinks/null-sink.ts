/** Flume's NullSink: takes batches (batchSize, default 100) and discards them. For tests and benchmarks. */
import type { Context } from '../config/context.js';
import type { Channel } from '../channels/channel.js';
import { sinkCounter, type SinkCounter } from '../monitoring/counters.js';
import { SinkStatus, takeBatch, type Sink } from './sink.js';

export class NullSink implements Sink {
  readonly counter: SinkCounter;
  private readonly batchSize: number;

  constructor(readonly name: string, ctx: Context, readonly channel: Channel) {
    this.counter = sinkCounter(name);
    this.batchSize = ctx.integer('batchSize', 100, 1);
  }

  async start(): Promise<void> {
    this.counter.start(Date.now());
  }

  async stop(): Promise<void> {
    this.counter.stop(Date.now());
  }

  async process(): Promise<SinkStatus> {
    const tx = this.channel.transaction();
    const events = takeBatch(tx, this.batchSize);
    await tx.commit();
    if (events.length === 0) {
      this.counter.add('BatchEmptyCount');
      return SinkStatus.BACKOFF;
    }
    this.counter.add('EventDrainAttemptCount', events.length);
    this.counter.add('EventDrainSuccessCount', events.length);
    this.counter.add(events.length === this.batchSize ? 'BatchCompleteCount' : 'BatchUnderflowCount');
    return SinkStatus.READY;
  }
}
