/**
 * SyncGroup (key 14): members wait for the leader's assignment; the leader's is written to
 * `__consumer_offsets` (GroupMetadata) before anyone is answered.
 */
import type { SyncGroupRequest, SyncGroupResponse } from '../../protocol/generated/sync-group.js';
import { syncError } from '../group/classic-group-manager.js';
import { Deferred, defineHandler } from './handler.js';

export const syncGroupHandler = defineHandler<SyncGroupRequest, SyncGroupResponse>({
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return new Deferred(ctx.broker.groupCoordinator.syncGroup(ctx, req, syncError));
  },
  errorResponse: (_req, errorCode) => syncError(errorCode),
});
