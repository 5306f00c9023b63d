/**
 * Flume's ChannelProcessor: what a source calls to hand over a batch. Interceptors first, then
 * the selector picks channels per event; each required channel gets the batch in one
 * transaction (put all, commit), and a failure rolls that transaction back and is thrown to the
 * source, which keeps its position and retries (so a batch may reach a channel twice when an
 * earlier channel had committed: at-least-once). Optional channels' failures are only logged.
 */
import type { Logger } from '../../util/logger.js';
import { ChannelException } from '../errors.js';
import type { AgentEvent } from '../event.js';
import { applyInterceptors, type Interceptor } from '../interceptors/interceptor.js';
import type { Channel } from './channel.js';
import type { ChannelSelector } from './channel-selector.js';

export class ChannelProcessor {
  constructor(
    private readonly channels: ReadonlyMap<string, Channel>,
    private readonly selector: ChannelSelector,
    private readonly interceptors: readonly Interceptor[],
    private readonly logger: Logger,
  ) {}

  /** Returns how many events passed the interceptors (and were committed). */
  async processEventBatch(batch: AgentEvent[]): Promise<number> {
    const events = applyInterceptors(this.interceptors, batch);
    if (events.length === 0) return 0;
    const required = new Map<string, AgentEvent[]>();
    const optional = new Map<string, AgentEvent[]>();
    for (const e of events) {
      for (const c of this.selector.required(e)) push(required, c, e);
      for (const c of this.selector.optional(e)) push(optional, c, e);
    }
    for (const [name, list] of required) await this.putAll(this.channels.get(name)!, list);
    for (const [name, list] of optional) {
      try {
        await this.putAll(this.channels.get(name)!, list);
      } catch (err) {
        this.logger.warn({ channel: name, err }, 'Unable to put batch on optional channel');
      }
    }
    return events.length;
  }

  private async putAll(channel: Channel, events: AgentEvent[]): Promise<void> {
    // A batch larger than transactionCapacity goes in several transactions.
    for (let i = 0; i < events.length; i += channel.transactionCapacity) {
      const tx = channel.transaction();
      try {
        for (const e of events.slice(i, i + channel.transactionCapacity)) tx.put(e);
        await tx.commit();
      } catch (err) {
        await tx.rollback();
        if (err instanceof ChannelException) throw err;
        throw new ChannelException(`Unable to put batch on required channel: ${channel.name}`, { cause: err });
      }
    }
  }
}

function push(m: Map<string, AgentEvent[]>, k: string, e: AgentEvent): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [e]);
  else l.push(e);
}
