/**
 * DescribeConfigs (32), AlterConfigs (33) and IncrementalAlterConfigs (44) for topics and
 * brokers. Resource types are Kafka's (TOPIC 2, BROKER 4, BROKER_LOGGER 8); a broker resource
 * names this broker's id or "" for the cluster-wide default. Writes go through the
 * MetadataService to /config/<type>/<name> (with a change notification), as Kafka's
 * ZK-mode AdminManager does; broker keys that need a restart are refused.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { createAlterConfigsResponse, type AlterConfigsRequest, type AlterConfigsResponse } from '../../protocol/generated/alter-configs.js';
import {
  createDescribeConfigsResponse,
  type DescribeConfigsRequest,
  type DescribeConfigsResponse,
  type DescribeConfigsResponseDescribeConfigsResult,
} from '../../protocol/generated/describe-configs.js';
import {
  createIncrementalAlterConfigsResponse,
  type IncrementalAlterConfigsRequest,
  type IncrementalAlterConfigsResponse,
} from '../../protocol/generated/incremental-alter-configs.js';
import { brokerConfigKey, ConfigSource, validateConfigValue, InvalidConfigError } from '../config/broker-config.js';
import type { AlterConfigOp, ConfigChange, ConfigResource } from '../metadata/metadata-service.js';
import type { BrokerServices } from '../broker-services.js';
import { describeBrokerConfigs, describeTopicConfigs, type ConfigEntry } from './config-entries.js';
import { defineHandler, type RequestContext } from './handler.js';
import { topicNameError } from './topic-names.js';

export const ResourceType = { TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8 } as const;

type Resolved = { ok: true; resource: ConfigResource } | { ok: false; errorCode: number; errorMessage: string };

function resolveResource(b: BrokerServices, resourceType: number, name: string): Resolved {
  if (resourceType === ResourceType.TOPIC) {
    const bad = topicNameError(name);
    if (bad !== null) return { ok: false, errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: bad };
    const t = b.metadata.snapshot().topics.get(name);
    if (t === undefined || t.markedForDeletion) return { ok: false, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic ${name} does not exist.` };
    return { ok: true, resource: { type: 'topic', name } };
  }
  if (resourceType === ResourceType.BROKER) {
    if (name === '') return { ok: true, resource: { type: 'broker', brokerId: null } };
    if (!/^\d+$/.test(name) || Number(name) !== b.brokerId) {
      return { ok: false, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${b.brokerId} or empty string, but received ${name}` };
    }
    return { ok: true, resource: { type: 'broker', brokerId: b.brokerId } };
  }
  return { ok: false, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}` };
}

function toResult(ctx: RequestContext, req: DescribeConfigsRequest, entries: ConfigEntry[], keys: string[] | null): DescribeConfigsResponseDescribeConfigsResult['configs'] {
  const v = ctx.apiVersion;
  return entries
    .filter((e) => keys === null || keys.includes(e.name))
    .map((e) => ({
      name: e.name,
      value: e.value,
      readOnly: e.readOnly,
      isDefault: v === 0 ? e.source === 5 : false,
      configSource: v >= 1 ? e.source : -1,
      isSensitive: e.isSensitive,
      synonyms: v >= 1 && req.includeSynonyms ? e.synonyms.map((s) => ({ name: s.name, value: s.value, source: s.source })) : [],
      configType: v >= 3 ? e.configType : 0,
      documentation: v >= 3 && req.includeDocumentation ? e.documentation : null,
    }));
}

export const describeConfigsHandler = defineHandler<DescribeConfigsRequest, DescribeConfigsResponse>({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    const b = ctx.broker;
    const results = req.resources.map((r) => {
      const base = { resourceType: r.resourceType, resourceName: r.resourceName };
      const resolved = resolveResource(b, r.resourceType, r.resourceName);
      if (!resolved.ok) return { ...base, errorCode: resolved.errorCode, errorMessage: resolved.errorMessage, configs: [] };
      const res = resolved.resource;
      const entries =
        res.type === 'topic'
          ? describeTopicConfigs(b, b.metadata.snapshot().topics.get(res.name)!.configs)
          : res.brokerId === null
            ? clusterDefaultEntries(b)
            : describeBrokerConfigs(b);
      return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs: toResult(ctx, req, entries, r.configurationKeys) };
    });
    return createDescribeConfigsResponse({ throttleTimeMs: 0, results });
  },
});

/** The cluster-wide dynamic defaults (`/config/brokers/<default>`), as Kafka lists them for the "" broker resource. */
function clusterDefaultEntries(b: BrokerServices): ConfigEntry[] {
  const defaults = b.metadata.snapshot().brokerConfigs.get('<default>') ?? {};
  return describeBrokerConfigs(b)
    .filter((e) => defaults[e.name] !== undefined)
    .map((e) => ({ ...e, value: defaults[e.name]!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG, synonyms: [{ name: e.name, value: defaults[e.name]!, source: ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG }] }));
}

/** Broker keys must exist and be dynamically updatable; values must parse. */
function validateBrokerChange(names: { name: string; value: string | null }[]): { errorCode: number; errorMessage: string } | null {
  for (const { name, value } of names) {
    const key = brokerConfigKey(name);
    if (key === undefined) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: `Unknown broker config ${name}` };
    if (key.dynamic === 'read-only' || key.dynamic === undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Cannot update these configs dynamically: ${name}` };
    if (value !== null) {
      try {
        validateConfigValue(key, value);
      } catch (err) {
        return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: err instanceof InvalidConfigError ? err.message : String(err) };
      }
    }
  }
  return null;
}

async function alter(ctx: RequestContext, resourceType: number, resourceName: string, change: ConfigChange, names: { name: string; value: string | null }[], validateOnly: boolean) {
  const b = ctx.broker;
  const base = { resourceType, resourceName };
  const resolved = resolveResource(b, resourceType, resourceName);
  if (!resolved.ok) return { ...base, errorCode: resolved.errorCode, errorMessage: resolved.errorMessage };
  if (resolved.resource.type === 'broker') {
    const bad = validateBrokerChange(names);
    if (bad !== null) return { ...base, ...bad };
  }
  const r = await b.metadata.alterConfigs(resolved.resource, change, { validateOnly });
  return { ...base, errorCode: r.errorCode, errorMessage: r.errorMessage };
}

export const alterConfigsHandler = defineHandler<AlterConfigsRequest, AlterConfigsResponse>({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const responses = [];
    for (const r of req.resources) {
      const configs: Record<string, string> = {};
      for (const c of r.configs) if (c.value !== null) configs[c.name] = c.value;
      responses.push(await alter(ctx, r.resourceType, r.resourceName, { kind: 'replace', configs }, r.configs, req.validateOnly));
    }
    return createAlterConfigsResponse({ throttleTimeMs: 0, responses });
  },
});

const opNames = ['set', 'delete', 'append', 'subtract'] as const;

export const incrementalAlterConfigsHandler = defineHandler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse>({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(ctx, req) {
    const responses = [];
    for (const r of req.resources) {
      const ops: AlterConfigOp[] = [];
      let invalid: string | null = null;
      const seen = new Set<string>();
      for (const c of r.configs) {
        const op = opNames[c.configOperation];
        if (op === undefined) invalid = `Unknown config operation ${c.configOperation} for ${c.name}`;
        else if (seen.has(c.name)) invalid = `Error due to duplicate config keys: ${c.name}`;
        else if (op !== 'delete' && c.value === null) invalid = `Null value not supported for ${op} of ${c.name}`;
        else ops.push(op === 'delete' ? { op, name: c.name } : { op, name: c.name, value: c.value! });
        seen.add(c.name);
      }
      if (invalid !== null) {
        responses.push({ resourceType: r.resourceType, resourceName: r.resourceName, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: invalid });
        continue;
      }
      responses.push(await alter(ctx, r.resourceType, r.resourceName, { kind: 'incremental', ops }, r.configs.map((c) => ({ name: c.name, value: c.value })), req.validateOnly));
    }
    return createIncrementalAlterConfigsResponse({ throttleTimeMs: 0, responses });
  },
});
