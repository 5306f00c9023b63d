/**
 * `kafka.producer.*` passthrough for the Kafka sink: Kafka's producer property names mapped
 * onto Gregor's ProducerConfig. An unknown or invalid property is a configuration error naming
 * the full key, rather than silently ignored.
 */
import type { Compression } from '../../protocol/records/attributes.js';
import type { Acks, ProducerConfig } from '../../client/producer/config.js';
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';

const COMPRESSIONS: readonly Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

/** Accepted and meaningless here: bytes are sent as they are, and only PLAINTEXT exists. */
const ACCEPTED = new Set([
  'key.serializer', 'value.serializer', 'client.dns.lookup', 'receive.buffer.bytes', 'send.buffer.bytes',
  'connections.max.idle.ms', 'reconnect.backoff.ms', 'reconnect.backoff.max.ms', 'partitioner.class',
]);

type NumericKey = 'lingerMs' | 'batchSize' | 'bufferMemory' | 'maxBlockMs' | 'maxInFlightRequestsPerConnection' | 'deliveryTimeoutMs'
  | 'maxRequestSize' | 'retries' | 'requestTimeoutMs' | 'retryBackoffMs' | 'retryBackoffMaxMs' | 'metadataMaxAgeMs' | 'connectTimeoutMs' | 'compressionLevel';

const NUMERIC: Record<string, NumericKey> = {
  'linger.ms': 'lingerMs',
  'batch.size': 'batchSize',
  'buffer.memory': 'bufferMemory',
  'max.block.ms': 'maxBlockMs',
  'max.in.flight.requests.per.connection': 'maxInFlightRequestsPerConnection',
  'delivery.timeout.ms': 'deliveryTimeoutMs',
  'max.request.size': 'maxRequestSize',
  retries: 'retries',
  'request.timeout.ms': 'requestTimeoutMs',
  'retry.backoff.ms': 'retryBackoffMs',
  'retry.backoff.max.ms': 'retryBackoffMaxMs',
  'metadata.max.age.ms': 'metadataMaxAgeMs',
  'socket.connection.setup.timeout.ms': 'connectTimeoutMs',
  'compression.gzip.level': 'compressionLevel',
  'compression.lz4.level': 'compressionLevel',
  'compression.zstd.level': 'compressionLevel',
};

export function producerPropsFromContext(p: Context, into: Partial<ProducerConfig>): void {
  for (const k of p.keys()) {
    const v = p.string(k)!;
    const bad = (why: string): never => {
      throw new AgentConfigError(p.keyOf(k), why);
    };
    const numeric = Object.hasOwn(NUMERIC, k) ? NUMERIC[k] : undefined;
    if (numeric !== undefined) {
      const n = Number(v);
      if (v === '' || !Number.isFinite(n) || n < 0) bad(`'${v}' is not a non-negative number`);
      into[numeric] = n;
      continue;
    }
    switch (k) {
      case 'acks':
        if (!['all', '-1', '0', '1'].includes(v)) bad(`'${v}' is not one of all, -1, 0, 1`);
        into.acks = (v === 'all' ? 'all' : Number(v)) as Acks;
        break;
      case 'compression.type':
        if (!COMPRESSIONS.includes(v as Compression)) bad(`'${v}' is not one of ${COMPRESSIONS.join(', ')}`);
        into.compression = v as Compression;
        break;
      case 'enable.idempotence':
        if (v !== 'true' && v !== 'false') bad(`'${v}' is not true or false`);
        into.enableIdempotence = v === 'true';
        break;
      case 'client.id':
        into.clientId = v;
        break;
      case 'bootstrap.servers':
        into.bootstrapServers = v;
        break;
      case 'security.protocol':
        if (v.toUpperCase() !== 'PLAINTEXT') bad(`only PLAINTEXT is supported, got '${v}'`);
        break;
      default:
        if (!ACCEPTED.has(k)) bad('is not a producer property Gregor knows');
    }
  }
}
