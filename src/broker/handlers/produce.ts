/**
 * Produce (key 0, v3+): validate each partition (known topic, not internal, exactly one batch),
 * hand the batches as bytes to ReplicaManager.appendRecords, answer per partition. acks=0 gets
 * no response; when such a produce fails, the connection is closed (Kafka's way of telling a
 * fire-and-forget client to refresh its metadata). acks=all answers later, from the purgatory.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createProduceResponse,
  createProduceResponsePartitionProduceResponse,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponseTopicProduceResponse,
} from '../../protocol/generated/produce.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD } from '../../protocol/records/layout.js';
import type { ProducePartitionInput, ProducePartitionResult } from '../replica/replica-manager.js';
import { Deferred, defineHandler, type RequestContext } from './handler.js';
import { internalTopics } from './topic-names.js';

/**
 * Kafka's ProduceRequest.validateRecords (v3+): a partition carries exactly one record batch —
 * none (null or empty records) or a second batch after the first is INVALID_RECORD. The batch
 * itself (magic, CRC, sizes) is storage's to validate.
 */
function holdsOneBatch(records: Buffer | null): boolean {
  if (records === null || records.length === 0) return false;
  if (records.length < LOG_OVERHEAD) return true; // storage answers the truncated batch
  return records.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD >= records.length;
}

function errorResult(topic: string, partition: number, errorCode: number, errorMessage: string | null = null): ProducePartitionResult {
  return { topic, partition, errorCode, errorMessage, baseOffset: -1n, logAppendTimeMs: -1n, logStartOffset: -1n };
}

function buildResponse(ctx: RequestContext, order: readonly { topic: string; partition: number }[], results: Map<string, ProducePartitionResult>): ProduceResponse {
  const md = ctx.broker.metadata.snapshot();
  const topics = new Map<string, ProduceResponseTopicProduceResponse>();
  for (const { topic, partition } of order) {
    const r = results.get(`${topic}\u0000${partition}`)!;
    let t = topics.get(topic);
    if (t === undefined) topics.set(topic, (t = { name: topic, partitionResponses: [] }));
    const resp = createProduceResponsePartitionProduceResponse({
      index: partition,
      errorCode: r.errorCode,
      baseOffset: r.baseOffset,
      logAppendTimeMs: r.logAppendTimeMs,
      logStartOffset: r.logStartOffset,
      errorMessage: r.errorCode === ErrorCode.NONE ? null : r.errorMessage,
    });
    if (r.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER && ctx.apiVersion >= 10) {
      const p = md.topics.get(topic)?.partitions[partition];
      if (p !== undefined) resp.currentLeader = { leaderId: p.leader, leaderEpoch: p.leaderEpoch };
    }
    t.partitionResponses.push(resp);
  }
  return createProduceResponse({ responses: [...topics.values()], throttleTimeMs: 0 });
}

export const produceHandler = defineHandler<ProduceRequest, ProduceResponse>({
  apiKey: 0,
  minVersion: 3,
  maxVersion: 11,
  handle(ctx, req) {
    const b = ctx.broker;
    const md = b.metadata.snapshot();
    const order: { topic: string; partition: number }[] = [];
    const results = new Map<string, ProducePartitionResult>();
    const entries: ProducePartitionInput[] = [];
    const validAcks = req.acks === -1 || req.acks === 0 || req.acks === 1;
    for (const td of req.topicData) {
      const topic = md.topics.get(td.name);
      for (const pd of td.partitionData) {
        const key = `${td.name}\u0000${pd.index}`;
        order.push({ topic: td.name, partition: pd.index });
        let error: number = ErrorCode.NONE;
        if (!validAcks) error = ErrorCode.INVALID_REQUIRED_ACKS;
        else if (topic === undefined || topic.markedForDeletion || pd.index < 0 || pd.index >= topic.partitions.length) error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (internalTopics.has(td.name)) error = ErrorCode.INVALID_TOPIC_EXCEPTION;
        else if (!holdsOneBatch(pd.records)) error = ErrorCode.INVALID_RECORD;
        if (error !== ErrorCode.NONE) results.set(key, errorResult(td.name, pd.index, error));
        else entries.push({ topic: td.name, partition: pd.index, records: pd.records! });
      }
    }
    const finish = (appended: ProducePartitionResult[]): ProduceResponse | null => {
      for (const r of appended) results.set(`${r.topic}\u0000${r.partition}`, r);
      if (req.acks === 0) {
        const failed = [...results.values()].find((r) => r.errorCode !== ErrorCode.NONE);
        if (failed !== undefined) ctx.closeConnection(`acks=0 produce to ${failed.topic}-${failed.partition} failed with error ${failed.errorCode}`);
        return null;
      }
      return buildResponse(ctx, order, results);
    };
    let immediate: ProduceResponse | null | undefined;
    let resolveLater: ((r: ProduceResponse | null) => void) | null = null;
    const cancel = b.replicaManager.appendRecords(req.timeoutMs, req.acks, entries, (appended) => {
      const r = finish(appended);
      if (resolveLater !== null) resolveLater(r);
      else immediate = r;
    });
    // An acks=all produce whose client went away leaves the purgatory now, not at its timeout.
    const unsubscribe = cancel === null ? null : ctx.onConnectionClose(cancel);
    if (immediate !== undefined) {
      unsubscribe?.();
      return immediate;
    }
    return new Deferred(
      new Promise<ProduceResponse | null>((resolve) => {
        resolveLater = (r) => {
          unsubscribe?.();
          resolve(r);
        };
      }),
    );
  },
});
