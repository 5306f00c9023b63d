/** Producer settings by Kafka's names (camelCased), with Kafka 4.0's defaults. */
import type { Compression } from '../../protocol/records/attributes.js';
import type { ClientConfig } from '../config.js';
import { ClientError } from '../errors.js';
import type { Partitioner } from '../partitioner.js';

export type Acks = 0 | 1 | -1 | 'all';

export interface ProducerConfig extends ClientConfig {
  /** acks (default 'all' = -1) */
  acks?: Acks;
  /** batch.size in bytes (default 16384) */
  batchSize?: number;
  /** linger.ms (default 5, Kafka 4.0) */
  lingerMs?: number;
  /** buffer.memory in bytes (default 32 MiB) */
  bufferMemory?: number;
  /** max.block.ms: how long send() waits for buffer space or metadata (default 60000) */
  maxBlockMs?: number;
  /** compression.type (default none) */
  compression?: Compression;
  /** compression.<codec>.level */
  compressionLevel?: number;
  /** max.in.flight.requests.per.connection (default 5) */
  maxInFlightRequestsPerConnection?: number;
  /** enable.idempotence (default true; needs acks=all and max.in.flight <= 5) */
  enableIdempotence?: boolean;
  /** delivery.timeout.ms (default 120000) */
  deliveryTimeoutMs?: number;
  /** max.request.size (default 1048576) */
  maxRequestSize?: number;
  partitioner?: Partitioner;
}

export interface ResolvedProducerConfig {
  acks: 0 | 1 | -1;
  batchSize: number;
  lingerMs: number;
  bufferMemory: number;
  maxBlockMs: number;
  compression: Compression;
  compressionLevel: number | undefined;
  maxInFlight: number;
  idempotent: boolean;
  deliveryTimeoutMs: number;
  maxRequestSize: number;
  requestTimeoutMs: number;
  /** retries: how often a failed batch is sent again (Java's default: no limit but delivery.timeout.ms). */
  retries: number;
}

function positive(name: string, v: number, min = 0): number {
  if (!Number.isFinite(v) || v < min) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `${name} must be >= ${min}, got ${v}`);
  return v;
}

export function resolveProducerConfig(c: ProducerConfig): ResolvedProducerConfig {
  const acks = c.acks === 'all' || c.acks === undefined ? -1 : c.acks;
  if (acks !== 0 && acks !== 1 && acks !== -1) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `acks must be 0, 1, -1 or all, got ${String(c.acks)}`);
  const maxInFlight = positive('max.in.flight.requests.per.connection', c.maxInFlightRequestsPerConnection ?? 5, 1);
  // Like the Java client: idempotence is on unless the other settings exclude it; asking for it
  // explicitly with incompatible settings is a configuration error.
  if (c.enableIdempotence === true && (acks !== -1 || maxInFlight > 5)) {
    throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'enable.idempotence needs acks=all and max.in.flight.requests.per.connection <= 5');
  }
  const retries = positive('retries', c.retries ?? Number.MAX_SAFE_INTEGER);
  if (c.enableIdempotence === true && retries === 0) {
    throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'Must set retries to non-zero when using the idempotent producer.');
  }
  const idempotent = c.enableIdempotence ?? (acks === -1 && maxInFlight <= 5 && retries > 0);
  return {
    acks,
    batchSize: positive('batch.size', c.batchSize ?? 16384),
    lingerMs: positive('linger.ms', c.lingerMs ?? 5),
    bufferMemory: positive('buffer.memory', c.bufferMemory ?? 32 * 1024 * 1024, 1),
    maxBlockMs: positive('max.block.ms', c.maxBlockMs ?? 60000),
    compression: c.compression ?? 'none',
    compressionLevel: c.compressionLevel,
    maxInFlight,
    idempotent,
    deliveryTimeoutMs: positive('delivery.timeout.ms', c.deliveryTimeoutMs ?? 120000, 1),
    maxRequestSize: positive('max.request.size', c.maxRequestSize ?? 1048576, 1),
    requestTimeoutMs: c.requestTimeoutMs ?? 30000,
    retries,
  };
}
