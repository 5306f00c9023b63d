/**
 * Flume's ExecSource: runs `command` and makes each line of its standard output an event.
 * Keys and defaults: command (required), shell (none: the command is split on whitespace;
 * e.g. `/bin/bash -c` runs it through a shell), restart (false), restartThrottle (10000 ms),
 * logStdErr (false), batchSize (20), batchTimeout (3000 ms: a partial batch is sent after this).
 *
 * When the channel is full the batch is retried with back-off while the child's stdout is
 * paused (the pipe fills and the child blocks): Flume drops the batch and kills the command.
 * Exec gives no delivery guarantee across restarts either way (`tail -F` starts again at its
 * end); use TAILDIR for that.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Context } from '../config/context.js';
import type { AgentEvent } from '../event.js';
import { sourceCounter, type SourceCounter } from '../monitoring/counters.js';
import { deliverWithRetry } from './batching.js';
import { Sleeper, type Source, type SourceEnvironment } from './source.js';

export interface ExecSourceConfig {
  command: string;
  shell: string | undefined;
  restart: boolean;
  restartThrottleMs: number;
  logStdErr: boolean;
  batchSize: number;
  batchTimeoutMs: number;
}

export function execSourceConfig(ctx: Context): ExecSourceConfig {
  ctx.raw('charset');
  return {
    command: ctx.required('command'),
    shell: ctx.string('shell'),
    restart: ctx.boolean('restart', false),
    restartThrottleMs: ctx.integer('restartThrottle', 10000, 0),
    logStdErr: ctx.boolean('logStdErr', false),
    batchSize: ctx.integer('batchSize', 20, 1),
    batchTimeoutMs: ctx.integer('batchTimeout', 3000, 1),
  };
}

export class ExecSource implements Source {
  readonly counter: SourceCounter;
  private running = false;
  private child: ChildProcess | null = null;
  private loop: Promise<void> | null = null;
  private readonly sleeper = new Sleeper();
  /** Child runs started (tests: restart behaviour). */
  runs = 0;

  constructor(readonly name: string, private readonly config: ExecSourceConfig, private readonly env: SourceEnvironment) {
    this.counter = sourceCounter(name);
  }

  async start(): Promise<void> {
    this.running = true;
    this.counter.start(Date.now());
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    this.child?.kill('SIGTERM');
    await this.loop;
    this.counter.stop(Date.now());
  }

  private argv(): string[] {
    const c = this.config;
    if (c.shell !== undefined && c.shell !== '') return [...c.shell.split(/\s+/).filter((s) => s !== ''), c.command];
    return c.command.split(/\s+/).filter((s) => s !== '');
  }

  private async run(): Promise<void> {
    while (this.running) {
      const code = await this.runOnce();
      this.env.logger.info({ source: this.name, command: this.config.command, exitCode: code }, 'Command exited');
      if (!this.running || !this.config.restart) break;
      await this.sleeper.sleep(this.config.restartThrottleMs);
    }
  }

  private runOnce(): Promise<number | null> {
    const [file, ...args] = this.argv();
    this.runs++;
    const child = spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    if (this.config.logStdErr) {
      createInterface({ input: child.stderr! }).on('line', (l) => this.env.logger.info({ source: this.name }, `StderrLogger: ${l}`));
    } else {
      child.stderr!.resume();
    }
    let batch: AgentEvent[] = [];
    let timer: NodeJS.Timeout | null = null;
    let flushing: Promise<void> = Promise.resolve();
    const flush = (): void => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      if (batch.length === 0) return;
      const events = batch;
      batch = [];
      lines.pause();
      flushing = flushing.then(async () => {
        await deliverWithRetry(this.env, this.counter, events, () => this.running, this.sleeper, { incrementMs: 1000, maxMs: 5000 });
        // Lines readline had buffered still arrive after pause(): a full batch goes next.
        if (batch.length >= this.config.batchSize) flush();
        else lines.resume();
      });
    };
    lines.on('line', (l) => {
      batch.push({ headers: {}, body: Buffer.from(l) });
      if (batch.length >= this.config.batchSize) flush();
      else if (timer === null) timer = setTimeout(flush, this.config.batchTimeoutMs);
    });
    return new Promise((resolve) => {
      let done = false;
      const finish = async (code: number | null): Promise<void> => {
        if (done) return;
        done = true;
        let seen: Promise<void>;
        do {
          flush();
          seen = flushing;
          await seen;
        } while (seen !== flushing || batch.length > 0);
        resolve(code);
      };
      child.once('error', (err) => {
        this.env.logger.error({ source: this.name, err }, 'Failed while running command');
        void finish(null);
      });
      child.once('close', (code) => void finish(code));
    });
  }
}
