/**
 * Kafka's SocketServer: one TCP server per PLAINTEXT listener (`listeners`), the connection
 * quota (`max.connections`; Kafka closes new connections beyond it) and shutdown.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../util/logger.js';
import type { BrokerServices } from '../broker-services.js';
import type { ListenerSpec } from '../config/broker-config.js';
import { Connection } from './connection.js';

export interface BoundListener {
  name: string;
  host: string;
  /** The actual port (resolves port 0). */
  port: number;
}

export interface SocketServerOptions {
  listeners: readonly ListenerSpec[];
  services: BrokerServices;
  maxRequestBytes: number;
  idleTimeoutMs: number;
  maxConnections: number;
  maxQueuedRequests: number;
  logger: Logger;
}

export class SocketServer {
  private readonly servers: { name: string; server: Server }[] = [];
  private readonly connections = new Set<Connection>();
  /** Sockets accepted before request processing was enabled (paused until then). */
  private held: { listenerName: string; socket: Socket }[] | null = [];
  readonly bound: BoundListener[] = [];

  constructor(private readonly o: SocketServerOptions) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  async start(): Promise<BoundListener[]> {
    for (const l of this.o.listeners) {
      if (l.name !== 'PLAINTEXT') throw new Error(`listener ${l.name}: only PLAINTEXT is supported`);
      const server = createServer((socket) => this.accept(l.name, socket));
      server.on('error', (err) => this.o.logger.error({ err, listener: l.name }, 'listener error'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: l.port, host: l.host === '' ? undefined : l.host, backlog: 511 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const port = (server.address() as AddressInfo).port;
      this.servers.push({ name: l.name, server });
      this.bound.push({ name: l.name, host: l.host, port });
      this.o.logger.info({ listener: `${l.name}://${l.host}:${port}` }, 'listening');
    }
    return this.bound;
  }

  /** Starts serving: the broker's parts are all up (Kafka's startProcessingRequests). */
  enableRequestProcessing(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const h of held) {
      if (h.socket.destroyed) continue;
      this.accept(h.listenerName, h.socket);
      h.socket.resume();
    }
  }

  private accept(listenerName: string, socket: Socket): void {
    if (this.held !== null) {
      // max.connections holds while starting too: held sockets count as connections.
      if (this.held.length >= this.o.maxConnections) {
        this.o.logger.warn({ client: socket.remoteAddress, maxConnections: this.o.maxConnections }, 'max.connections reached while starting; closing new connection');
        socket.destroy();
        return;
      }
      socket.pause();
      this.held.push({ listenerName, socket });
      return;
    }
    const metrics = this.o.services.metrics;
    if (this.connections.size >= this.o.maxConnections) {
      this.o.logger.warn({ client: socket.remoteAddress, maxConnections: this.o.maxConnections }, 'max.connections reached; closing new connection');
      socket.destroy();
      return;
    }
    metrics.connectionCreation.inc({ listener: listenerName });
    const conn: Connection = new Connection({
      socket,
      services: this.o.services,
      listenerName,
      maxRequestBytes: this.o.maxRequestBytes,
      idleTimeoutMs: this.o.idleTimeoutMs,
      maxQueuedRequests: this.o.maxQueuedRequests,
      logger: this.o.logger,
      onClose: () => {
        this.connections.delete(conn);
        metrics.connectionCount.set({ listener: listenerName }, this.connections.size);
      },
    });
    this.connections.add(conn);
    metrics.connectionCount.set({ listener: listenerName }, this.connections.size);
  }

  /** Stops accepting, closes every connection. */
  async stop(): Promise<void> {
    const closed = Promise.all(
      this.servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
          }),
      ),
    );
    for (const c of [...this.connections]) c.close('broker shutting down', 'debug');
    for (const h of this.held ?? []) h.socket.destroy();
    this.held = [];
    await closed;
  }

  /** Closes client connections without stopping the listeners (used by tests). */
  closeConnections(): void {
    for (const c of [...this.connections]) c.close('closed by request', 'debug');
  }
}
