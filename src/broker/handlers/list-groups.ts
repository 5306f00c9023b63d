/**
 * ListGroups (key 16): the groups this broker coordinates. v4+ filter by state (case-insensitive,
 * KIP-518), v5+ by type (only "classic" groups exist here). While a coordinator partition is still
 * loading the answer carries COORDINATOR_LOAD_IN_PROGRESS with the groups known so far, as Kafka.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { ListGroupsRequest, ListGroupsResponse } from '../../protocol/generated/list-groups.js';
import { defineHandler } from './handler.js';

export const listGroupsHandler = defineHandler<ListGroupsRequest, ListGroupsResponse>({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    const { loading, groups } = ctx.broker.groupCoordinator.listGroups();
    const states = new Set((ctx.apiVersion >= 4 ? req.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((ctx.apiVersion >= 5 ? req.typesFilter : []).map((s) => s.toLowerCase()));
    const selected = groups.filter((g) => (states.size === 0 || states.has(g.groupState.toLowerCase())) && (types.size === 0 || types.has(g.groupType)));
    return { throttleTimeMs: 0, errorCode: loading ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE, groups: selected };
  },
  errorResponse: (_req, errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] }),
});
