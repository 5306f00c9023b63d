/**
 * Topic-level log configuration: ONE table with Kafka's names, types, defaults and validation
 * (Kafka's TopicConfig / LogConfig). The broker reuses it for DescribeConfigs / AlterConfigs
 * and maps its `log.*` server properties onto these names (`serverDefault` names the
 * broker-level key, as Kafka's LogConfig.TopicConfigSynonyms does).
 */
import { KafkaError, ErrorCode } from '../protocol/errors.js';

export type ConfigType = 'int' | 'long' | 'double' | 'string' | 'list' | 'boolean';

export interface ConfigDef {
  readonly name: string;
  readonly type: ConfigType;
  /** The default, in its parsed form (numbers for int/long/double; longs fit in a double). */
  readonly defaultValue: number | string | boolean | readonly string[];
  /** The broker property that sets the default (Kafka's synonym). */
  readonly serverDefault: string;
  readonly min?: number;
  readonly max?: number;
  /** For strings and lists: the allowed values. */
  readonly validValues?: readonly string[];
  readonly doc: string;
}

const INT_MAX = 2147483647;
const LONG_MAX = Number.MAX_SAFE_INTEGER; // Kafka's Long.MAX_VALUE; beyond 2^53 makes no difference in ms or bytes

const defs: readonly ConfigDef[] = [
  { name: 'segment.bytes', type: 'int', defaultValue: 1073741824, serverDefault: 'log.segment.bytes', min: 14, max: INT_MAX, doc: 'Segment file size: the active segment rolls when this many bytes would be exceeded.' },
  { name: 'segment.ms', type: 'long', defaultValue: 604800000, serverDefault: 'log.roll.ms', min: 1, max: LONG_MAX, doc: 'Roll the active segment after this long even if not full (so retention and compaction can act).' },
  { name: 'segment.jitter.ms', type: 'long', defaultValue: 0, serverDefault: 'log.roll.jitter.ms', min: 0, max: LONG_MAX, doc: 'Maximum random jitter subtracted from segment.ms to avoid thundering herds of rolls.' },
  { name: 'segment.index.bytes', type: 'int', defaultValue: 10485760, serverDefault: 'log.index.size.max.bytes', min: 4, max: INT_MAX, doc: 'Maximum size of the offset index (and time index); a full index rolls the segment.' },
  { name: 'index.interval.bytes', type: 'int', defaultValue: 4096, serverDefault: 'log.index.interval.bytes', min: 0, max: INT_MAX, doc: 'Bytes between offset-index entries.' },
  { name: 'max.message.bytes', type: 'int', defaultValue: 1048588, serverDefault: 'message.max.bytes', min: 0, max: INT_MAX, doc: 'Largest record batch size allowed.' },
  { name: 'message.timestamp.type', type: 'string', defaultValue: 'CreateTime', serverDefault: 'log.message.timestamp.type', validValues: ['CreateTime', 'LogAppendTime'], doc: 'Whether record timestamps are the producer\'s (CreateTime) or the broker\'s append time.' },
  { name: 'message.timestamp.before.max.ms', type: 'long', defaultValue: LONG_MAX, serverDefault: 'log.message.timestamp.before.max.ms', min: 0, max: LONG_MAX, doc: 'Largest allowed difference of a CreateTime timestamp in the past from the broker time.' },
  { name: 'message.timestamp.after.max.ms', type: 'long', defaultValue: 3600000, serverDefault: 'log.message.timestamp.after.max.ms', min: 0, max: LONG_MAX, doc: 'Largest allowed difference of a CreateTime timestamp in the future from the broker time.' },
  { name: 'retention.ms', type: 'long', defaultValue: 604800000, serverDefault: 'log.retention.ms', min: -1, max: LONG_MAX, doc: 'Delete segments whose newest record is older than this (-1: no time limit).' },
  { name: 'retention.bytes', type: 'long', defaultValue: -1, serverDefault: 'log.retention.bytes', min: -1, max: LONG_MAX, doc: 'Delete oldest segments while the log is larger than this (-1: no size limit).' },
  { name: 'cleanup.policy', type: 'list', defaultValue: ['delete'], serverDefault: 'log.cleanup.policy', validValues: ['delete', 'compact'], doc: '"delete" (retention), "compact" (keep the latest value per key) or both.' },
  { name: 'delete.retention.ms', type: 'long', defaultValue: 86400000, serverDefault: 'log.cleaner.delete.retention.ms', min: 0, max: LONG_MAX, doc: 'How long tombstones (and transaction markers) are kept in compacted logs.' },
  { name: 'min.cleanable.dirty.ratio', type: 'double', defaultValue: 0.5, serverDefault: 'log.cleaner.min.cleanable.ratio', min: 0, max: 1, doc: 'Compact only when dirty bytes / total bytes reaches this ratio.' },
  { name: 'min.compaction.lag.ms', type: 'long', defaultValue: 0, serverDefault: 'log.cleaner.min.compaction.lag.ms', min: 0, max: LONG_MAX, doc: 'Minimum age of a record before it may be compacted.' },
  { name: 'max.compaction.lag.ms', type: 'long', defaultValue: LONG_MAX, serverDefault: 'log.cleaner.max.compaction.lag.ms', min: 1, max: LONG_MAX, doc: 'Maximum time a record may stay uncompacted (overrides the dirty ratio).' },
  { name: 'file.delete.delay.ms', type: 'long', defaultValue: 60000, serverDefault: 'log.segment.delete.delay.ms', min: 0, max: LONG_MAX, doc: 'How long a deleted segment stays as *.deleted before its files are removed.' },
  { name: 'flush.messages', type: 'long', defaultValue: LONG_MAX, serverDefault: 'log.flush.interval.messages', min: 1, max: LONG_MAX, doc: 'fsync after this many messages (default: leave it to the OS and replication).' },
  { name: 'flush.ms', type: 'long', defaultValue: LONG_MAX, serverDefault: 'log.flush.interval.ms', min: 0, max: LONG_MAX, doc: 'fsync when the oldest unflushed message is this old (default: never).' },
  { name: 'min.insync.replicas', type: 'int', defaultValue: 1, serverDefault: 'min.insync.replicas', min: 1, max: INT_MAX, doc: 'Minimum ISR size for acks=all produce (used by the broker, not the log).' },
  { name: 'unclean.leader.election.enable', type: 'boolean', defaultValue: false, serverDefault: 'unclean.leader.election.enable', doc: 'Allow out-of-sync replicas to become leader (used by the controller).' },
  { name: 'compression.type', type: 'string', defaultValue: 'producer', serverDefault: 'compression.type', validValues: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'], doc: 'Stored compression; only "producer" (keep what the producer sent) is applied by this log.' },
];

/** The table, by name. */
export const logConfigDefs: ReadonlyMap<string, ConfigDef> = new Map(defs.map((d) => [d.name, d]));

/** The parsed configuration one log runs with. */
export interface LogConfig {
  segmentBytes: number;
  segmentMs: number;
  segmentJitterMs: number;
  segmentIndexBytes: number;
  indexIntervalBytes: number;
  maxMessageBytes: number;
  messageTimestampType: 'CreateTime' | 'LogAppendTime';
  messageTimestampBeforeMaxMs: number;
  messageTimestampAfterMaxMs: number;
  retentionMs: number;
  retentionBytes: number;
  compact: boolean;
  delete: boolean;
  deleteRetentionMs: number;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  fileDeleteDelayMs: number;
  flushMessages: number;
  flushMs: number;
  /** The raw parsed values by Kafka name (for DescribeConfigs). */
  values: ReadonlyMap<string, number | string | boolean | readonly string[]>;
}

export type ConfigOverrides = Readonly<Record<string, string | number | boolean | readonly string[] | undefined>>;

function invalid(name: string, value: unknown, why: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_CONFIG, `invalid value ${JSON.stringify(value)} for configuration ${name}: ${why}`);
}

/** Parses and validates one value; throws KafkaError(INVALID_CONFIG). */
export function parseConfigValue(def: ConfigDef, raw: string | number | boolean | readonly string[]): number | string | boolean | readonly string[] {
  switch (def.type) {
    case 'int':
    case 'long':
    case 'double': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw.trim()) : NaN;
      if (!Number.isFinite(n) && !(typeof raw === 'string' && raw.trim() === '9223372036854775807')) throw invalid(def.name, raw, `expected a number (${def.type})`);
      const v = Number.isFinite(n) ? Math.min(n, LONG_MAX) : LONG_MAX;
      if (def.type !== 'double' && !Number.isInteger(v)) throw invalid(def.name, raw, `expected an integer (${def.type})`);
      if (def.min !== undefined && v < def.min) throw invalid(def.name, raw, `must be at least ${def.min}`);
      if (def.max !== undefined && v > def.max) throw invalid(def.name, raw, `must be at most ${def.max}`);
      return v;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).trim().toLowerCase();
      if (s === 'true' || s === 'false') return s === 'true';
      throw invalid(def.name, raw, 'expected true or false');
    }
    case 'string': {
      const s = String(raw).trim();
      if (def.validValues !== undefined && !def.validValues.includes(s)) throw invalid(def.name, raw, `must be one of ${def.validValues.join(', ')}`);
      return s;
    }
    case 'list': {
      const items = (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter((s) => s !== '');
      for (const s of items) {
        if (def.validValues !== undefined && !def.validValues.includes(s)) throw invalid(def.name, raw, `items must be among ${def.validValues.join(', ')}`);
      }
      if (items.length === 0) throw invalid(def.name, raw, 'must not be empty');
      return items;
    }
  }
}

/**
 * Builds a LogConfig from defaults (`base`, usually the broker's) and topic `overrides`.
 * Unknown names are refused (Kafka: INVALID_CONFIG "Unknown topic config name").
 */
export function buildLogConfig(overrides: ConfigOverrides = {}, base: ConfigOverrides = {}): LogConfig {
  const values = new Map<string, number | string | boolean | readonly string[]>();
  for (const def of defs) values.set(def.name, def.defaultValue);
  for (const layer of [base, overrides]) {
    for (const [name, raw] of Object.entries(layer)) {
      if (raw === undefined) continue;
      const def = logConfigDefs.get(name);
      if (def === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
      values.set(name, parseConfigValue(def, raw));
    }
  }
  const num = (n: string): number => values.get(n) as number;
  const policy = values.get('cleanup.policy') as readonly string[];
  const config: LogConfig = {
    segmentBytes: num('segment.bytes'),
    segmentMs: num('segment.ms'),
    segmentJitterMs: num('segment.jitter.ms'),
    segmentIndexBytes: num('segment.index.bytes'),
    indexIntervalBytes: num('index.interval.bytes'),
    maxMessageBytes: num('max.message.bytes'),
    messageTimestampType: values.get('message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    messageTimestampBeforeMaxMs: num('message.timestamp.before.max.ms'),
    messageTimestampAfterMaxMs: num('message.timestamp.after.max.ms'),
    retentionMs: num('retention.ms'),
    retentionBytes: num('retention.bytes'),
    compact: policy.includes('compact'),
    delete: policy.includes('delete'),
    deleteRetentionMs: num('delete.retention.ms'),
    minCleanableDirtyRatio: num('min.cleanable.dirty.ratio'),
    minCompactionLagMs: num('min.compaction.lag.ms'),
    maxCompactionLagMs: num('max.compaction.lag.ms'),
    fileDeleteDelayMs: num('file.delete.delay.ms'),
    flushMessages: num('flush.messages'),
    flushMs: num('flush.ms'),
    values,
  };
  return config;
}

/** Kafka's DescribeConfigs view of one value as a string. */
export function configValueToString(v: number | string | boolean | readonly string[]): string {
  if (Array.isArray(v)) return v.join(',');
  if (typeof v === 'number' && v === LONG_MAX) return '9223372036854775807';
  return String(v);
}
