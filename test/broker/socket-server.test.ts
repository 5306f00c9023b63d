/**
 * SocketServer before request processing is enabled (the broker still starting): accepted
 * sockets wait paused, within max.connections; beyond it new ones are closed, as after start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { SocketServer } from '../../src/broker/network/socket-server.js';
import type { BrokerServices } from '../../src/broker/broker-services.js';
import { createLogger } from '../../src/util/logger.js';

test('max.connections also bounds the connections held while the broker starts', { timeout: 30_000 }, async () => {
  const server = new SocketServer({
    listeners: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 0 }],
    services: {} as BrokerServices, // not reached before request processing is enabled
    maxRequestBytes: 1 << 20,
    idleTimeoutMs: 600_000,
    maxConnections: 2,
    maxQueuedRequests: 10,
    logger: createLogger({ level: 'silent' }),
  } as ConstructorParameters<typeof SocketServer>[0]);
  const [bound] = await server.start();
  const sockets: { socket: Socket; closed: boolean }[] = [];
  try {
    for (let i = 0; i < 5; i++) {
      const entry = { socket: connect(bound!.port, '127.0.0.1'), closed: false };
      entry.socket.on('error', () => undefined);
      entry.socket.on('close', () => (entry.closed = true));
      sockets.push(entry);
      await new Promise((r) => entry.socket.once('connect', r));
    }
    for (let i = 0; i < 500 && sockets.filter((s) => s.closed).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(sockets.map((s) => s.closed), [false, false, true, true, true]);
  } finally {
    for (const s of sockets) s.socket.destroy();
    await server.stop();
  }
});
