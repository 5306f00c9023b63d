/**
 * Request and response headers and Kafka's rule for which header version an API version uses:
 *
 * - request header v2 (flexible: tagged fields) for flexible versions of an API, else v1;
 *   v0 (no client id) only for ControlledShutdown v0;
 * - response header v1 (tagged fields) for flexible versions, else v0; ApiVersions responses
 *   always use v0, so a client that sent a version the broker does not know can still read
 *   the error (KIP-511).
 *
 * The rule depends only on the API's first flexible version, so it also answers for versions
 * above the latest one we know (a newer client's ApiVersions request).
 */
import type { Reader, Writer } from '../util/bytes.js';
import { generatedApis, type GeneratedApi } from './generated/api-table.js';
import {
  createRequestHeader, decodeRequestHeader as decodeRequestHeaderVersion, encodeRequestHeader as encodeRequestHeaderVersion,
  type RequestHeader,
} from './generated/request-header.js';
import {
  createResponseHeader, decodeResponseHeader as decodeResponseHeaderVersion, encodeResponseHeader as encodeResponseHeaderVersion,
  type ResponseHeader,
} from './generated/response-header.js';

export { createRequestHeader, createResponseHeader, type RequestHeader, type ResponseHeader };

const API_VERSIONS_KEY = 18;
const CONTROLLED_SHUTDOWN_KEY = 7;

const byKey: readonly (GeneratedApi | undefined)[] = (() => {
  const t: (GeneratedApi | undefined)[] = [];
  for (const a of generatedApis) t[a.apiKey] = a;
  return t;
})();

function flexible(api: GeneratedApi, version: number): boolean {
  return api.flexibleMinVersion >= 0 && version >= api.flexibleMinVersion;
}

/** The request header version for `apiKey` at `version`; -1 for an unknown API key. */
export function requestHeaderVersion(apiKey: number, version: number): number {
  const api = byKey[apiKey];
  if (api === undefined) return -1;
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && version === 0) return 0;
  return flexible(api, version) ? 2 : 1;
}

/** The response header version for `apiKey` at `version`; -1 for an unknown API key. */
export function responseHeaderVersion(apiKey: number, version: number): number {
  const api = byKey[apiKey];
  if (api === undefined) return -1;
  if (apiKey === API_VERSIONS_KEY) return 0;
  return flexible(api, version) ? 1 : 0;
}

export function encodeRequestHeader(w: Writer, headerVersion: number, h: RequestHeader): void {
  encodeRequestHeaderVersion(w, headerVersion, h);
}

export function decodeRequestHeaderAt(r: Reader, headerVersion: number): RequestHeader {
  return decodeRequestHeaderVersion(r, headerVersion);
}

export function encodeResponseHeader(w: Writer, headerVersion: number, h: ResponseHeader): void {
  encodeResponseHeaderVersion(w, headerVersion, h);
}

export function decodeResponseHeader(r: Reader, headerVersion: number): ResponseHeader {
  return decodeResponseHeaderVersion(r, headerVersion);
}
