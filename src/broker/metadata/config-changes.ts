/**
 * Config validation and IncrementalAlterConfigs arithmetic for topic and broker config
 * entities (`/config/topics/<t>`, `/config/brokers/<id>`), against the topic config table in
 * src/storage/log-config.ts. Pure; throws KafkaError(INVALID_CONFIG) as Kafka does.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { buildLogConfig, logConfigDefs, parseConfigValue } from '../../storage/log-config.js';
import type { AlterConfigOp } from './metadata-service.js';

/** Validates topic overrides against the topic config table; returns them as strings. */
export function validateTopicConfigs(configs: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs)) {
    if (v === null || v === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${k}`);
    out[k] = String(v);
  }
  buildLogConfig(out);
  return out;
}

/**
 * Dynamic broker configs: the broker-level names of the topic config table (`log.retention.ms`,
 * `log.segment.bytes`, … — Kafka's cluster-wide dynamic log configs), validated as such.
 */
export function validateBrokerConfigs(configs: Readonly<Record<string, string>>): Record<string, string> {
  const bySynonym = new Map([...logConfigDefs.values()].map((d) => [d.serverDefault, d]));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(configs)) {
    const def = bySynonym.get(k);
    if (def === undefined) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Cannot update broker config ${k}: not a dynamic broker config`);
    parseConfigValue(def, v);
    out[k] = String(v);
  }
  return out;
}

export function applyIncremental(current: Readonly<Record<string, string>>, ops: readonly AlterConfigOp[]): Record<string, string> {
  const next: Record<string, string> = { ...current };
  for (const op of ops) {
    const list = (next[op.name] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
    switch (op.op) {
      case 'set': next[op.name] = op.value; break;
      case 'delete': delete next[op.name]; break;
      case 'append': {
        if (logConfigDefs.get(op.name)?.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value append is not allowed for config key: ${op.name}`);
        for (const item of op.value.split(',').map((s) => s.trim()).filter((s) => s !== '')) if (!list.includes(item)) list.push(item);
        next[op.name] = list.join(',');
        break;
      }
      case 'subtract': {
        if (logConfigDefs.get(op.name)?.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value subtract is not allowed for config key: ${op.name}`);
        const remove = new Set(op.value.split(',').map((s) => s.trim()));
        next[op.name] = list.filter((s) => !remove.has(s)).join(',');
        if (next[op.name] === '') delete next[op.name];
        break;
      }
    }
  }
  return next;
}

