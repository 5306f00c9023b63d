/**
 * InitProducerId (key 22) for idempotent producers without a transactional id: a fresh producer
 * id from the broker's block (keeper `/latest_producer_id_block`) and epoch 0 — Kafka's
 * TransactionCoordinator answers a null transactional id this way whatever the request's
 * producerId/epoch. Transactional ids belong to the transaction coordinator; without one this
 * broker answers COORDINATOR_NOT_AVAILABLE so the client retries elsewhere.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createInitProducerIdResponse, type InitProducerIdRequest, type InitProducerIdResponse } from '../../protocol/generated/init-producer-id.js';
import { defineHandler } from './handler.js';

export const initProducerIdHandler = defineHandler<InitProducerIdRequest, InitProducerIdResponse>({
  apiKey: 22,
  minVersion: 0,
  maxVersion: 5,
  async handle(ctx, req) {
    if (req.transactionalId !== null) return createInitProducerIdResponse({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 });
    try {
      const producerId = await ctx.broker.producerIds.generateProducerId();
      return createInitProducerIdResponse({ errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 });
    } catch (err) {
      ctx.broker.logger.warn({ err }, 'allocating a producer id block failed');
      const code = err instanceof KafkaError ? err.errorCode : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return createInitProducerIdResponse({ errorCode: code, producerId: -1n, producerEpoch: -1 });
    }
  },
  errorResponse: (_req, errorCode) => createInitProducerIdResponse({ errorCode, producerId: -1n, producerEpoch: -1 }),
});
