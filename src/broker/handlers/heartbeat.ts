/** Heartbeat (key 12): keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin. */
import { createHeartbeatResponse, type HeartbeatRequest, type HeartbeatResponse } from '../../protocol/generated/heartbeat.js';
import { Deferred, defineHandler } from './handler.js';

export const heartbeatHandler = defineHandler<HeartbeatRequest, HeartbeatResponse>({
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    return new Deferred(ctx.broker.groupCoordinator.heartbeat(ctx, req, (errorCode) => createHeartbeatResponse({ errorCode })));
  },
  errorResponse: (_req, errorCode) => createHeartbeatResponse({ errorCode }),
});
