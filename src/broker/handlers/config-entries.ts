/**
 * The effective configuration of a topic or a broker as DescribeConfigs (and CreateTopics v5+)
 * report it: each key's value, where it came from (ConfigSource) and its synonyms in order of
 * precedence — topic override, per-broker dynamic, cluster-wide dynamic default, static
 * server.properties, built-in default — as Kafka's ConfigHelper does.
 */
import { logConfigDefs, configValueToString, type ConfigDef } from '../../storage/log-config.js';
import { brokerConfigKeys, ConfigSource, type BrokerConfigKey, type ConfigSourceValue } from '../config/broker-config.js';
import type { BrokerServices } from '../broker-services.js';

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSourceValue;
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  source: ConfigSourceValue;
  readOnly: boolean;
  isSensitive: boolean;
  /** Kafka's ConfigType id (BOOLEAN 1, STRING 2, INT 3, SHORT 4, LONG 5, DOUBLE 6, LIST 7, CLASS 8, PASSWORD 9). */
  configType: number;
  documentation: string;
  /** Highest precedence first; the first is the effective value. */
  synonyms: ConfigSynonym[];
}

const typeIds: Record<string, number> = { boolean: 1, string: 2, int: 3, short: 4, long: 5, double: 6, list: 7, class: 8, password: 9 };

/** Layers of broker-level values by key, highest precedence first. */
function brokerLayers(b: BrokerServices, key: string): ConfigSynonym[] {
  const md = b.metadata.snapshot();
  const out: ConfigSynonym[] = [];
  const perBroker = md.brokerConfigs.get(String(b.brokerId))?.[key];
  if (perBroker !== undefined) out.push({ name: key, value: perBroker, source: ConfigSource.DYNAMIC_BROKER_CONFIG });
  const clusterDefault = md.brokerConfigs.get('<default>')?.[key];
  if (clusterDefault !== undefined) out.push({ name: key, value: clusterDefault, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG });
  const own = b.config.lookup(key);
  if (own.source !== ConfigSource.DEFAULT_CONFIG && own.value !== null) out.push({ name: key, value: own.value, source: own.source });
  else if (own.value !== null) out.push({ name: key, value: own.value, source: ConfigSource.DEFAULT_CONFIG });
  return out;
}

function topicEntry(b: BrokerServices, def: ConfigDef, overrides: Readonly<Record<string, string>>): ConfigEntry {
  const synonyms: ConfigSynonym[] = [];
  const override = overrides[def.name];
  if (override !== undefined) synonyms.push({ name: def.name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
  const brokerKeys = def.name === 'retention.ms' ? ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'] : def.name === 'segment.ms' ? ['log.roll.ms', 'log.roll.hours'] : [def.serverDefault];
  let hadBrokerDefault = false;
  for (const key of brokerKeys) {
    for (const s of brokerLayers(b, key)) {
      if (s.source === ConfigSource.DEFAULT_CONFIG) continue;
      synonyms.push(s);
      hadBrokerDefault = true;
    }
  }
  const tableDefault = configValueToString(def.defaultValue);
  const brokerDefault = b.config.topicDefault(def.name);
  if (!hadBrokerDefault) synonyms.push({ name: brokerDefault?.brokerKey ?? def.serverDefault, value: brokerDefault?.value ?? tableDefault, source: ConfigSource.DEFAULT_CONFIG });
  // The effective value of a broker synonym for retention/roll is its conversion to ms.
  const first = synonyms[0]!;
  let value = first.value;
  if (first.source !== ConfigSource.DYNAMIC_TOPIC_CONFIG && (def.name === 'retention.ms' || def.name === 'segment.ms')) value = brokerDefault?.value ?? value;
  return {
    name: def.name,
    value,
    source: first.source === ConfigSource.DYNAMIC_TOPIC_CONFIG ? ConfigSource.DYNAMIC_TOPIC_CONFIG : first.source,
    readOnly: false,
    isSensitive: false,
    configType: typeIds[def.type] ?? 0,
    documentation: def.doc,
    synonyms,
  };
}

export function describeTopicConfigs(b: BrokerServices, overrides: Readonly<Record<string, string>>): ConfigEntry[] {
  return [...logConfigDefs.values()].map((def) => topicEntry(b, def, overrides));
}

function brokerEntry(b: BrokerServices, key: BrokerConfigKey): ConfigEntry {
  const synonyms = brokerLayers(b, key.name);
  const first = synonyms[0] ?? { name: key.name, value: null, source: ConfigSource.DEFAULT_CONFIG };
  const sensitive = key.type === 'password';
  return {
    name: key.name,
    value: sensitive ? null : first.value,
    source: first.source,
    readOnly: key.dynamic === 'read-only' || key.dynamic === undefined,
    isSensitive: sensitive,
    configType: typeIds[key.type] ?? 0,
    documentation: key.doc,
    synonyms,
  };
}

export function describeBrokerConfigs(b: BrokerServices): ConfigEntry[] {
  return brokerConfigKeys.map((k) => brokerEntry(b, k));
}
