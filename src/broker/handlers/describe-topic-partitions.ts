/**
 * DescribeTopicPartitions (key 75, KIP-966): topic metadata paged by partitions. Topics are
 * answered in name order from the cursor; once `responsePartitionLimit` partitions are in the
 * answer, `nextCursor` names where the next request continues.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createDescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseTopic,
} from '../../protocol/generated/describe-topic-partitions.js';
import { defineHandler } from './handler.js';
import { ZERO_UUID_STRING, uuidToString } from './topic-names.js';

const MAX_PARTITION_LIMIT = 2000;

export const describeTopicPartitionsHandler = defineHandler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    const md = ctx.broker.metadata.snapshot();
    const names = (req.topics.length === 0 ? [...md.topics.keys()] : [...new Set(req.topics.map((t) => t.name))]).sort();
    const limit = Math.min(Math.max(1, req.responsePartitionLimit), MAX_PARTITION_LIMIT);
    const topics: DescribeTopicPartitionsResponseTopic[] = [];
    let budget = limit;
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      if (req.cursor !== null && name < req.cursor.topicName) continue;
      const t = md.topics.get(name);
      if (t === undefined || t.markedForDeletion) {
        if (req.topics.length > 0) topics.push({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, topicId: ZERO_UUID_STRING, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 });
        continue;
      }
      const start = req.cursor !== null && name === req.cursor.topicName ? req.cursor.partitionIndex : 0;
      if (budget === 0) {
        nextCursor = { topicName: name, partitionIndex: start };
        break;
      }
      const parts = t.partitions.slice(start, start + budget);
      budget -= parts.length;
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: uuidToString(t.topicId),
        isInternal: t.isInternal,
        partitions: parts.map((p) => ({
          errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
          partitionIndex: p.partition,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: [...p.replicas],
          isrNodes: [...p.isr],
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: [...p.offlineReplicas],
        })),
        topicAuthorizedOperations: -2147483648,
      });
      if (start + parts.length < t.partitions.length) {
        nextCursor = { topicName: name, partitionIndex: start + parts.length };
        break;
      }
    }
    return createDescribeTopicPartitionsResponse({ throttleTimeMs: 0, topics, nextCursor });
  },
});
