/**
 * The broker's configuration: `server.properties` keys, their types, defaults and validation in
 * ONE table (Kafka's KafkaConfig / ServerConfigs). Topic-level configs live in
 * src/storage/log-config.ts; the broker-level `log.*` keys here are their defaults
 * (`log.retention.ms` -> topic `retention.ms`, see `topicDefault` and the topic table's `serverDefault`).
 *
 * Values are held as strings exactly as given (for DescribeConfigs) and parsed on read through
 * `BrokerConfig`'s typed getters.
 */
import { GregorError } from '../../util/errors.js';
import { logConfigDefs } from '../../storage/log-config.js';

export type ConfigType = 'int' | 'long' | 'short' | 'double' | 'boolean' | 'string' | 'list' | 'password' | 'class';

export interface BrokerConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  /** The default as Kafka prints it; `null` = no default (unset). */
  readonly default: string | null;
  readonly doc: string;
  /** Lower bound for numeric types (inclusive). */
  readonly min?: number;
  /** Allowed values for string types. */
  readonly oneOf?: readonly string[];
  /** Kafka's dynamic update mode (KIP-226): read-only keys need a restart. */
  readonly dynamic?: 'read-only' | 'per-broker' | 'cluster-wide';
}

const k = (name: string, type: ConfigType, def: string | null, doc: string, extra: Partial<BrokerConfigKey> = {}): BrokerConfigKey => ({
  name,
  type,
  default: def,
  doc,
  dynamic: 'read-only',
  ...extra,
});

/** Every broker key Gregor understands, with Kafka's defaults. */
export const brokerConfigKeys: readonly BrokerConfigKey[] = [
  k('broker.id', 'int', '-1', 'The broker id; -1 generates one (reserved.broker.max.id + sequence).', { min: -1 }),
  k('broker.rack', 'string', null, 'The rack of the broker, for rack-aware replica assignment.'),
  k('listeners', 'list', 'PLAINTEXT://:9092', 'Comma-separated listener URIs (PLAINTEXT://host:port).'),
  k('advertised.listeners', 'list', null, 'Listeners published to clients; defaults to `listeners`.'),
  k('listener.security.protocol.map', 'string', 'PLAINTEXT:PLAINTEXT', 'Listener name to security protocol.'),
  k('inter.broker.listener.name', 'string', null, 'The listener used between brokers.'),
  k('log.dirs', 'list', null, 'Directories where partition logs are stored; overrides log.dir.'),
  k('log.dir', 'string', '/tmp/kafka-logs', 'The directory for log data when log.dirs is unset.'),
  k('zookeeper.connect', 'string', null, 'host:port[,host:port][/chroot] of the keeper or ZooKeeper ensemble.'),
  k('zookeeper.session.timeout.ms', 'int', '18000', 'The keeper session timeout.', { min: 1 }),
  k('zookeeper.connection.timeout.ms', 'int', null, 'How long to wait for a keeper connection; defaults to the session timeout.'),
  k('num.partitions', 'int', '1', 'Default number of partitions of auto-created topics.', { min: 1, dynamic: 'cluster-wide' }),
  k('default.replication.factor', 'short', '1', 'Default replication factor of auto-created topics.', { min: 1 }),
  k('min.insync.replicas', 'int', '1', 'Minimum ISR size for acks=all produce.', { min: 1, dynamic: 'cluster-wide' }),
  k('auto.create.topics.enable', 'boolean', 'true', 'Create a topic when a client asks for its metadata.'),
  k('delete.topic.enable', 'boolean', 'true', 'Whether DeleteTopics is allowed.'),
  k('unclean.leader.election.enable', 'boolean', 'false', 'Elect an out-of-sync replica as leader as a last resort.', { dynamic: 'cluster-wide' }),
  k('auto.leader.rebalance.enable', 'boolean', 'true', 'Move leadership back to preferred replicas.'),
  k('leader.imbalance.check.interval.seconds', 'long', '300', 'How often the controller checks for leader imbalance.', { min: 1 }),
  k('leader.imbalance.per.broker.percentage', 'int', '10', 'Leader imbalance per broker (percent) that triggers a rebalance.', { min: 0 }),
  k('log.retention.hours', 'int', '168', 'Hours to keep a log segment (lowest precedence).'),
  k('log.retention.minutes', 'int', null, 'Minutes to keep a log segment; overrides log.retention.hours.'),
  k('log.retention.ms', 'long', null, 'Milliseconds to keep a log segment; overrides minutes/hours; -1 = forever.', { dynamic: 'cluster-wide' }),
  k('log.retention.bytes', 'long', '-1', 'Maximum size of a partition log before deleting old segments.', { dynamic: 'cluster-wide' }),
  k('log.retention.check.interval.ms', 'long', '300000', 'How often the log cleaner checks retention.', { min: 1 }),
  k('log.segment.bytes', 'int', '1073741824', 'Maximum size of a single log segment.', { min: 14, dynamic: 'cluster-wide' }),
  k('log.roll.hours', 'int', '168', 'Maximum age of the active segment before it rolls.', { min: 1 }),
  k('log.roll.ms', 'long', null, 'Maximum age of the active segment in ms; overrides log.roll.hours.', { dynamic: 'cluster-wide' }),
  k('log.index.size.max.bytes', 'int', '10485760', 'Maximum size of an offset/time index file.', { min: 4, dynamic: 'cluster-wide' }),
  k('log.index.interval.bytes', 'int', '4096', 'Bytes between offset index entries.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.flush.interval.messages', 'long', '9223372036854775807', 'Messages written before a forced fsync.', { min: 1, dynamic: 'cluster-wide' }),
  k('log.flush.interval.ms', 'long', null, 'Milliseconds before a forced fsync.', { dynamic: 'cluster-wide' }),
  k('log.cleanup.policy', 'list', 'delete', 'Default cleanup policy: delete, compact or both.', { dynamic: 'cluster-wide' }),
  k('log.message.timestamp.type', 'string', 'CreateTime', 'CreateTime or LogAppendTime.', { oneOf: ['CreateTime', 'LogAppendTime'], dynamic: 'cluster-wide' }),
  k('log.roll.jitter.ms', 'long', null, 'Maximum jitter subtracted from the roll time.'),
  k('log.message.timestamp.before.max.ms', 'long', '9223372036854775807', 'Largest allowed age of a CreateTime timestamp.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.message.timestamp.after.max.ms', 'long', '3600000', 'Largest allowed distance of a CreateTime timestamp in the future.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.segment.delete.delay.ms', 'long', '60000', 'Delay before a deleted segment\'s files are removed.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.cleaner.enable', 'boolean', 'true', 'Run the log cleaner (compaction).'),
  k('log.cleaner.backoff.ms', 'long', '15000', 'Sleep of the cleaner when there is nothing to clean.', { min: 0 }),
  k('log.cleaner.delete.retention.ms', 'long', '86400000', 'How long tombstones are kept in compacted topics.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.cleaner.min.cleanable.ratio', 'double', '0.5', 'Minimum dirty ratio before a log is compacted.', { dynamic: 'cluster-wide' }),
  k('log.cleaner.min.compaction.lag.ms', 'long', '0', 'Minimum age of a record before compaction.', { min: 0, dynamic: 'cluster-wide' }),
  k('log.cleaner.max.compaction.lag.ms', 'long', '9223372036854775807', 'Maximum time a record stays uncompacted.', { min: 1, dynamic: 'cluster-wide' }),
  k('log.flush.scheduler.interval.ms', 'long', '9223372036854775807', 'How often the flusher checks for logs to flush.'),
  k('log.flush.offset.checkpoint.interval.ms', 'int', '60000', 'How often recovery points are checkpointed.', { min: 0 }),
  k('compression.type', 'string', 'producer', 'Final compression of topic data.', {
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    dynamic: 'cluster-wide',
  }),
  k('message.max.bytes', 'int', '1048588', 'Largest record batch size allowed (default for topic max.message.bytes).', { min: 0, dynamic: 'cluster-wide' }),
  k('replica.fetch.max.bytes', 'int', '1048576', 'Bytes per partition a follower fetches.', { min: 0 }),
  k('replica.lag.time.max.ms', 'long', '30000', 'A follower that has not caught up within this time leaves the ISR.', { min: 1 }),
  k('replica.fetch.wait.max.ms', 'int', '500', 'How long a follower fetch waits on the leader for data (max.wait.ms of its fetches).', { min: 0 }),
  k('replica.fetch.min.bytes', 'int', '1', 'Bytes a follower fetch waits for (min.bytes of its fetches).', { min: 1 }),
  k('replica.fetch.response.max.bytes', 'int', '10485760', 'Bytes of a whole follower fetch response.', { min: 0 }),
  k('replica.fetch.backoff.ms', 'int', '1000', 'How long a follower waits after a fetch error before fetching that partition again.', { min: 0 }),
  k('replica.socket.timeout.ms', 'int', '30000', 'Request timeout of follower connections (at least replica.fetch.wait.max.ms).', { min: 1 }),
  k('replica.high.watermark.checkpoint.interval.ms', 'long', '5000', 'How often high watermarks are saved to replication-offset-checkpoint.', { min: 1 }),
  k('num.network.threads', 'int', '3', 'Accepted for compatibility; Node runs one event loop.', { min: 1 }),
  k('num.io.threads', 'int', '8', 'Accepted for compatibility; Node runs one event loop.', { min: 1 }),
  k('num.replica.fetchers', 'int', '1', 'Fetcher connections per source broker.', { min: 1 }),
  k('socket.send.buffer.bytes', 'int', '102400', 'SO_SNDBUF; -1 = OS default.'),
  k('socket.receive.buffer.bytes', 'int', '102400', 'SO_RCVBUF; -1 = OS default.'),
  k('socket.request.max.bytes', 'int', '104857600', 'Largest request frame accepted.', { min: 1 }),
  k('connections.max.idle.ms', 'long', '600000', 'Close connections idle this long.'),
  k('max.connections', 'int', '2147483647', 'Maximum concurrent client connections to the broker.', { min: 0, dynamic: 'cluster-wide' }),
  k('max.connections.per.ip', 'int', '2147483647', 'Maximum connections from one IP address.', { min: 0, dynamic: 'cluster-wide' }),
  k('queued.max.requests', 'int', '500', 'Requests read ahead per connection before reading pauses.', { min: 1 }),
  k('request.timeout.ms', 'int', '30000', 'Timeout of the broker\'s own requests.', { min: 0 }),
  k('fetch.max.bytes', 'int', '57671680', 'Maximum bytes returned by one fetch.', { min: 1024 }),
  k('max.incremental.fetch.session.cache.slots', 'int', '1000', 'Fetch sessions kept (KIP-227).', { min: 0 }),
  k('fetch.purgatory.purge.interval.requests', 'int', '1000', 'Accepted for compatibility.'),
  k('producer.purgatory.purge.interval.requests', 'int', '1000', 'Accepted for compatibility.'),
  k('offsets.topic.num.partitions', 'int', '50', 'Partitions of __consumer_offsets.', { min: 1 }),
  k('offsets.topic.replication.factor', 'short', '3', 'Replication factor of __consumer_offsets (capped at live brokers).', { min: 1 }),
  k('offsets.retention.minutes', 'int', '10080', 'Committed offsets of empty groups expire after this.', { min: 1 }),
  k('group.initial.rebalance.delay.ms', 'int', '3000', 'Delay of the first rebalance of a new group.'),
  k('group.min.session.timeout.ms', 'int', '6000', 'Minimum consumer session timeout.'),
  k('group.max.session.timeout.ms', 'int', '1800000', 'Maximum consumer session timeout.'),
  k('group.max.size', 'int', '2147483647', 'Maximum members of one consumer group.', { min: 1 }),
  k('offsets.retention.check.interval.ms', 'long', '600000', 'How often committed offsets are checked for expiry.', { min: 1 }),
  k('offset.metadata.max.bytes', 'int', '4096', 'Largest metadata string of a committed offset.', { min: 0 }),
  k('offsets.topic.segment.bytes', 'int', '104857600', 'segment.bytes of __consumer_offsets.', { min: 1 }),
  k('offsets.commit.timeout.ms', 'int', '5000', 'How long an offset commit waits for all replicas of __consumer_offsets.', { min: 1 }),
  k('transaction.state.log.num.partitions', 'int', '50', 'Partitions of __transaction_state.', { min: 1 }),
  k('transaction.state.log.replication.factor', 'short', '3', 'Replication factor of __transaction_state.', { min: 1 }),
  k('transaction.state.log.min.isr', 'int', '2', 'min.insync.replicas of __transaction_state.', { min: 1 }),
  k('transactional.id.expiration.ms', 'int', '604800000', 'Idle transactional ids expire after this.', { min: 1 }),
  k('transaction.max.timeout.ms', 'int', '900000', 'Largest transaction timeout a producer may ask for.', { min: 1 }),
  k('producer.id.expiration.ms', 'int', '86400000', 'Idle producer ids expire after this.', { min: 1, dynamic: 'cluster-wide' }),
  k('controlled.shutdown.enable', 'boolean', 'true', 'Move leadership away before shutting down.'),
  k('controlled.shutdown.max.retries', 'int', '3', 'Controlled shutdown attempts before the broker stops without it.', { min: 0 }),
  k('controlled.shutdown.retry.backoff.ms', 'long', '5000', 'Wait between controlled shutdown attempts.', { min: 0 }),
  k('reserved.broker.max.id', 'int', '1000', 'Largest broker id a user may configure.', { min: 0 }),
  k('broker.id.generation.enable', 'boolean', 'true', 'Generate a broker id when broker.id is -1.'),
];

const byName = new Map<string, BrokerConfigKey>(brokerConfigKeys.map((c) => [c.name, c]));

export function brokerConfigKey(name: string): BrokerConfigKey | undefined {
  return byName.get(name);
}

/** A broker config value that is not valid for its key. */
export class InvalidConfigError extends GregorError {
  readonly key: string;
  constructor(key: string, message: string) {
    super('GREGOR_ERR_INVALID_CONFIG', `Invalid value for ${key}: ${message}`);
    this.key = key;
  }
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** Checks `value` against the key's type and bounds; throws InvalidConfigError. */
export function validateConfigValue(key: BrokerConfigKey, value: string): void {
  const v = value.trim();
  switch (key.type) {
    case 'int':
    case 'short':
    case 'long': {
      if (!/^-?\d+$/.test(v)) throw new InvalidConfigError(key.name, `'${value}' is not an integer`);
      const n = BigInt(v);
      const [lo, hi] =
        key.type === 'long' ? [-(2n ** 63n), 2n ** 63n - 1n] : key.type === 'short' ? [-32768n, 32767n] : [BigInt(INT32_MIN), BigInt(INT32_MAX)];
      if (n < lo || n > hi) throw new InvalidConfigError(key.name, `${value} is out of range for ${key.type}`);
      if (key.min !== undefined && n < BigInt(key.min)) throw new InvalidConfigError(key.name, `${value} is below the minimum ${key.min}`);
      return;
    }
    case 'double':
      if (!Number.isFinite(Number(v)) || v === '') throw new InvalidConfigError(key.name, `'${value}' is not a number`);
      return;
    case 'boolean':
      if (v.toLowerCase() !== 'true' && v.toLowerCase() !== 'false') throw new InvalidConfigError(key.name, `'${value}' is not true or false`);
      return;
    default:
      if (key.oneOf !== undefined && !key.oneOf.includes(v)) {
        throw new InvalidConfigError(key.name, `'${value}' is not one of ${key.oneOf.join(', ')}`);
      }
  }
}

/**
 * Parses Java properties text (the subset server.properties uses: `key=value` or `key: value`,
 * `#`/`!` comments, backslash line continuation, `\` escapes).
 */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    }
    const m = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const key = unescapeProperty(m === null ? line : m[1]!);
    const value = m === null ? '' : unescapeProperty(m[2]!);
    out.set(key, value.replace(/\s+$/, ''));
  }
  return out;
}

function unescapeProperty(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, c: string) => {
    if (c.length === 5) return String.fromCharCode(parseInt(c.slice(1), 16));
    return c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c === 'f' ? '\f' : c;
  });
}

/** A parsed listener: `PLAINTEXT://host:port` (an empty host binds all interfaces). */
export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
}

export function parseListeners(value: string, key = 'listeners'): ListenerSpec[] {
  const out: ListenerSpec[] = [];
  for (const part of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(part);
    if (m === null) throw new InvalidConfigError(key, `'${part}' is not NAME://host:port`);
    const port = Number(m[3]);
    if (port > 65535) throw new InvalidConfigError(key, `port ${port} is out of range`);
    out.push({ name: m[1]!.toUpperCase(), host: m[2]!.replace(/^\[|\]$/g, ''), port });
  }
  if (out.length === 0) throw new InvalidConfigError(key, 'no listener given');
  return out;
}

/** Where a config value came from (Kafka's DescribeConfigs ConfigSource). */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSourceValue = (typeof ConfigSource)[keyof typeof ConfigSource];

/**
 * A validated broker configuration. `values` holds what was set statically (server.properties
 * or options); `dynamic` what AlterConfigs set at run time (per-broker overrides).
 */
export class BrokerConfig {
  private readonly values: Map<string, string>;
  readonly dynamic = new Map<string, string>();
  /** Keys that were given but are unknown (logged by the caller, as Kafka warns). */
  readonly unknownKeys: string[] = [];

  constructor(props: Map<string, string> | Record<string, string | number | boolean>) {
    const entries = props instanceof Map ? [...props] : Object.entries(props).map(([a, b]) => [a, String(b)] as const);
    this.values = new Map();
    for (const [name, value] of entries) {
      const key = byName.get(name);
      if (key === undefined) {
        this.unknownKeys.push(name);
        this.values.set(name, value);
        continue;
      }
      validateConfigValue(key, value);
      this.values.set(name, value.trim());
    }
    // Cross-key checks Kafka makes at start-up.
    parseListeners(this.string('listeners'));
    const adv = this.raw('advertised.listeners');
    if (adv !== null) parseListeners(adv, 'advertised.listeners');
    if (this.logDirs().length === 0) throw new InvalidConfigError('log.dirs', 'no log directory configured');
  }

  /** The effective string value and its source, or null when unset without a default. */
  lookup(name: string): { value: string | null; source: ConfigSourceValue } {
    const d = this.dynamic.get(name);
    if (d !== undefined) return { value: d, source: ConfigSource.DYNAMIC_BROKER_CONFIG };
    const v = this.values.get(name);
    if (v !== undefined) return { value: v, source: ConfigSource.STATIC_BROKER_CONFIG };
    return { value: byName.get(name)?.default ?? null, source: ConfigSource.DEFAULT_CONFIG };
  }

  raw(name: string): string | null {
    return this.lookup(name).value;
  }

  isSet(name: string): boolean {
    return this.dynamic.has(name) || this.values.has(name);
  }

  string(name: string): string {
    const v = this.raw(name);
    if (v === null) throw new InvalidConfigError(name, 'is required');
    return v;
  }

  int(name: string): number {
    return Number(this.string(name));
  }

  /** longs as numbers: every long key here (ms, bytes) fits in 2^53, except "unbounded" sentinels. */
  long(name: string): number {
    const v = BigInt(this.string(name));
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  bool(name: string): boolean {
    return this.string(name).toLowerCase() === 'true';
  }

  list(name: string): string[] {
    const v = this.raw(name);
    if (v === null) return [];
    return v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  brokerId(): number {
    return this.int('broker.id');
  }

  logDirs(): string[] {
    const dirs = this.list('log.dirs');
    return dirs.length > 0 ? dirs : [this.string('log.dir')];
  }

  listeners(): ListenerSpec[] {
    return parseListeners(this.string('listeners'));
  }

  /** advertised.listeners, defaulting to listeners (Kafka's rule). */
  advertisedListeners(): ListenerSpec[] {
    const adv = this.raw('advertised.listeners');
    return adv === null ? this.listeners() : parseListeners(adv, 'advertised.listeners');
  }

  /** log.retention.ms with Kafka's precedence: ms > minutes > hours. */
  logRetentionMs(): number {
    if (this.raw('log.retention.ms') !== null) return this.long('log.retention.ms');
    if (this.raw('log.retention.minutes') !== null) return this.int('log.retention.minutes') * 60_000;
    return this.int('log.retention.hours') * 3_600_000;
  }

  /** log.roll.ms with precedence ms > hours. */
  logRollMs(): number {
    if (this.raw('log.roll.ms') !== null) return this.long('log.roll.ms');
    return this.int('log.roll.hours') * 3_600_000;
  }

  /**
   * The broker-level default of a topic config (its synonym in the topic table's
   * `serverDefault`, with log.retention.{ms,minutes,hours} and log.roll.{ms,hours} precedence),
   * or undefined when the broker has no such key.
   */
  topicDefault(topicKey: string): { value: string; brokerKey: string; source: ConfigSourceValue } | undefined {
    const def = logConfigDefs.get(topicKey);
    if (def === undefined) return undefined;
    const pick = (keys: string[], value: () => number): { value: string; brokerKey: string; source: ConfigSourceValue } => {
      const set = keys.find((k) => this.isSet(k));
      return { value: String(value()), brokerKey: set ?? keys[keys.length - 1]!, source: set !== undefined ? this.lookup(set).source : ConfigSource.DEFAULT_CONFIG };
    };
    if (topicKey === 'retention.ms') return pick(['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'], () => this.logRetentionMs());
    if (topicKey === 'segment.ms') return pick(['log.roll.ms', 'log.roll.hours'], () => this.logRollMs());
    const l = this.lookup(def.serverDefault);
    if (l.value === null) return undefined;
    return { value: l.value, brokerKey: def.serverDefault, source: l.source };
  }

  /** Every known key with its effective value and source (DescribeConfigs on a broker). */
  describe(): { name: string; value: string | null; source: ConfigSourceValue; key: BrokerConfigKey }[] {
    return brokerConfigKeys.map((key) => ({ name: key.name, key, ...this.lookup(key.name) }));
  }

  /** Sets a dynamic per-broker value (AlterConfigs); read-only keys are refused. */
  setDynamic(name: string, value: string | null): void {
    const key = byName.get(name);
    if (key === undefined) throw new InvalidConfigError(name, 'unknown broker config');
    if (key.dynamic === 'read-only') throw new InvalidConfigError(name, 'cannot be updated dynamically (read-only, needs a restart)');
    if (value === null) {
      this.dynamic.delete(name);
      return;
    }
    validateConfigValue(key, value);
    this.dynamic.set(name, value.trim());
  }
}

/** Reads a server.properties file's text into a BrokerConfig, with `overrides` applied on top. */
export function brokerConfigFromProperties(text: string, overrides: Record<string, string> = {}): BrokerConfig {
  const props = parseProperties(text);
  for (const [a, b] of Object.entries(overrides)) props.set(a, b);
  return new BrokerConfig(props);
}
