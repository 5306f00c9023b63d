/**
 * DeleteGroups (key 42): removes empty groups and their offsets (tombstones in
 * `__consumer_offsets`); NON_EMPTY_GROUP while members remain, GROUP_ID_NOT_FOUND for unknown ones.
 */
import type { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/generated/delete-groups.js';
import { Deferred, defineHandler } from './handler.js';

export const deleteGroupsHandler = defineHandler<DeleteGroupsRequest, DeleteGroupsResponse>({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    return new Deferred(ctx.broker.groupCoordinator.deleteGroups(ctx, req.groupsNames).then((results) => ({ throttleTimeMs: 0, results })));
  },
  errorResponse: (req, errorCode) => ({ throttleTimeMs: 0, results: req.groupsNames.map((groupId) => ({ groupId, errorCode })) }),
});
