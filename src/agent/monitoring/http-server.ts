/**
 * Flume's HTTP monitoring (`flume.monitoring.type = http`): GET /metrics answers every
 * component's counters as one JSON object. Anything else is 404. Listens where asked
 * (127.0.0.1 by default here; Flume binds all interfaces).
 */
import { createServer, type Server } from 'node:http';
import type { CounterRegistry } from './counters.js';

export interface MonitoringServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMonitoringServer(registry: CounterRegistry, port: number, host = '127.0.0.1'): Promise<MonitoringServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(registry.snapshot()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as { port: number }).port;
  return {
    port: bound,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
