/**
 * OffsetDelete (key 47): deletes committed offsets of a group for partitions its members do not
 * subscribe to (GROUP_SUBSCRIBED_TO_TOPIC otherwise); NON_EMPTY_GROUP for non-consumer groups with
 * members, GROUP_ID_NOT_FOUND for unknown groups.
 */
import type { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/generated/offset-delete.js';
import { Deferred, defineHandler } from './handler.js';

export const offsetDeleteHandler = defineHandler<OffsetDeleteRequest, OffsetDeleteResponse>({
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  handle(ctx, req) {
    return new Deferred(ctx.broker.groupCoordinator.deleteOffsets(ctx, req.groupId, req.topics, (errorCode) => ({ errorCode, throttleTimeMs: 0, topics: [] })));
  },
  errorResponse: (_req, errorCode) => ({ errorCode, throttleTimeMs: 0, topics: [] }),
});
