/**
 * Flume's configuration reloading (PollingPropertiesFileConfigurationProvider): the agent's file
 * is checked every `intervalMs` (Flume: 30 s); when its contents change and the new configuration
 * is valid, the running agent is stopped and one built from the new file is started (Flume
 * restarts every component too: a memory channel's events are lost, a file channel's are
 * kept). An invalid new file is reported and the running agent stays as it is.
 */
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from '../../util/logger.js';
import { MAX_PROPERTIES_BYTES, propertiesMap } from '../config/properties.js';
import { AgentConfigErrors } from '../errors.js';
import { Agent, type AgentOptions } from './agent.js';

export function readAgentConfigFile(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_PROPERTIES_BYTES) throw new Error(`${path} is ${size} bytes, more than ${MAX_PROPERTIES_BYTES}`);
  return readFileSync(path, 'utf8');
}

export class AgentSupervisor {
  private current: Agent;
  private text: string;
  private timer: NodeJS.Timeout | null = null;
  private busy: Promise<void> = Promise.resolve();
  /** Reloads carried out (tests, logs). */
  reloads = 0;

  /** Builds the first agent; throws AgentConfigErrors when the file is invalid. */
  constructor(
    private readonly path: string,
    private readonly name: string,
    private readonly options: AgentOptions & { logger: Logger },
    private readonly intervalMs: number | null,
  ) {
    this.text = readAgentConfigFile(path);
    this.current = Agent.fromProperties(propertiesMap(this.text), name, options);
  }

  get agent(): Agent {
    return this.current;
  }

  async start(): Promise<void> {
    await this.current.start();
    if (this.intervalMs !== null) this.schedule();
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.busy;
    await this.current.stop();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.busy = this.check().catch((err: unknown) => this.options.logger.error({ err }, 'Configuration reload failed')).finally(() => {
        if (this.timer !== null) this.schedule();
      });
    }, this.intervalMs!);
  }

  /** One poll: reload when the file's contents changed. */
  async check(): Promise<void> {
    let text: string;
    try {
      text = readAgentConfigFile(this.path);
    } catch (err) {
      this.options.logger.error({ err, file: this.path }, 'Failed to read the agent configuration file; the running configuration stays');
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
    this.options.logger.info({ file: this.path }, 'Reloading configuration file');
    await this.current.stop();
    try {
      await next.start();
      this.current = next;
      this.reloads++;
    } catch (err) {
      // The new agent could not start (a port in use, a locked directory): run the old one again.
      this.options.logger.error({ err }, 'The reloaded configuration failed to start; restarting the previous one');
      this.current = Agent.fromProperties(propertiesMap(previous), this.name, this.options);
      await this.current.start();
    }
  }
}
