/**
 * Metadata (key 3): brokers, cluster id, controller, and topics with partitions, leaders,
 * epochs, replicas and ISR. Asking for a topic that does not exist creates it when the request
 * allows it (v4+: allowAutoTopicCreation; always before) and `auto.create.topics.enable` is
 * set, with `num.partitions` / `default.replication.factor`, as Kafka's ZK-mode broker does;
 * the answer for a topic just created is LEADER_NOT_AVAILABLE unless its leaders are elected
 * within a short wait. Topics queued for deletion are hidden.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createMetadataResponse,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponsePartition,
  type MetadataResponseTopic,
} from '../../protocol/generated/metadata.js';
import type { ClusterMetadata, TopicMetadata } from '../metadata/metadata-service.js';
import { defineHandler, type RequestContext } from './handler.js';
import { internalTopics, topicNameError, uuidToString, ZERO_UUID_STRING } from './topic-names.js';

/** Kafka answers "not requested" authorized operations with Integer.MIN_VALUE. */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** How long a Metadata request waits for the leaders of topics it auto-created. */
const AUTO_CREATE_WAIT_MS = 1000;

export function topicMetadataOf(t: TopicMetadata, errorCode = ErrorCode.NONE): MetadataResponseTopic {
  const partitions: MetadataResponsePartition[] = t.partitions.map((p) => ({
    errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
    partitionIndex: p.partition,
    leaderId: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicaNodes: [...p.replicas],
    isrNodes: [...p.isr],
    offlineReplicas: [...p.offlineReplicas],
  }));
  return { errorCode, name: t.name, topicId: uuidToString(t.topicId), isInternal: t.isInternal, partitions, topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

function errorTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: name !== null && internalTopics.has(name), partitions: [], topicAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED };
}

function visible(md: ClusterMetadata, name: string): TopicMetadata | undefined {
  const t = md.topics.get(name);
  return t === undefined || t.markedForDeletion ? undefined : t;
}

function leadersElected(md: ClusterMetadata, names: readonly string[]): boolean {
  return names.every((n) => {
    const t = md.topics.get(n);
    return t !== undefined && t.partitions.length > 0 && t.partitions.every((p) => p.leader !== -1);
  });
}

/** Creates the topics; returns the error codes of those that failed (answered instead of LEADER_NOT_AVAILABLE). */
async function autoCreate(ctx: RequestContext, names: string[]): Promise<Map<string, number>> {
  const b = ctx.broker;
  const results = await b.metadata.createTopics(
    names.map((name) => ({ name, numPartitions: -1, replicationFactor: -1, configs: {} })),
    { timeoutMs: 0 },
  );
  const created = results.filter((r) => r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS).map((r) => r.name);
  for (const r of results) {
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) b.logger.warn({ topic: r.name, errorCode: r.errorCode, message: r.errorMessage }, 'auto-creating a topic failed');
    else if (r.errorCode === ErrorCode.NONE) b.logger.info({ topic: r.name }, 'auto-created topic');
  }
  if (created.length > 0) await b.metadata.waitFor((md) => leadersElected(md, created), AUTO_CREATE_WAIT_MS);
  return new Map(results.filter((r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS).map((r) => [r.name, r.errorCode]));
}

export const metadataHandler = defineHandler<MetadataRequest, MetadataResponse>({
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(ctx, req) {
    const b = ctx.broker;
    let md = b.metadata.snapshot();
    const allTopics = req.topics === null || (ctx.apiVersion === 0 && req.topics.length === 0);
    const allowAutoCreate = (ctx.apiVersion < 4 || req.allowAutoTopicCreation) && b.config.bool('auto.create.topics.enable');

    let failed = new Map<string, number>();
    if (!allTopics && allowAutoCreate) {
      const missing = [...new Set(req.topics!.map((t) => t.name).filter((n): n is string => n !== null))].filter(
        (n) => visible(md, n) === undefined && md.topics.get(n) === undefined && topicNameError(n) === null && !internalTopics.has(n),
      );
      if (missing.length > 0) {
        failed = await autoCreate(ctx, missing);
        md = b.metadata.snapshot();
      }
    }

    const topics: MetadataResponseTopic[] = [];
    if (allTopics) {
      for (const t of md.topics.values()) if (!t.markedForDeletion) topics.push(topicMetadataOf(t));
    } else {
      for (const rt of req.topics!) {
        if (rt.name === null) {
          const t = md.topicsById.get(rt.topicId);
          topics.push(t === undefined || t.markedForDeletion ? errorTopic(null, rt.topicId, ErrorCode.UNKNOWN_TOPIC_ID) : topicMetadataOf(t));
          continue;
        }
        const t = visible(md, rt.name);
        if (t !== undefined) topics.push(topicMetadataOf(t));
        else if (topicNameError(rt.name) !== null) topics.push(errorTopic(rt.name, ZERO_UUID_STRING, ErrorCode.INVALID_TOPIC_EXCEPTION));
        else if (failed.has(rt.name)) topics.push(errorTopic(rt.name, ZERO_UUID_STRING, failed.get(rt.name)!));
        else if (allowAutoCreate && md.topics.has(rt.name) === false && !internalTopics.has(rt.name)) topics.push(errorTopic(rt.name, ZERO_UUID_STRING, ErrorCode.LEADER_NOT_AVAILABLE));
        else topics.push(errorTopic(rt.name, ZERO_UUID_STRING, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      }
    }

    return createMetadataResponse({
      throttleTimeMs: 0,
      brokers: [...md.brokers.values()].sort((a, c) => a.id - c.id).map((br) => ({ nodeId: br.id, host: br.host, port: br.port, rack: br.rack })),
      clusterId: md.clusterId,
      controllerId: md.controllerId,
      topics,
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_OMITTED,
    });
  },
});
