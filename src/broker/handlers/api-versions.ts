/** ApiVersions (key 18): the implemented APIs and version ranges, derived from the handler table. */
import { ErrorCode } from '../../protocol/errors.js';
import { createApiVersionsResponse, type ApiVersionsRequest, type ApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import { defineHandler } from './handler.js';
import { apiVersionsFor } from './table.js';

export const apiVersionsHandler = defineHandler<ApiVersionsRequest, ApiVersionsResponse>({
  apiKey: 18,
  minVersion: 0,
  maxVersion: 4,
  handle(ctx, req) {
    // v3+ carries the client's software name/version; Kafka validates them (INVALID_REQUEST).
    const valid = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;
    if (ctx.apiVersion >= 3 && (!valid.test(req.clientSoftwareName) || !valid.test(req.clientSoftwareVersion))) {
      return createApiVersionsResponse({ errorCode: ErrorCode.INVALID_REQUEST, apiKeys: apiVersionsFor(ctx.broker.handlers) });
    }
    return createApiVersionsResponse({ errorCode: ErrorCode.NONE, apiKeys: apiVersionsFor(ctx.broker.handlers) });
  },
  errorResponse: (_req, errorCode) => createApiVersionsResponse({ errorCode }),
});
