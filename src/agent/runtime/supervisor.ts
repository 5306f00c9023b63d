/**
 * Runs the agent described by a ConfigSource and replaces it when the configuration changes,
 * as flume-ng does: the running agent is stopped and one built from the new configuration is
 * started (every component restarts: a memory channel's events are lost, a file channel's are
 * kept). An invalid new configuration is reported and the running agent stays; a new one that
 * fails to start is stopped and the previous configuration started again.
 */
import type { Logger } from '../../util/logger.js';
import { propertiesMap } from '../config/properties.js';
import { AgentConfigErrors } from '../errors.js';
import { Agent, type AgentOptions } from './agent.js';
import type { ConfigSource } from './config-source.js';

export class AgentSupervisor {
  private busy: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  /** Reloads carried out (tests, logs). */
  reloads = 0;

  private constructor(
    private readonly source: ConfigSource,
    private readonly name: string,
    private readonly options: AgentOptions & { logger: Logger },
    private current: Agent,
    private text: string,
  ) {}

  /** Reads the configuration and builds the first agent; throws AgentConfigErrors when it is invalid. */
  static async create(source: ConfigSource, name: string, options: AgentOptions & { logger: Logger }): Promise<AgentSupervisor> {
    const text = await source.read();
    return new AgentSupervisor(source, name, options, Agent.fromProperties(propertiesMap(text), name, options), text);
  }

  get agent(): Agent {
    return this.current;
  }

  async start(): Promise<void> {
    await this.current.start();
    this.source.watch(() => this.changed());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.source.close();
    await this.busy;
    await this.current.stop();
  }

  /** One check at a time; a change noticed during a check runs one more. */
  private changed(): void {
    if (this.stopped) return;
    if (this.pending) return;
    this.pending = true;
    this.busy = this.busy.then(async () => {
      this.pending = false;
      if (this.stopped) return;
      await this.check().catch((err: unknown) => this.options.logger.error({ err }, 'Configuration reload failed'));
    });
  }

  /** Reads the configuration and reloads when its text changed. */
  async check(): Promise<void> {
    let text: string;
    try {
      text = await this.source.read();
    } catch (err) {
      this.options.logger.error({ err, source: this.source.description }, 'Failed to read the agent configuration; the running configuration stays');
      return;
    }
    if (text === this.text) return;
    const previous = this.text;
    this.text = text;
    let next: Agent;
    try {
      next = Agent.fromProperties(propertiesMap(text), this.name, this.options);
    } catch (err) {
      if (!(err instanceof AgentConfigErrors)) throw err;
      this.options.logger.error(`Reloaded configuration is invalid; the running configuration stays: ${err.message}`);
      return;
    }
    this.options.logger.info({ source: this.source.description }, 'Reloading configuration');
    await this.current.stop();
    try {
      await next.start();
      this.current = next;
      this.reloads++;
    } catch (err) {
      this.options.logger.error({ err }, 'The reloaded configuration failed to start; restarting the previous one');
      this.current = Agent.fromProperties(propertiesMap(previous), this.name, this.options);
      await this.current.start();
    }
  }
}
