/**
 * Flume's agent configuration (FlumeConfiguration): from the properties of a file, the part that
 * belongs to one agent name — its sources, channels, sinks and sink groups, each as a Context.
 *
 *   a1.sources = r1            a1.sources.r1.type = TAILDIR     a1.sources.r1.channels = c1
 *   a1.channels = c1           a1.channels.c1.type = memory
 *   a1.sinks = k1              a1.sinks.k1.type = kafka         a1.sinks.k1.channel = c1
 *   a1.sinkgroups = g1         a1.sinkgroups.g1.sinks = k1 k2   a1.sinkgroups.g1.processor.type = failover
 *
 * Structural checks happen here (a source names channels that exist, a sink names one channel,
 * every component has a type); the component's own properties are checked when it is configured
 * (src/agent/runtime/components.ts). Keys for other agents are not ours; keys for this agent that
 * fit nowhere are warnings, as Flume's "Configuration property ignored".
 */
import { AgentConfigError } from '../errors.js';
import { Context } from './context.js';

export const COMPONENT_KINDS = ['sources', 'channels', 'sinks', 'sinkgroups'] as const;
export type ComponentKind = (typeof COMPONENT_KINDS)[number];

export interface ComponentConfig {
  name: string;
  context: Context;
}

export interface AgentConfiguration {
  agentName: string;
  sources: ComponentConfig[];
  channels: ComponentConfig[];
  sinks: ComponentConfig[];
  sinkgroups: ComponentConfig[];
  /** Problems that stop the agent, each naming its key. */
  errors: AgentConfigError[];
  /** Keys that are ignored (logged, not fatal). */
  warnings: string[];
}

export function agentConfiguration(props: ReadonlyMap<string, string>, agentName: string): AgentConfiguration {
  const errors: AgentConfigError[] = [];
  const warnings: string[] = [];
  const prefix = `${agentName}.`;
  const mine = new Map<string, string>();
  for (const [k, v] of props) if (k.startsWith(prefix)) mine.set(k.slice(prefix.length), v);
  if (mine.size === 0) {
    errors.push(new AgentConfigError('', `no configuration found for agent '${agentName}' (keys start with '${agentName}.'; is --name right?)`));
  }

  const declared: Record<ComponentKind, string[]> = { sources: [], channels: [], sinks: [], sinkgroups: [] };
  const perComponent: Record<ComponentKind, Map<string, Map<string, string>>> = {
    sources: new Map(), channels: new Map(), sinks: new Map(), sinkgroups: new Map(),
  };
  for (const [k, v] of mine) {
    const dot = k.indexOf('.');
    const kind = (dot < 0 ? k : k.slice(0, dot)) as ComponentKind;
    if (!COMPONENT_KINDS.includes(kind)) {
      if (k !== 'configfilters') warnings.push(`Configuration property ignored: ${prefix}${k} = ${v}`);
      continue;
    }
    if (dot < 0) {
      declared[kind] = v.split(/\s+/).filter((s) => s !== '');
      continue;
    }
    const rest = k.slice(dot + 1);
    const dot2 = rest.indexOf('.');
    if (dot2 <= 0) {
      warnings.push(`Configuration property ignored: ${prefix}${k} = ${v}`);
      continue;
    }
    const name = rest.slice(0, dot2);
    const m = perComponent[kind].get(name) ?? new Map<string, string>();
    m.set(rest.slice(dot2 + 1), v);
    perComponent[kind].set(name, m);
  }

  const build = (kind: ComponentKind): ComponentConfig[] => {
    const out: ComponentConfig[] = [];
    const seen = new Set<string>();
    for (const name of declared[kind]) {
      if (seen.has(name)) {
        errors.push(new AgentConfigError(`${prefix}${kind}`, `'${name}' is listed twice`));
        continue;
      }
      seen.add(name);
      const context = new Context(`${prefix}${kind}.${name}.`, perComponent[kind].get(name) ?? new Map());
      if (kind !== 'sinkgroups' && !context.has('type')) errors.push(new AgentConfigError(context.keyOf('type'), 'is required'));
      out.push({ name, context });
    }
    for (const [name, m] of perComponent[kind]) {
      if (!seen.has(name)) {
        for (const k of m.keys()) warnings.push(`Configuration property ignored: ${prefix}${kind}.${name}.${k} (${kind.slice(0, -1)} '${name}' is not listed in ${prefix}${kind})`);
      }
    }
    return out;
  };
  const cfg: AgentConfiguration = {
    agentName, sources: build('sources'), channels: build('channels'), sinks: build('sinks'), sinkgroups: build('sinkgroups'), errors, warnings,
  };
  checkWiring(cfg, prefix);
  return cfg;
}

/** Sources name existing channels, sinks name exactly one, sink groups name existing sinks once. */
function checkWiring(cfg: AgentConfiguration, prefix: string): void {
  const channels = new Set(cfg.channels.map((c) => c.name));
  const { errors } = cfg;
  if (cfg.sources.length === 0 && cfg.sinks.length === 0 && cfg.errors.length === 0) {
    errors.push(new AgentConfigError(`${prefix}sources`, 'the agent has no sources and no sinks'));
  }
  if ((cfg.sources.length > 0 || cfg.sinks.length > 0) && cfg.channels.length === 0) {
    errors.push(new AgentConfigError(`${prefix}channels`, 'is required (sources and sinks need a channel)'));
  }
  for (const s of cfg.sources) {
    const list = s.context.list('channels');
    if (list.length === 0) errors.push(new AgentConfigError(s.context.keyOf('channels'), 'is required'));
    for (const c of list) if (!channels.has(c)) errors.push(new AgentConfigError(s.context.keyOf('channels'), `channel '${c}' is not listed in ${prefix}channels`));
  }
  for (const k of cfg.sinks) {
    const c = k.context.string('channel');
    if (c === undefined || c === '') errors.push(new AgentConfigError(k.context.keyOf('channel'), 'is required'));
    else if (c.split(/\s+/).length > 1) errors.push(new AgentConfigError(k.context.keyOf('channel'), `a sink takes from exactly one channel, got '${c}'`));
    else if (!channels.has(c)) errors.push(new AgentConfigError(k.context.keyOf('channel'), `channel '${c}' is not listed in ${prefix}channels`));
  }
  const sinks = new Set(cfg.sinks.map((k) => k.name));
  const grouped = new Set<string>();
  for (const g of cfg.sinkgroups) {
    const list = g.context.list('sinks');
    if (list.length === 0) errors.push(new AgentConfigError(g.context.keyOf('sinks'), 'is required'));
    for (const k of list) {
      if (!sinks.has(k)) errors.push(new AgentConfigError(g.context.keyOf('sinks'), `sink '${k}' is not listed in ${prefix}sinks`));
      else if (grouped.has(k)) errors.push(new AgentConfigError(g.context.keyOf('sinks'), `sink '${k}' is already in another sink group`));
      grouped.add(k);
    }
  }
}
