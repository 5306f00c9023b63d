/**
 * FindCoordinator (key 10): the broker leading the group's `__consumer_offsets` partition,
 * creating the topic on first use (COORDINATOR_NOT_AVAILABLE until its leaders exist, as Kafka).
 * v0-3 ask for one key, v4+ for a batch (KIP-699). Key type 0 = group; 1 = transaction has no
 * coordinator yet (COORDINATOR_NOT_AVAILABLE, so clients retry); anything else is INVALID_REQUEST.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { createFindCoordinatorResponse, type FindCoordinatorRequest, type FindCoordinatorResponse, type FindCoordinatorResponseCoordinator } from '../../protocol/generated/find-coordinator.js';
import type { CoordinatorEndpoint } from '../group/group-coordinator.js';
import { defineHandler, type RequestContext } from './handler.js';

const KEY_TYPE_GROUP = 0;
const KEY_TYPE_TRANSACTION = 1;

async function coordinatorFor(ctx: RequestContext, key: string, keyType: number): Promise<CoordinatorEndpoint> {
  const none = { nodeId: -1, host: '', port: -1 };
  if (keyType === KEY_TYPE_GROUP) return ctx.broker.groupCoordinator.findGroupCoordinator(key);
  if (keyType === KEY_TYPE_TRANSACTION) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'transactions are not supported yet' };
  return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `unknown coordinator key type ${keyType}` };
}

export const findCoordinatorHandler = defineHandler<FindCoordinatorRequest, FindCoordinatorResponse>({
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    if (ctx.apiVersion < 4) {
      const c = await coordinatorFor(ctx, req.key, ctx.apiVersion === 0 ? KEY_TYPE_GROUP : req.keyType);
      return createFindCoordinatorResponse({ errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port });
    }
    const coordinators: FindCoordinatorResponseCoordinator[] = [];
    for (const key of req.coordinatorKeys) {
      const c = await coordinatorFor(ctx, key, req.keyType);
      coordinators.push({ key, nodeId: c.nodeId, host: c.host, port: c.port, errorCode: c.errorCode, errorMessage: c.errorMessage });
    }
    return createFindCoordinatorResponse({ coordinators });
  },
  errorResponse: (req, errorCode, ctx) =>
    ctx.apiVersion < 4
      ? createFindCoordinatorResponse({ errorCode, nodeId: -1, host: '', port: -1 })
      : createFindCoordinatorResponse({ coordinators: req.coordinatorKeys.map((key) => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null })) }),
});
