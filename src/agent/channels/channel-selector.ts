/**
 * Flume's channel selectors (a source's `selector.*` keys). replicating (default): every event
 * to all of the source's channels, those in `selector.optional` without failing the source.
 * multiplexing: by the value of header `selector.header` (default flume.selector.header):
 * `selector.mapping.<value> = c1 c2`, optional `selector.optional.<value>`, and
 * `selector.default` for values with no mapping.
 */
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';
import { headerOf, type AgentEvent } from '../event.js';

export interface ChannelSelector {
  required(event: AgentEvent): readonly string[];
  optional(event: AgentEvent): readonly string[];
}

export function channelSelectorFromContext(source: Context, channels: readonly string[]): ChannelSelector {
  const ctx = source.sub('selector');
  const type = ctx.string('type', 'replicating');
  const check = (key: string, list: string[]): string[] => {
    for (const c of list) if (!channels.includes(c)) throw new AgentConfigError(ctx.keyOf(key), `channel '${c}' is not one of this source's channels (${channels.join(' ')})`);
    return list;
  };
  if (type === 'replicating' || type === 'org.apache.flume.channel.ReplicatingChannelSelector') {
    const optional = check('optional', ctx.list('optional'));
    const required = channels.filter((c) => !optional.includes(c));
    return { required: () => required, optional: () => optional };
  }
  if (type === 'multiplexing' || type === 'org.apache.flume.channel.MultiplexingChannelSelector') {
    const header = ctx.string('header', 'flume.selector.header');
    const mapping = new Map<string, string[]>();
    const optional = new Map<string, string[]>();
    for (const k of ctx.keys()) {
      if (k.startsWith('mapping.')) mapping.set(k.slice(8), check(k, ctx.list(k)));
      else if (k.startsWith('optional.')) optional.set(k.slice(9), check(k, ctx.list(k)));
    }
    const fallback = check('default', ctx.list('default'));
    return {
      required: (e) => {
        const v = headerOf(e.headers, header);
        return (v === undefined ? undefined : mapping.get(v)) ?? fallback;
      },
      optional: (e) => {
        const v = headerOf(e.headers, header);
        const req = (v === undefined ? undefined : mapping.get(v)) ?? fallback;
        return ((v === undefined ? undefined : optional.get(v)) ?? []).filter((c) => !req.includes(c));
      },
    };
  }
  throw new AgentConfigError(ctx.keyOf('type'), `unknown channel selector '${type}' (replicating, multiplexing)`);
}
