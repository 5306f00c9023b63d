/**
 * JoinGroup (key 11): join or rejoin a classic group; the response waits until the rebalance's
 * join phase ends (see src/broker/group). v0 has no rebalance timeout (the session timeout is
 * used, as Kafka does); v4+ unknown dynamic members first get MEMBER_ID_REQUIRED (KIP-394).
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { JoinGroupRequest, JoinGroupResponse } from '../../protocol/generated/join-group.js';
import { joinError } from '../group/classic-group-manager.js';
import { Deferred, defineHandler } from './handler.js';

/** Before v7 the protocol name is not nullable: Kafka sends "" instead. */
function forVersion(r: JoinGroupResponse, apiVersion: number): JoinGroupResponse {
  return apiVersion < 7 && r.protocolName === null ? { ...r, protocolName: '' } : r;
}

export const joinGroupHandler = defineHandler<JoinGroupRequest, JoinGroupResponse>({
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  handle(ctx, req) {
    if (ctx.apiVersion < 5 && req.groupInstanceId !== null) return forVersion(joinError(ErrorCode.UNSUPPORTED_VERSION, req.memberId), ctx.apiVersion);
    const rebalanceTimeoutMs = ctx.apiVersion === 0 || req.rebalanceTimeoutMs < 0 ? req.sessionTimeoutMs : req.rebalanceTimeoutMs;
    const pending = ctx.broker.groupCoordinator.joinGroup(
      ctx,
      { groupId: req.groupId, sessionTimeoutMs: req.sessionTimeoutMs, rebalanceTimeoutMs, memberId: req.memberId, groupInstanceId: req.groupInstanceId, protocolType: req.protocolType, protocols: req.protocols },
      (code) => joinError(code, req.memberId),
    );
    return new Deferred(pending.then((r) => forVersion(r, ctx.apiVersion)));
  },
  errorResponse: (req, errorCode, ctx) => forVersion(joinError(errorCode, req.memberId), ctx.apiVersion),
});
