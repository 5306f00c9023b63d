/**
 * Flume's sink processors (a sink group's `processor.*` keys) and the SinkRunner that drives one.
 *
 *   default       one sink (every sink outside a group runs this way)
 *   failover      processor.priority.<sink> (higher first), processor.maxpenalty (30000 ms):
 *                 a failing sink is set aside for 1 s, 2 s, 4 s, ... up to maxpenalty
 *   load_balance  processor.selector = round_robin (default) | random, processor.backoff (false),
 *                 processor.selector.maxTimeOut (30000 ms): each batch to the next sink; with
 *                 backoff a failing sink is set aside as in failover
 *
 * The runner: READY -> process again at once; BACKOFF (channel empty) -> wait until events are
 * put or the back-off passes; a delivery failure -> log, sleep backoffSleepIncrement (1000 ms)
 * more per consecutive failure up to maxBackoffSleep (5000 ms), as Flume's SinkRunner.
 */
import type { Logger } from '../../util/logger.js';
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';
import { backoffDelayMs, Sleeper } from '../sources/source.js';
import { EventDeliveryException, SinkStatus, type Sink } from './sink.js';

export interface SinkProcessor {
  readonly sinks: readonly Sink[];
  process(): Promise<SinkStatus>;
}

export function defaultSinkProcessor(sink: Sink): SinkProcessor {
  return { sinks: [sink], process: () => sink.process() };
}

interface Penalized {
  sink: Sink;
  failures: number;
  until: number;
}

export function sinkProcessorFromContext(group: Context, sinks: Sink[], random: () => number = Math.random): SinkProcessor {
  const ctx = group.sub('processor');
  const type = ctx.string('type', 'default');
  if (type === 'default' || type === 'org.apache.flume.sink.DefaultSinkProcessor') {
    if (sinks.length !== 1) throw new AgentConfigError(ctx.keyOf('type'), `the default sink processor takes exactly one sink, got ${sinks.length}`);
    return defaultSinkProcessor(sinks[0]!);
  }
  if (type === 'failover' || type === 'org.apache.flume.sink.FailoverSinkProcessor') {
    const prio = ctx.sub('priority');
    const ordered = sinks.map((s, i) => ({ s, p: prio.integer(s.name, -i) })).sort((a, b) => b.p - a.p).map((x) => x.s);
    return failover(ordered, ctx.integer('maxpenalty', 30000, 1));
  }
  if (type === 'load_balance' || type === 'org.apache.flume.sink.LoadBalancingSinkProcessor') {
    const selector = ctx.oneOf('selector', ['round_robin', 'random'] as const, 'round_robin');
    return loadBalance(sinks, selector, ctx.boolean('backoff', false), ctx.integer('selector.maxTimeOut', 30000, 1), random);
  }
  throw new AgentConfigError(ctx.keyOf('type'), `unknown sink processor '${type}' (default, failover, load_balance)`);
}

function penalize(p: Penalized, maxMs: number): void {
  p.failures++;
  p.until = Date.now() + Math.min(maxMs, 1000 * 2 ** (p.failures - 1));
}

/**
 * Offers the batch to the sinks in turn from `start`; the first that does not throw answers.
 * With a `maxPenaltyMs` a sink set aside is skipped and a failing one is set aside (longer each time).
 */
async function firstToDeliver(state: Penalized[], start: number, maxPenaltyMs: number | null, failure: string): Promise<SinkStatus> {
  const now = Date.now();
  let last: unknown = null;
  for (let i = 0; i < state.length; i++) {
    const p = state[(start + i) % state.length]!;
    if (maxPenaltyMs !== null && p.until > now) continue;
    try {
      const status = await p.sink.process();
      p.failures = 0;
      return status;
    } catch (err) {
      last = err;
      if (maxPenaltyMs !== null) penalize(p, maxPenaltyMs);
    }
  }
  throw new EventDeliveryException(failure, { cause: last });
}

function failover(ordered: Sink[], maxPenaltyMs: number): SinkProcessor {
  const state = ordered.map((sink): Penalized => ({ sink, failures: 0, until: 0 }));
  return {
    sinks: ordered,
    process: () => firstToDeliver(state, 0, maxPenaltyMs, 'All sinks failed to process, nothing left to failover to'),
  };
}

function loadBalance(sinks: Sink[], selector: 'round_robin' | 'random', backoff: boolean, maxTimeOutMs: number, random: () => number): SinkProcessor {
  const state = sinks.map((sink): Penalized => ({ sink, failures: 0, until: 0 }));
  let next = 0;
  return {
    sinks,
    process() {
      const start = selector === 'random' ? Math.floor(random() * state.length) : next++ % state.length;
      return firstToDeliver(state, start, backoff ? maxTimeOutMs : null, 'Unable to deliver event to any sink of the group');
    },
  };
}

export class SinkRunner {
  private running = false;
  private loop: Promise<void> | null = null;
  private readonly sleeper = new Sleeper();

  constructor(
    readonly processor: SinkProcessor,
    private readonly logger: Logger,
    private readonly backoffSleepIncrementMs = 1000,
    private readonly maxBackoffSleepMs = 5000,
  ) {}

  async start(): Promise<void> {
    for (const s of this.processor.sinks) await s.start();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    for (const s of this.processor.sinks) s.interrupt?.();
    await this.loop;
    for (const s of this.processor.sinks) await s.stop();
  }

  private async run(): Promise<void> {
    let failures = 0;
    let empty = 0;
    while (this.running) {
      try {
        const status = await this.processor.process();
        failures = 0;
        if (status === SinkStatus.READY) {
          empty = 0;
          continue;
        }
        empty++;
        const delay = backoffDelayMs(empty, this.backoffSleepIncrementMs, this.maxBackoffSleepMs);
        // Wake as soon as a source commits: the back-off bounds only the wait on an idle channel.
        await Promise.race(this.processor.sinks.map((s) => s.channel.waitForEvents(delay)).concat(this.sleeper.sleep(delay)));
        this.sleeper.interrupt();
      } catch (err) {
        failures++;
        this.logger.error({ err, sinks: this.processor.sinks.map((s) => s.name) }, 'Unable to deliver event. Exception follows.');
        await this.sleeper.sleep(backoffDelayMs(failures, this.backoffSleepIncrementMs, this.maxBackoffSleepMs));
      }
    }
  }
}
