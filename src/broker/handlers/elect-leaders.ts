/**
 * ElectLeaders (key 43, KIP-183/460): preferred or unclean leader election, run by the
 * controller through the MetadataService (others answer NOT_CONTROLLER; v0 has no top-level
 * error, so the code goes on every partition). `topicPartitions` null = every partition.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createElectLeadersResponse,
  type ElectLeadersRequest,
  type ElectLeadersResponse,
  type ElectLeadersResponseReplicaElectionResult,
} from '../../protocol/generated/elect-leaders.js';
import { defineHandler } from './handler.js';

export const electLeadersHandler = defineHandler<ElectLeadersRequest, ElectLeadersResponse>({
  apiKey: 43,
  minVersion: 0,
  maxVersion: 2,
  async handle(ctx, req) {
    const md = ctx.broker.metadata;
    const wanted = req.topicPartitions === null ? null : req.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const type = ctx.apiVersion >= 1 && req.electionType === 1 ? 'unclean' : 'preferred';
    if (ctx.apiVersion >= 1 && req.electionType !== 0 && req.electionType !== 1) {
      return createElectLeadersResponse({ errorCode: ErrorCode.INVALID_REQUEST });
    }
    const result =
      md.electLeaders === undefined
        ? { errorCode: ErrorCode.NOT_CONTROLLER, partitions: [] }
        : await md.electLeaders(type, wanted);
    const byTopic = new Map<string, ElectLeadersResponseReplicaElectionResult>();
    const add = (topic: string, partitionId: number, errorCode: number, errorMessage: string | null): void => {
      let t = byTopic.get(topic);
      if (t === undefined) byTopic.set(topic, (t = { topic, partitionResult: [] }));
      t.partitionResult.push({ partitionId, errorCode, errorMessage });
    };
    if (result.errorCode !== ErrorCode.NONE) {
      if (ctx.apiVersion >= 1) return createElectLeadersResponse({ errorCode: result.errorCode });
      for (const p of wanted ?? []) add(p.topic, p.partition, result.errorCode, null);
      return createElectLeadersResponse({ replicaElectionResults: [...byTopic.values()] });
    }
    for (const p of result.partitions) add(p.topic, p.partition, p.errorCode, p.errorMessage);
    return createElectLeadersResponse({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, replicaElectionResults: [...byTopic.values()] });
  },
});
