/**
 * Kafka client properties (`--producer-property`, `--producer.config`, `--producer-props`,
 * `--consumer-property`, ...) mapped onto the Gregor client's settings. Unknown keys are
 * reported, not silently dropped.
 */
import type { Compression } from '../../protocol/records/attributes.js';
import type { ConsumerConfig } from '../../client/consumer/config.js';
import type { ProducerConfig, Acks } from '../../client/producer/config.js';
import type { AssignorName } from '../../client/consumer/assignors.js';
import { UsageError } from './args.js';

const COMPRESSIONS: readonly string[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function num(k: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`invalid value '${v}' for ${k}`);
  return n;
}

function bool(k: string, v: string): boolean {
  if (v !== 'true' && v !== 'false') throw new UsageError(`invalid value '${v}' for ${k}: expected true or false`);
  return v === 'true';
}

/** Common properties; returns false when the key is not a common one. */
function applyCommon(
  c: { bootstrapServers?: string | string[]; clientId?: string; requestTimeoutMs?: number; retryBackoffMs?: number; retryBackoffMaxMs?: number; metadataMaxAgeMs?: number; connectTimeoutMs?: number },
  k: string,
  v: string,
): boolean {
  switch (k) {
    case 'bootstrap.servers': c.bootstrapServers = v; return true;
    case 'client.id': c.clientId = v; return true;
    case 'request.timeout.ms': c.requestTimeoutMs = num(k, v); return true;
    case 'retry.backoff.ms': c.retryBackoffMs = num(k, v); return true;
    case 'retry.backoff.max.ms': c.retryBackoffMaxMs = num(k, v); return true;
    case 'metadata.max.age.ms': c.metadataMaxAgeMs = num(k, v); return true;
    // The time a connection may take to be set up (Kafka's socket.connection.setup.timeout.ms).
    case 'socket.connection.setup.timeout.ms': c.connectTimeoutMs = num(k, v); return true;
    // Accepted and meaningless here: serializers are bytes/strings; security is PLAINTEXT.
    case 'key.serializer': case 'value.serializer': case 'key.deserializer': case 'value.deserializer':
    case 'security.protocol': case 'client.dns.lookup': case 'receive.buffer.bytes': case 'send.buffer.bytes':
      return true;
    default: return false;
  }
}

export function parseCompression(v: string): Compression {
  if (!COMPRESSIONS.includes(v)) throw new UsageError(`unknown compression '${v}' (none, gzip, snappy, lz4, zstd)`);
  return v as Compression;
}

export function applyProducerProps(c: Partial<ProducerConfig>, props: Map<string, string>): void {
  for (const [k, v] of props) {
    if (applyCommon(c, k, v)) continue;
    switch (k) {
      case 'acks': c.acks = (v === 'all' ? 'all' : num(k, v)) as Acks; break;
      case 'batch.size': c.batchSize = num(k, v); break;
      case 'linger.ms': c.lingerMs = num(k, v); break;
      case 'buffer.memory': c.bufferMemory = num(k, v); break;
      case 'max.block.ms': c.maxBlockMs = num(k, v); break;
      case 'compression.type': c.compression = parseCompression(v); break;
      case 'compression.gzip.level': case 'compression.zstd.level': case 'compression.lz4.level': c.compressionLevel = num(k, v); break;
      case 'max.in.flight.requests.per.connection': c.maxInFlightRequestsPerConnection = num(k, v); break;
      case 'enable.idempotence': c.enableIdempotence = bool(k, v); break;
      case 'delivery.timeout.ms': c.deliveryTimeoutMs = num(k, v); break;
      case 'max.request.size': c.maxRequestSize = num(k, v); break;
      case 'retries': c.retries = num(k, v); break;
      default: throw new UsageError(`unknown producer property '${k}'`);
    }
  }
}

export function applyConsumerProps(c: Partial<ConsumerConfig>, props: Map<string, string>): void {
  for (const [k, v] of props) {
    if (applyCommon(c, k, v)) continue;
    switch (k) {
      case 'group.id': c.groupId = v; break;
      case 'group.instance.id': c.groupInstanceId = v; break;
      case 'auto.offset.reset': c.autoOffsetReset = v as ConsumerConfig['autoOffsetReset']; break;
      case 'enable.auto.commit': c.enableAutoCommit = bool(k, v); break;
      case 'auto.commit.interval.ms': c.autoCommitIntervalMs = num(k, v); break;
      case 'isolation.level': c.isolationLevel = v as ConsumerConfig['isolationLevel']; break;
      case 'session.timeout.ms': c.sessionTimeoutMs = num(k, v); break;
      case 'heartbeat.interval.ms': c.heartbeatIntervalMs = num(k, v); break;
      case 'max.poll.interval.ms': c.maxPollIntervalMs = num(k, v); break;
      case 'fetch.min.bytes': c.fetchMinBytes = num(k, v); break;
      case 'fetch.max.bytes': c.fetchMaxBytes = num(k, v); break;
      case 'fetch.max.wait.ms': c.fetchMaxWaitMs = num(k, v); break;
      case 'max.partition.fetch.bytes': c.maxPartitionFetchBytes = num(k, v); break;
      case 'max.poll.records': c.maxPollRecords = num(k, v); break;
      case 'allow.auto.create.topics': c.allowAutoCreateTopics = bool(k, v); break;
      case 'partition.assignment.strategy':
        c.partitionAssignmentStrategy = v.split(',').map((s) => assignorName(s.trim()));
        break;
      default: throw new UsageError(`unknown consumer property '${k}'`);
    }
  }
}

/** Accepts Kafka's class names (org.apache.kafka.clients.consumer.RangeAssignor) and short names. */
function assignorName(s: string): AssignorName {
  const short = s.replace(/^.*\./, '');
  const byClass: Record<string, AssignorName> = {
    RangeAssignor: 'range', RoundRobinAssignor: 'roundrobin', StickyAssignor: 'sticky', CooperativeStickyAssignor: 'cooperative-sticky',
    range: 'range', roundrobin: 'roundrobin', sticky: 'sticky', 'cooperative-sticky': 'cooperative-sticky',
  };
  const n = byClass[short] ?? byClass[s];
  if (n === undefined) throw new UsageError(`unknown partition.assignment.strategy '${s}'`);
  return n;
}
