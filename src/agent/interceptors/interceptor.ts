/**
 * Flume's interceptors: a source's events pass through its chain (`interceptors = i1 i2`) before
 * the channel selector. An interceptor may change headers or drop the event (null).
 * Types by Flume's short names or Builder class names:
 *
 *   timestamp     headerName (timestamp), preserveExisting (false): the event time in ms
 *   host          hostHeader (host), useIP (true), preserveExisting (false)
 *   static        key (key), value (value), preserveExisting (true)
 *   regex_filter  regex (.*), excludeEvents (false): keep (or drop) events whose body matches
 */
import { hostname, networkInterfaces } from 'node:os';
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';
import { hasHeader, setHeader, type AgentEvent } from '../event.js';

export interface Interceptor {
  intercept(event: AgentEvent): AgentEvent | null;
}

const TYPES: Record<string, 'timestamp' | 'host' | 'static' | 'regex_filter'> = {
  timestamp: 'timestamp',
  'org.apache.flume.interceptor.TimestampInterceptor$Builder': 'timestamp',
  host: 'host',
  'org.apache.flume.interceptor.HostInterceptor$Builder': 'host',
  static: 'static',
  'org.apache.flume.interceptor.StaticInterceptor$Builder': 'static',
  regex_filter: 'regex_filter',
  'org.apache.flume.interceptor.RegexFilteringInterceptor$Builder': 'regex_filter',
};

export function interceptorFromContext(ctx: Context, nowMs: () => number = Date.now): Interceptor {
  const type = ctx.required('type');
  const key = Object.hasOwn(TYPES, type) ? type : type.toLowerCase();
  const kind = Object.hasOwn(TYPES, key) ? TYPES[key] : undefined;
  if (kind === undefined) throw new AgentConfigError(ctx.keyOf('type'), `unknown interceptor type '${type}' (timestamp, host, static, regex_filter)`);
  switch (kind) {
    case 'timestamp': {
      const header = ctx.string('headerName', 'timestamp');
      const preserve = ctx.boolean('preserveExisting', false);
      return headerInterceptor(header, preserve, () => String(nowMs()));
    }
    case 'host': {
      const header = ctx.string('hostHeader', 'host');
      const preserve = ctx.boolean('preserveExisting', false);
      const value = ctx.boolean('useIP', true) ? localAddress() : hostname();
      return headerInterceptor(header, preserve, () => value);
    }
    case 'static': {
      const key = ctx.string('key', 'key');
      const value = ctx.string('value', 'value');
      const preserve = ctx.boolean('preserveExisting', true);
      return headerInterceptor(key, preserve, () => value);
    }
    case 'regex_filter': {
      const regex = ctx.regex('regex', '.*');
      const exclude = ctx.boolean('excludeEvents', false);
      return { intercept: (e) => (regex.test(e.body.toString('utf8')) !== exclude ? e : null) };
    }
  }
}

function headerInterceptor(name: string, preserveExisting: boolean, value: () => string): Interceptor {
  return {
    intercept(e) {
      if (!(preserveExisting && hasHeader(e.headers, name))) setHeader(e.headers, name, value());
      return e;
    },
  };
}

/** The first non-internal IPv4 address (InetAddress.getLocalHost().getHostAddress()). */
function localAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function applyInterceptors(chain: readonly Interceptor[], events: AgentEvent[]): AgentEvent[] {
  if (chain.length === 0) return events;
  const out: AgentEvent[] = [];
  for (let e of events) {
    let kept: AgentEvent | null = e;
    for (const i of chain) {
      kept = i.intercept(e);
      if (kept === null) break;
      e = kept;
    }
    if (kept !== null) out.push(kept);
  }
  return out;
}
