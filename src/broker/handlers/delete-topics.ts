/**
 * DeleteTopics (key 20): by name, or by topic id (v6+). Refused with
 * TOPIC_DELETION_DISABLED when `delete.topic.enable=false`; otherwise queued under
 * /admin/delete_topics by the MetadataService and carried out by the controller.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { createDeleteTopicsResponse, type DeleteTopicsRequest, type DeleteTopicsResponse } from '../../protocol/generated/delete-topics.js';
import type { DeletableTopic } from '../metadata/metadata-service.js';
import { defineHandler } from './handler.js';
import { ZERO_UUID_STRING, uuidFromString, uuidToString } from './topic-names.js';

export const deleteTopicsHandler = defineHandler<DeleteTopicsRequest, DeleteTopicsResponse>({
  apiKey: 20,
  minVersion: 0,
  maxVersion: 6,
  async handle(ctx, req) {
    const b = ctx.broker;
    const wanted: DeletableTopic[] =
      ctx.apiVersion >= 6
        ? req.topics.map((t) => ({ name: t.name, topicId: t.name === null ? uuidFromString(t.topicId) : null }))
        : req.topicNames.map((name) => ({ name, topicId: null }));
    const v6 = ctx.apiVersion >= 6;
    if (!b.config.bool('delete.topic.enable')) {
      return createDeleteTopicsResponse({
        responses: wanted.map((w) => ({ name: w.name, topicId: v6 && w.topicId !== null ? uuidToString(w.topicId) : ZERO_UUID_STRING, errorCode: ErrorCode.TOPIC_DELETION_DISABLED, errorMessage: v6 ? 'Topic deletion is disabled.' : null })),
      });
    }
    const results = await b.metadata.deleteTopics(wanted, { timeoutMs: req.timeoutMs });
    return createDeleteTopicsResponse({
      throttleTimeMs: 0,
      responses: results.map((r) => ({
        name: r.name,
        topicId: v6 ? uuidToString(r.topicId) : ZERO_UUID_STRING,
        errorCode: r.errorCode,
        errorMessage: ctx.apiVersion >= 5 ? r.errorMessage : null,
      })),
    });
  },
});
