/**
 * OffsetCommit (key 8): committed offsets are written to `__consumer_offsets` (OffsetCommit
 * records, acks=all) and answered once committed. Partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION; generation -1 with an empty member id is a "simple" commit for a
 * group without members. v2-v4 may carry a retention time (an explicit expire timestamp); v1 a
 * commit timestamp.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/generated/offset-commit.js';
import { Deferred, defineHandler } from './handler.js';

function errorResponse(req: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return { throttleTimeMs: 0, topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })) };
}

export const offsetCommitHandler = defineHandler<OffsetCommitRequest, OffsetCommitResponse>({
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    const md = ctx.broker.metadata.snapshot();
    const topics = req.topics.map((t) => {
      const known = md.topics.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex,
          committedOffset: p.committedOffset,
          committedLeaderEpoch: ctx.apiVersion >= 6 ? p.committedLeaderEpoch : -1,
          commitTimestamp: ctx.apiVersion === 1 ? p.commitTimestamp : -1n,
          committedMetadata: p.committedMetadata,
          errorCode: known === undefined || p.partitionIndex < 0 || p.partitionIndex >= known.partitions.length ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.NONE,
        })),
      };
    });
    const retentionTimeMs = ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? req.retentionTimeMs : -1n;
    return new Deferred(
      ctx.broker.groupCoordinator.commitOffsets(
        ctx,
        { groupId: req.groupId, generationId: ctx.apiVersion === 0 ? -1 : req.generationIdOrMemberEpoch, memberId: req.memberId, groupInstanceId: req.groupInstanceId, retentionTimeMs, topics },
        (code) => errorResponse(req, code),
      ),
    );
  },
  errorResponse,
});
