/**
 * CreateTopics (key 19): validated and written to the keeper by the MetadataService (as Kafka's
 * AdminZkClient: /config/topics/<t> then /brokers/topics/<t>); the controller elects leaders.
 * Kafka's codes: TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR,
 * INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG, INVALID_TOPIC_EXCEPTION; duplicates in one
 * request get INVALID_REQUEST. v5+ answers the topic's effective configs.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createCreateTopicsResponse,
  type CreateTopicsRequest,
  type CreateTopicsResponse,
  type CreateTopicsResponseCreatableTopicResult,
} from '../../protocol/generated/create-topics.js';
import type { CreatableTopic } from '../metadata/metadata-service.js';
import { describeTopicConfigs } from './config-entries.js';
import { defineHandler } from './handler.js';
import { ZERO_UUID_STRING, uuidToString } from './topic-names.js';

export const createTopicsHandler = defineHandler<CreateTopicsRequest, CreateTopicsResponse>({
  apiKey: 19,
  minVersion: 0,
  maxVersion: 7,
  async handle(ctx, req) {
    const b = ctx.broker;
    const fail = (name: string, errorCode: number, errorMessage: string | null): CreateTopicsResponseCreatableTopicResult => ({
      name,
      topicId: ZERO_UUID_STRING,
      errorCode,
      errorMessage: ctx.apiVersion >= 1 ? errorMessage : null,
      topicConfigErrorCode: 0,
      numPartitions: -1,
      replicationFactor: -1,
      configs: [],
    });
    const counts = new Map<string, number>();
    for (const t of req.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results = new Map<number, CreateTopicsResponseCreatableTopicResult>();
    const toCreate: { index: number; topic: CreatableTopic }[] = [];
    req.topics.forEach((t, index) => {
      if (counts.get(t.name)! > 1) {
        results.set(index, fail(t.name, ErrorCode.INVALID_REQUEST, 'Create topics request from client contains multiple entries for the same topic.'));
        return;
      }
      const configs: Record<string, string> = {};
      for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
      const assignments = t.assignments.length > 0 ? new Map(t.assignments.map((a) => [a.partitionIndex, a.brokerIds])) : undefined;
      if (assignments !== undefined && (t.numPartitions !== -1 || t.replicationFactor !== -1)) {
        results.set(index, fail(t.name, ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.'));
        return;
      }
      toCreate.push({ index, topic: { name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor, assignments, configs } });
    });
    const created = toCreate.length === 0 ? [] : await b.metadata.createTopics(toCreate.map((x) => x.topic), { validateOnly: req.validateOnly, timeoutMs: req.timeoutMs });
    created.forEach((r, i) => {
      const index = toCreate[i]!.index;
      if (r.errorCode !== ErrorCode.NONE) {
        results.set(index, fail(r.name, r.errorCode, r.errorMessage));
        return;
      }
      results.set(index, {
        name: r.name,
        topicId: ctx.apiVersion >= 7 ? uuidToString(r.topicId) : ZERO_UUID_STRING,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topicConfigErrorCode: 0,
        numPartitions: ctx.apiVersion >= 5 ? r.numPartitions : -1,
        replicationFactor: ctx.apiVersion >= 5 ? r.replicationFactor : -1,
        configs:
          ctx.apiVersion >= 5
            ? describeTopicConfigs(b, r.configs).map((e) => ({ name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source, isSensitive: e.isSensitive }))
            : [],
      });
    });
    return createCreateTopicsResponse({ throttleTimeMs: 0, topics: req.topics.map((_, i) => results.get(i)!) });
  },
});
