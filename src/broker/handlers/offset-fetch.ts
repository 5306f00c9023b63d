/**
 * OffsetFetch (key 9): a group's committed offsets (-1 where none); `topics` null = all of
 * them (v2+). v8+ ask for several groups at once. require_stable (v7+): partitions with
 * transactional offsets still pending answer UNSTABLE_OFFSET_COMMIT.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetFetchRequest, OffsetFetchResponse, OffsetFetchResponseGroup, OffsetFetchResponseTopic } from '../../protocol/generated/offset-fetch.js';
import { defineHandler, type RequestContext } from './handler.js';

function fetchGroup(ctx: RequestContext, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable: boolean): OffsetFetchResponseGroup {
  const r = ctx.broker.groupCoordinator.fetchOffsets(groupId, topics, requireStable);
  if (r.errorCode !== ErrorCode.NONE) return { groupId, errorCode: r.errorCode, topics: [] };
  return { groupId, errorCode: ErrorCode.NONE, topics: r.value! };
}

function errorResponse(req: OffsetFetchRequest, errorCode: number, ctx: RequestContext): OffsetFetchResponse {
  return { throttleTimeMs: 0, errorCode, topics: [], groups: ctx.apiVersion >= 8 ? req.groups.map((g) => ({ groupId: g.groupId, errorCode, topics: [] })) : [] };
}

export const offsetFetchHandler = defineHandler<OffsetFetchRequest, OffsetFetchResponse>({
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const requireStable = ctx.apiVersion >= 7 && req.requireStable;
    if (ctx.apiVersion >= 8) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: [], groups: req.groups.map((g) => fetchGroup(ctx, g.groupId, g.topics, requireStable)) };
    }
    const g = fetchGroup(ctx, req.groupId, ctx.apiVersion >= 2 ? req.topics : (req.topics ?? []), requireStable);
    const topics: OffsetFetchResponseTopic[] = g.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ ...p })) }));
    if (ctx.apiVersion < 2 && g.errorCode !== ErrorCode.NONE) {
      // v0-1 have no top-level error: every requested partition carries it.
      const perPartition = (req.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: g.errorCode })) }));
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, topics: perPartition, groups: [] };
    }
    return { throttleTimeMs: 0, errorCode: g.errorCode, topics, groups: [] };
  },
  errorResponse,
});
