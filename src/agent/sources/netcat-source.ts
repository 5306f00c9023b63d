/**
 * Flume's NetcatSource: a TCP server; every line a client sends becomes an event, answered with
 * "OK" once the channel has committed it (ack-every-event, default true). Keys: bind and port
 * (required), max-line-length (512 bytes, newline included: a longer line is refused with
 * "FAILED: Event exceeds the maximum length (512 chars, including newline)").
 * While the channel refuses events the connection is paused (TCP back-pressure) and the batch
 * is retried; nothing a client was told OK about is lost by the channel.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { Context } from '../config/context.js';
import type { AgentEvent } from '../event.js';
import { sourceCounter, type SourceCounter } from '../monitoring/counters.js';
import { deliverWithRetry } from './batching.js';
import { Sleeper, type Source, type SourceEnvironment } from './source.js';

export interface NetcatSourceConfig {
  bind: string;
  port: number;
  maxLineLength: number;
  ackEveryEvent: boolean;
}

export function netcatSourceConfig(ctx: Context): NetcatSourceConfig {
  ctx.raw('encoding');
  ctx.required('port');
  return {
    bind: ctx.required('bind'),
    port: ctx.integer('port', 0, 0, 65535),
    maxLineLength: ctx.integer('max-line-length', 512, 1),
    ackEveryEvent: ctx.boolean('ack-every-event', true),
  };
}

export class NetcatSource implements Source {
  readonly counter: SourceCounter;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private running = false;
  private readonly sleeper = new Sleeper();

  constructor(readonly name: string, private readonly config: NetcatSourceConfig, private readonly env: SourceEnvironment) {
    this.counter = sourceCounter(name);
  }

  /** The bound port (when configured as 0). */
  get port(): number {
    return (this.server?.address() as { port: number } | null)?.port ?? this.config.port;
  }

  async start(): Promise<void> {
    this.running = true;
    this.counter.start(Date.now());
    const server = createServer((s) => this.serve(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.config.bind, () => resolve());
    });
    this.server = server;
    this.env.logger.info({ source: this.name, port: this.port }, 'Created serverSocket');
  }

  async stop(): Promise<void> {
    this.running = false;
    this.sleeper.interrupt();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
    this.server = null;
    this.counter.stop(Date.now());
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    this.counter.set('OpenConnectionCount', this.sockets.size);
    let pending: Buffer = Buffer.alloc(0);
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const events: AgentEvent[] = [];
      const replies: string[] = [];
      let start = 0;
      for (let nl = pending.indexOf(0x0a); nl >= 0; nl = pending.indexOf(0x0a, start)) {
        const end = nl > start && pending[nl - 1] === 0x0d ? nl - 1 : nl;
        if (nl + 1 - start > this.config.maxLineLength) {
          replies.push(`FAILED: Event exceeds the maximum length (${this.config.maxLineLength} chars, including newline)\n`);
        } else {
          events.push({ headers: {}, body: Buffer.from(pending.subarray(start, end)) });
          replies.push('OK\n');
        }
        start = nl + 1;
      }
      pending = pending.subarray(start);
      if (pending.length > this.config.maxLineLength) {
        // No newline within the limit: refuse what we have and skip to the next line.
        replies.push(`FAILED: Event exceeds the maximum length (${this.config.maxLineLength} chars, including newline)\n`);
        pending = Buffer.alloc(0);
      }
      if (replies.length === 0) return;
      socket.pause();
      chain = chain.then(async () => {
        const ok = events.length === 0 || (await deliverWithRetry(this.env, this.counter, events, () => this.running, this.sleeper, { incrementMs: 1000, maxMs: 5000 }));
        if (ok && this.config.ackEveryEvent && !socket.destroyed) socket.write(replies.join(''));
        if (!socket.destroyed) socket.resume();
      });
    });
    const closed = (): void => {
      this.sockets.delete(socket);
      this.counter.set('OpenConnectionCount', this.sockets.size);
    };
    socket.on('close', closed);
    socket.on('error', () => socket.destroy());
  }
}
