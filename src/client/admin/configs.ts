/**
 * DescribeConfigs / AlterConfigs / IncrementalAlterConfigs. Topic resources go to any broker;
 * broker resources go to that broker (Kafka answers them only there).
 */
import { createAlterConfigsRequest } from '../../protocol/generated/alter-configs.js';
import { createDescribeConfigsRequest } from '../../protocol/generated/describe-configs.js';
import { createIncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs.js';
import { check, type KafkaCluster } from '../cluster.js';

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = { topic: 2, broker: 4, brokerLogger: 8 } as const;
export type ConfigResourceTypeName = keyof typeof ConfigResourceType;

/** DescribeConfigs' ConfigSource codes. */
export const ConfigSource = {
  1: 'DYNAMIC_TOPIC_CONFIG', 2: 'DYNAMIC_BROKER_CONFIG', 3: 'DYNAMIC_DEFAULT_BROKER_CONFIG', 4: 'STATIC_BROKER_CONFIG',
  5: 'DEFAULT_CONFIG', 6: 'DYNAMIC_BROKER_LOGGER_CONFIG', 7: 'CLIENT_METRICS_CONFIG', 8: 'GROUP_CONFIG',
} as const satisfies Record<number, string>;

export interface ConfigResource {
  type: ConfigResourceTypeName;
  name: string;
  /** Only these keys (all when omitted). */
  keys?: string[];
}

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  /** ConfigSource code (5 = DEFAULT_CONFIG, 1 = DYNAMIC_TOPIC_CONFIG, ...). */
  source: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
}

export interface ConfigResourceEntries {
  resource: ConfigResource;
  entries: ConfigEntry[];
}

export interface AlterConfigOp {
  name: string;
  op: 'set' | 'delete' | 'append' | 'subtract';
  value?: string | null;
}

const OP_CODES = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

function targetBroker(r: ConfigResource): number | undefined {
  if (r.type === 'topic' || r.name === '') return undefined;
  const id = Number(r.name);
  return Number.isInteger(id) ? id : undefined;
}

export async function describeConfigs(
  cluster: KafkaCluster,
  resources: ConfigResource[],
  options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
): Promise<ConfigResourceEntries[]> {
  return Promise.all(resources.map((resource) => cluster.withRetries(async () => {
    const body = createDescribeConfigsRequest({
      resources: [{ resourceType: ConfigResourceType[resource.type], resourceName: resource.name, configurationKeys: resource.keys ?? null }],
      includeSynonyms: options.includeSynonyms ?? false,
      includeDocumentation: options.includeDocumentation ?? false,
    });
    const res = await cluster.send(targetBroker(resource), 'DescribeConfigs', body);
    const r = res.results[0];
    check(r?.errorCode ?? 0, r?.errorMessage ?? `${resource.type} ${resource.name}`);
    return {
      resource,
      entries: (r?.configs ?? []).map((c) => ({
        name: c.name, value: c.value, readOnly: c.readOnly, isDefault: c.configSource === 5 || c.isDefault, source: c.configSource,
        isSensitive: c.isSensitive, synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })),
      })),
    };
  })));
}

export async function alterConfigs(cluster: KafkaCluster, resources: { resource: ConfigResource; configs: Record<string, string> }[], validateOnly: boolean): Promise<void> {
  for (const { resource, configs } of resources) {
    await cluster.withRetries(async () => {
      const body = createAlterConfigsRequest({
        validateOnly,
        resources: [{
          resourceType: ConfigResourceType[resource.type], resourceName: resource.name,
          configs: Object.entries(configs).map(([name, value]) => ({ name, value })),
        }],
      });
      const res = await cluster.send(targetBroker(resource), 'AlterConfigs', body);
      for (const r of res.responses) check(r.errorCode, r.errorMessage ?? `${resource.type} ${resource.name}`);
    });
  }
}

export async function incrementalAlterConfigs(cluster: KafkaCluster, resources: { resource: ConfigResource; ops: AlterConfigOp[] }[], validateOnly: boolean): Promise<void> {
  for (const { resource, ops } of resources) {
    await cluster.withRetries(async () => {
      const body = createIncrementalAlterConfigsRequest({
        validateOnly,
        resources: [{
          resourceType: ConfigResourceType[resource.type], resourceName: resource.name,
          configs: ops.map((o) => ({ name: o.name, configOperation: OP_CODES[o.op], value: o.value ?? null })),
        }],
      });
      const res = await cluster.send(targetBroker(resource), 'IncrementalAlterConfigs', body);
      for (const r of res.responses) check(r.errorCode, r.errorMessage ?? `${resource.type} ${resource.name}`);
    });
  }
}
