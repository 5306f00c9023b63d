/**
 * Client settings, by the names Kafka's Java client uses (camelCased here); defaults are Kafka's.
 */
import { ClientError } from './errors.js';

export interface ClientConfig {
  /** bootstrap.servers: `host:port,host:port` or a list. */
  bootstrapServers: string | string[];
  /** client.id */
  clientId?: string;
  /** request.timeout.ms (default 30000) */
  requestTimeoutMs?: number;
  /** socket.connection.setup.timeout.ms (default 10000) */
  connectTimeoutMs?: number;
  /** retry.backoff.ms (default 100) */
  retryBackoffMs?: number;
  /** retry.backoff.max.ms (default 1000) */
  retryBackoffMaxMs?: number;
  /** metadata.max.age.ms (default 300000) */
  metadataMaxAgeMs?: number;
  /** How many times an operation is retried on a retriable error (default 10 for admin/metadata). */
  retries?: number;
}

export interface ResolvedClientConfig {
  bootstrapServers: { host: string; port: number }[];
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  metadataMaxAgeMs: number;
  retries: number;
}

export function parseHostPort(s: string): { host: string; port: number } {
  const trimmed = s.trim().replace(/^[A-Za-z_]+:\/\//, '');
  const i = trimmed.lastIndexOf(':');
  if (i <= 0) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `bootstrap server "${s}" is not host:port`);
  const host = trimmed.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  const port = Number(trimmed.slice(i + 1));
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `bad port in "${s}"`);
  return { host, port };
}

export function resolveClientConfig(c: ClientConfig): ResolvedClientConfig {
  const list = Array.isArray(c.bootstrapServers) ? c.bootstrapServers : c.bootstrapServers.split(',');
  const servers = list.map((s) => s.trim()).filter((s) => s !== '').map(parseHostPort);
  if (servers.length === 0) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'bootstrap.servers is empty');
  return {
    bootstrapServers: servers,
    clientId: c.clientId ?? 'gregor',
    requestTimeoutMs: c.requestTimeoutMs ?? 30000,
    connectTimeoutMs: c.connectTimeoutMs ?? 10000,
    retryBackoffMs: c.retryBackoffMs ?? 100,
    retryBackoffMaxMs: c.retryBackoffMaxMs ?? 1000,
    metadataMaxAgeMs: c.metadataMaxAgeMs ?? 300000,
    retries: c.retries ?? 10,
  };
}

/** Exponential backoff with ±20% jitter, as Kafka's ExponentialBackoff. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.max(0, Math.round(exp * jitter));
}
