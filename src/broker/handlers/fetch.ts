/**
 * Fetch (key 1, v4+): consumers' and followers' reads, with incremental fetch sessions
 * (KIP-227), long polling (max.wait.ms / min.bytes through the fetch purgatory), response and
 * partition byte limits (KIP-74: the first partition with data returns at least one batch),
 * isolation levels (read_committed reads up to the LSO and lists aborted transactions) and
 * topic ids (v13+). Records are the stored batches, as slices.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createFetchResponse,
  createFetchResponsePartitionData,
  type FetchRequest,
  type FetchResponse,
  type FetchResponseFetchableTopicResponse,
} from '../../protocol/generated/fetch.js';
import { isUnknownTopicName, mustRespond, partitionKey, unknownTopicName, type CachedPartition, type FetchContext, type FetchPartitionRequest, type TopicNameResolver } from '../replica/fetch-session.js';
import type { FetchPartitionData, FetchPartitionInput } from '../replica/replica-manager.js';
import { Deferred, defineHandler, type RequestContext } from './handler.js';
import { ZERO_UUID_STRING } from './topic-names.js';

const EMPTY = Buffer.alloc(0);

interface ResolvedPartition extends FetchPartitionRequest {
  /** Set when the topic id is unknown (v13+). */
  errorCode?: number;
  topicIdString: string;
}

/**
 * The request's partitions with their topic names (by id from v13) and its forgotten partitions,
 * resolved against one metadata snapshot; `topicNames` resolves ids against that same snapshot
 * (for the session's cached partitions), null before v13.
 */
function resolvePartitions(ctx: RequestContext, req: FetchRequest): { parts: ResolvedPartition[]; forgotten: { topic: string; partition: number }[]; topicNames: TopicNameResolver | null } {
  const md = ctx.broker.metadata.snapshot();
  const byId = ctx.apiVersion >= 13;
  const parts: ResolvedPartition[] = [];
  for (const t of req.topics) {
    let name = t.topic;
    let errorCode: number | undefined;
    let topicIdString = t.topicId;
    if (byId) {
      const tm = md.topicsById.get(t.topicId);
      if (tm === undefined) {
        errorCode = ErrorCode.UNKNOWN_TOPIC_ID;
        name = unknownTopicName(Buffer.from(t.topicId, 'base64url'));
      } else name = tm.name;
    } else {
      const tm = md.topics.get(name);
      topicIdString = tm === undefined ? ZERO_UUID_STRING : tm.topicId.toString('base64url');
    }
    for (const p of t.partitions) {
      parts.push({
        topic: name,
        topicId: Buffer.from(topicIdString, 'base64url'),
        topicIdString,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        maxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
        logStartOffset: p.logStartOffset,
        errorCode,
      });
    }
  }
  const forgotten: { topic: string; partition: number }[] = [];
  for (const f of req.forgottenTopicsData) {
    const name = byId ? (md.topicsById.get(f.topicId)?.name ?? unknownTopicName(Buffer.from(f.topicId, 'base64url'))) : f.topic;
    for (const p of f.partitions) forgotten.push({ topic: name, partition: p });
  }
  const topicNames = byId ? (topicId: Buffer) => md.topicsById.get(topicId.toString('base64url'))?.name : null;
  return { parts, forgotten, topicNames };
}

function buildResponse(ctx: RequestContext, fctx: FetchContext, inputs: readonly (CachedPartition | ResolvedPartition)[], data: readonly FetchPartitionData[]): FetchResponse {
  const topics: FetchResponseFetchableTopicResponse[] = [];
  const incremental = fctx.kind === 'incremental';
  const session = fctx.kind === 'incremental' || fctx.kind === 'full' ? fctx.session : null;
  for (let i = 0; i < data.length; i++) {
    const d = data[i]!;
    const input = inputs[i]!;
    const records = d.records ?? EMPTY;
    const key = partitionKey(d.topic, d.partition);
    const cached = session?.partitions.get(key);
    if (cached !== undefined) {
      const must = mustRespond(cached, { errorCode: d.errorCode, recordBytes: records.length, highWatermark: d.highWatermark, logStartOffset: d.logStartOffset, lastStableOffset: d.lastStableOffset }, incremental);
      if (!must) continue;
      if (incremental && records.length > 0 && session !== null) {
        // Fairness (as Kafka's incremental fetch): a partition that returned data goes to the
        // end of the session's order, so a busy partition cannot starve the others under maxBytes.
        session.partitions.delete(key);
        session.partitions.set(key, cached);
      }
    }
    const topicIdString = 'topicIdString' in input ? input.topicIdString : input.topicId.toString('base64url');
    const topicName = isUnknownTopicName(d.topic) ? '' : d.topic;
    let t = topics.at(-1);
    if (t === undefined || t.topic !== topicName || t.topicId !== topicIdString) {
      t = { topic: topicName, topicId: topicIdString, partitions: [] };
      topics.push(t);
    }
    t.partitions.push(
      createFetchResponsePartitionData({
        partitionIndex: d.partition,
        errorCode: d.errorCode,
        highWatermark: d.highWatermark,
        lastStableOffset: d.lastStableOffset,
        logStartOffset: d.logStartOffset,
        abortedTransactions: d.abortedTransactions,
        records,
      }),
    );
  }
  return createFetchResponse({ throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: session?.id ?? 0, responses: topics });
}

export const fetchHandler = defineHandler<FetchRequest, FetchResponse>({
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  handle(ctx, req) {
    const b = ctx.broker;
    const replicaId = ctx.apiVersion >= 15 ? req.replicaState.replicaId : req.replicaId;
    const { parts, forgotten, topicNames } = resolvePartitions(ctx, req);
    const fctx: FetchContext =
      ctx.apiVersion >= 7
        ? b.fetchSessions.newContext({ sessionId: req.sessionId, sessionEpoch: req.sessionEpoch, privileged: replicaId >= 0 }, parts, forgotten, b.clock.monotonicMs(), topicNames ?? undefined)
        : { kind: 'sessionless' };
    if (fctx.kind === 'error') return createFetchResponse({ errorCode: fctx.errorCode, sessionId: 0, responses: [] });

    const inputs: (CachedPartition | ResolvedPartition)[] = fctx.kind === 'incremental' ? [...fctx.session.partitions.values()] : parts;
    const unknownIds = new Set(parts.filter((p) => p.errorCode !== undefined).map((p) => `${p.topic}\u0000${p.partition}`));
    const fetchInputs: FetchPartitionInput[] = inputs.map((p) => ({
      topic: p.topic,
      partition: p.partition,
      fetchOffset: p.fetchOffset,
      maxBytes: p.maxBytes,
      currentLeaderEpoch: p.currentLeaderEpoch,
      errorCode: unknownIds.has(`${p.topic}\u0000${p.partition}`) || isUnknownTopicName(p.topic) ? ErrorCode.UNKNOWN_TOPIC_ID : undefined,
    }));
    const maxBytes = Math.min(req.maxBytes, b.config.int('fetch.max.bytes'));
    let immediate: FetchResponse | undefined;
    let resolveLater: ((r: FetchResponse) => void) | null = null;
    const cancel = b.replicaManager.fetchMessages(
      {
        replicaId,
        maxWaitMs: req.maxWaitMs,
        minBytes: req.minBytes,
        maxBytes: ctx.apiVersion >= 3 ? maxBytes : 0x7fffffff,
        isolation: req.isolationLevel === 1 ? 'read_committed' : 'read_uncommitted',
        partitions: fetchInputs,
      },
      (data) => {
        const r = buildResponse(ctx, fctx, inputs, data);
        if (resolveLater !== null) resolveLater(r);
        else immediate = r;
      },
    );
    // A long poll whose client went away leaves the purgatory now, not at max.wait.ms.
    const unsubscribe = cancel === null ? null : ctx.onConnectionClose(cancel);
    if (immediate !== undefined) {
      unsubscribe?.();
      return immediate;
    }
    return new Deferred(
      new Promise<FetchResponse>((resolve) => {
        resolveLater = (r) => {
          unsubscribe?.();
          resolve(r);
        };
      }),
    );
  },
  errorResponse: (_req, errorCode) => createFetchResponse({ errorCode, sessionId: 0, responses: [] }),
});
