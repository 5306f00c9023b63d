/**
 * LeaveGroup (key 13): v0-2 one member by id; v3+ a batch of members by id and/or
 * group.instance.id (KIP-345), with per-member errors (FENCED_INSTANCE_ID, UNKNOWN_MEMBER_ID).
 */
import { createLeaveGroupResponse, type LeaveGroupRequest, type LeaveGroupResponse } from '../../protocol/generated/leave-group.js';
import { Deferred, defineHandler } from './handler.js';

export const leaveGroupHandler = defineHandler<LeaveGroupRequest, LeaveGroupResponse>({
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  handle(ctx, req) {
    return new Deferred(ctx.broker.groupCoordinator.leaveGroup(ctx, req, (errorCode) => createLeaveGroupResponse({ errorCode })));
  },
  errorResponse: (_req, errorCode) => createLeaveGroupResponse({ errorCode }),
});
