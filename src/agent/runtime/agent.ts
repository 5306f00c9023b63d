/**
 * The agent: builds sources, channels and sink runners from an AgentConfiguration and runs
 * them. Start order is Flume's: channels, then sinks, then sources (nothing is produced before
 * something can take it); stop is the reverse: sources, sinks, channels. A durable channel's
 * events survive a stop or a crash; a memory channel's do not.
 */
import { rootLogger, type Logger } from '../../util/logger.js';
import type { Channel } from '../channels/channel.js';
import { ChannelProcessor } from '../channels/channel-processor.js';
import { channelSelectorFromContext } from '../channels/channel-selector.js';
import { agentConfiguration, type AgentConfiguration } from '../config/agent-config.js';
import type { Context } from '../config/context.js';
import { AgentConfigError, AgentConfigErrors } from '../errors.js';
import { interceptorFromContext, type Interceptor } from '../interceptors/interceptor.js';
import { CounterRegistry } from '../monitoring/counters.js';
import { startMonitoringServer, type MonitoringServer } from '../monitoring/http-server.js';
import type { Sink } from '../sinks/sink.js';
import { defaultSinkProcessor, SinkRunner, sinkProcessorFromContext } from '../sinks/sink-processor.js';
import type { Source } from '../sources/source.js';
import { checkSinkType, createChannel, createSink, createSource } from './components.js';

export interface AgentOptions {
  logger?: Logger;
  /** Flume's HTTP monitoring on this port (0 = ephemeral); none when undefined. */
  monitoringPort?: number;
  monitoringHost?: string;
}

export class Agent {
  readonly counters = new CounterRegistry();
  private monitoring: MonitoringServer | null = null;
  private started = false;

  private constructor(
    readonly name: string,
    readonly channels: ReadonlyMap<string, Channel>,
    readonly sources: readonly Source[],
    readonly sinkRunners: readonly SinkRunner[],
    readonly warnings: readonly string[],
    private readonly logger: Logger,
    private readonly options: AgentOptions,
  ) {
    for (const c of channels.values()) this.counters.register(c.counter);
    for (const s of sources) this.counters.register(s.counter);
    for (const r of sinkRunners) for (const s of r.processor.sinks) this.counters.register(s.counter);
  }

  /** Builds an agent from Flume properties; throws AgentConfigErrors listing every problem. */
  static fromProperties(props: ReadonlyMap<string, string>, agentName: string, options: AgentOptions = {}): Agent {
    const logger = (options.logger ?? rootLogger).child({ agent: agentName });
    const cfg = agentConfiguration(props, agentName);
    const errors = [...cfg.errors];
    const warnings = [...cfg.warnings];
    if (errors.length > 0) throw new AgentConfigErrors(errors);
    const attempt = <T>(f: () => T): T | null => {
      try {
        return f();
      } catch (err) {
        if (err instanceof AgentConfigError) {
          errors.push(err);
          return null;
        }
        throw err;
      }
    };

    const channels = new Map<string, Channel>();
    for (const c of cfg.channels) {
      const ch = attempt(() => createChannel(c.name, c.context));
      if (ch !== null) channels.set(c.name, ch);
    }
    const sources = buildSources(cfg, channels, logger, attempt);
    const sinks = new Map<string, Sink>();
    for (const k of cfg.sinks) {
      const channel = channels.get(k.context.string('channel') ?? '');
      if (channel === undefined) {
        attempt(() => checkSinkType(k.context)); // the channel's own error is reported already
        continue;
      }
      const built = attempt(() => createSink(k.name, k.context, channel, logger, (m) => warnings.push(m)));
      if (built === null) continue;
      if (built.batchSize > channel.transactionCapacity) {
        errors.push(new AgentConfigError(built.batchKey, `batch size ${built.batchSize} is larger than channel ${channel.name}'s transactionCapacity ${channel.transactionCapacity}`));
      }
      sinks.set(k.name, built.sink);
    }
    const runners: SinkRunner[] = [];
    const grouped = new Set<string>();
    for (const g of cfg.sinkgroups) {
      const members = g.context.list('sinks').map((n) => sinks.get(n)).filter((s): s is Sink => s !== undefined);
      members.forEach((s) => grouped.add(s.name));
      const p = attempt(() => sinkProcessorFromContext(g.context, members));
      if (p !== null) runners.push(new SinkRunner(p, logger));
    }
    for (const s of sinks.values()) if (!grouped.has(s.name)) runners.push(new SinkRunner(defaultSinkProcessor(s), logger));

    for (const c of [...cfg.sources, ...cfg.channels, ...cfg.sinks, ...cfg.sinkgroups]) {
      for (const key of c.context.unused()) warnings.push(`Configuration property ignored: ${key}`);
    }
    if (errors.length > 0) throw new AgentConfigErrors(errors);
    for (const w of warnings) logger.warn(w);
    return new Agent(agentName, channels, sources, runners, warnings, logger, options);
  }

  get monitoringPort(): number | undefined {
    return this.monitoring?.port;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      for (const c of this.channels.values()) await c.start();
      for (const r of this.sinkRunners) await r.start();
      for (const s of this.sources) await s.start();
      if (this.options.monitoringPort !== undefined) {
        this.monitoring = await startMonitoringServer(this.counters, this.options.monitoringPort, this.options.monitoringHost);
      }
    } catch (err) {
      // A component that cannot start (a locked channel, a port in use) stops the whole agent:
      // stop what did start, so that nothing keeps running behind the error.
      await this.stop().catch(() => undefined);
      throw err;
    }
    this.logger.info({ sources: this.sources.map((s) => s.name), channels: [...this.channels.keys()], monitoringPort: this.monitoring?.port }, 'agent started');
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    // Each component is stopped even when another fails to; stopping one never started is a no-op.
    const errors: unknown[] = [];
    const attempt = async (f: () => Promise<void>): Promise<void> => {
      try {
        await f();
      } catch (err) {
        errors.push(err);
      }
    };
    for (const s of this.sources) await attempt(() => s.stop());
    for (const r of this.sinkRunners) await attempt(() => r.stop());
    for (const c of this.channels.values()) await attempt(() => c.stop());
    await attempt(async () => this.monitoring?.close());
    this.monitoring = null;
    this.logger.info('agent stopped');
    if (errors.length > 0) throw errors[0];
  }
}

function buildSources(cfg: AgentConfiguration, channels: ReadonlyMap<string, Channel>, logger: Logger, attempt: <T>(f: () => T) => T | null): Source[] {
  const out: Source[] = [];
  for (const s of cfg.sources) {
    const names = s.context.list('channels');
    const selector = attempt(() => channelSelectorFromContext(s.context, names));
    const interceptors = attempt(() => interceptorsOf(s.context));
    const picked = new Map(names.filter((n) => channels.has(n)).map((n) => [n, channels.get(n)!]));
    const processor = new ChannelProcessor(picked, selector ?? { required: () => [], optional: () => [] }, interceptors ?? [], logger.child({ source: s.name }));
    const src = attempt(() => createSource(s.name, s.context, { processor, logger }));
    if (src !== null) out.push(src);
  }
  return out;
}

function interceptorsOf(source: Context): Interceptor[] {
  const names = source.list('interceptors');
  const all = source.sub('interceptors');
  return names.map((n) => interceptorFromContext(all.sub(n)));
}
