/**
 * ControlledShutdown (key 7): a broker about to stop asks the controller to move its
 * leadership away and take it out of the ISRs (Kafka's KafkaApis.handleControlledShutdownRequest
 * -> KafkaController.controlledShutdown). Only the controller acts; any other broker answers
 * NOT_CONTROLLER (the stopping broker then looks up the controller again). v2+ carry the
 * broker epoch: an older one than the registration's gets STALE_BROKER_EPOCH. The answer lists
 * the partitions the broker still leads (nobody else in their ISR); Kafka's broker retries
 * until that list is empty.
 */
import { ErrorCode } from '../../protocol/errors.js';
import {
  createControlledShutdownResponse,
  type ControlledShutdownRequest,
  type ControlledShutdownResponse,
} from '../../protocol/generated/controlled-shutdown.js';
import { defineHandler } from './handler.js';

export const controlledShutdownHandler = defineHandler<ControlledShutdownRequest, ControlledShutdownResponse>({
  apiKey: 7,
  minVersion: 0,
  maxVersion: 3,
  async handle(ctx, req) {
    const md = ctx.broker.metadata;
    if (md.controlledShutdown === undefined) return createControlledShutdownResponse({ errorCode: ErrorCode.NOT_CONTROLLER });
    // before v2 there is no epoch (the codec fills -1): not checked, as Kafka
    const brokerEpoch = ctx.apiVersion >= 2 ? req.brokerEpoch : -1n;
    const result = await md.controlledShutdown(req.brokerId, brokerEpoch);
    return createControlledShutdownResponse({
      errorCode: result.errorCode,
      remainingPartitions: result.remainingPartitions.map((p) => ({ topicName: p.topic, partitionIndex: p.partition })),
    });
  },
  errorResponse(_req, errorCode) {
    return createControlledShutdownResponse({ errorCode });
  },
});
