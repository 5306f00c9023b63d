/**
 * The Kafka API registry: for each API key its name, version range, first flexible version,
 * header versions, listeners and body codecs (all generated from the specs), plus request and
 * response encoding/decoding with headers.
 *
 * Version ranges: `minVersion`..`maxVersion` is the stable range (what a broker may advertise
 * in ApiVersions); `latestVersion` can be one higher when the spec marks its latest version
 * unstable. The codecs handle every version up to `latestVersion`.
 *
 * A broker decodes in two steps so it can answer what Kafka answers:
 *   1. `decodeRequestHeader(reader)`: an unknown API key throws UnknownApiKeyError (Kafka
 *      closes the connection); any version of a known API decodes (the header layout depends
 *      only on the first flexible version).
 *   2. `decodeRequestBody(decoded, reader)`: a version outside the supported range throws
 *      UnsupportedVersionError carrying the header, so the broker can send ApiVersions'
 *      UNSUPPORTED_VERSION reply (KIP-511) in response header v0.
 *
 * Encoded messages come in three forms: `encodeRequest` / `encodeResponse` return the message
 * without the 4-byte size prefix; `encodeRequestFrame` / `encodeResponseFrame` return it with
 * the prefix, written in the same buffer (no extra copy); `encodeRequestChunks` /
 * `encodeResponseChunks` return the framed message as chunks in which large byte fields
 * (record sets) are not copied at all.
 */
import { Reader, Writer } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import { ChunkedWriter } from './codec-runtime.js';
import { ErrorCode, KafkaError } from './errors.js';
import { ApiKey, generatedApis, type ApiMessages, type GeneratedApi, type GeneratedCodec } from './generated/api-table.js';
import {
  decodeRequestHeaderAt, decodeResponseHeader, encodeRequestHeader, encodeResponseHeader, requestHeaderVersion,
  responseHeaderVersion, type RequestHeader,
} from './headers.js';

export { ApiKey, requestHeaderVersion, responseHeaderVersion, type ApiMessages, type GeneratedCodec };
export type ApiName = keyof typeof ApiKey;
export type ApiKeyValue = (typeof ApiKey)[ApiName];
export type RequestOf<N extends ApiName> = ApiMessages[N]['request'];
export type ResponseOf<N extends ApiName> = ApiMessages[N]['response'];

export type ApiSpec = GeneratedApi;

/** API specs indexed by API key (sparse). */
export const apis: readonly (ApiSpec | undefined)[] = (() => {
  const t: (ApiSpec | undefined)[] = [];
  for (const a of generatedApis) t[a.apiKey] = a;
  return t;
})();

/** Every API, sorted by key. */
export const allApis: readonly ApiSpec[] = generatedApis;

export function apiByKey(apiKey: number): ApiSpec | undefined {
  return apiKey >= 0 ? apis[apiKey] : undefined;
}

export function apiByName<N extends ApiName>(name: N): ApiSpec {
  return apis[ApiKey[name]]!;
}

/** True when `version` of `apiKey` is in its stable range (or up to the unstable latest, if allowed). */
export function isVersionSupported(apiKey: number, version: number, allowUnstable = false): boolean {
  const api = apiByKey(apiKey);
  if (api === undefined) return false;
  const max = allowUnstable ? api.latestVersion : api.maxVersion;
  return version >= api.minVersion && version <= max;
}

/** A request whose API key is not in the specs (Kafka: InvalidRequestException, connection closed). */
export class UnknownApiKeyError extends KafkaError {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  constructor(apiKey: number, apiVersion: number, correlationId: number) {
    super(ErrorCode.INVALID_REQUEST, `unknown API key ${apiKey} (version ${apiVersion}, correlation id ${correlationId})`);
    this.apiKey = apiKey;
    this.apiVersion = apiVersion;
    this.correlationId = correlationId;
  }
}

/** A request version outside the supported range; carries the decoded header for the reply. */
export class UnsupportedVersionError extends KafkaError {
  readonly header: RequestHeader;
  readonly headerVersion: number;
  constructor(header: RequestHeader, headerVersion: number) {
    const api = apiByKey(header.requestApiKey);
    const range = api === undefined ? '' : ` (supported ${api.minVersion}-${api.maxVersion})`;
    super(ErrorCode.UNSUPPORTED_VERSION, `${api?.name ?? header.requestApiKey} version ${header.requestApiVersion}${range}`);
    this.header = header;
    this.headerVersion = headerVersion;
  }
}

export interface DecodedRequestHeader {
  readonly header: RequestHeader;
  readonly headerVersion: number;
  readonly api: ApiSpec;
}

export interface DecodedRequest extends DecodedRequestHeader {
  readonly body: any;
}

/** Reads a request header; the reader is left at the start of the body. */
export function decodeRequestHeader(r: Reader): DecodedRequestHeader {
  r.need(8);
  const apiKey = r.buf.readInt16BE(r.offset);
  const apiVersion = r.buf.readInt16BE(r.offset + 2);
  const api = apiByKey(apiKey);
  if (api === undefined) throw new UnknownApiKeyError(apiKey, apiVersion, r.buf.readInt32BE(r.offset + 4));
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header = decodeRequestHeaderAt(r, headerVersion);
  return { header, headerVersion, api };
}

export interface DecodeBodyOptions {
  /** Accept the unstable latest version of an API (Kafka's unstable.api.versions.enable). */
  readonly allowUnstable?: boolean;
}

/** Decodes the body after `decodeRequestHeader`; the body must use every remaining byte. */
export function decodeRequestBody(decoded: DecodedRequestHeader, r: Reader, options: DecodeBodyOptions = {}): any {
  const { header, api } = decoded;
  if (!isVersionSupported(api.apiKey, header.requestApiVersion, options.allowUnstable === true)) {
    throw new UnsupportedVersionError(header, decoded.headerVersion);
  }
  const body = api.request.decode(r, header.requestApiVersion);
  checkConsumed(r, api.name, 'request');
  return body;
}

/** Decodes a whole request (without its size prefix). */
export function decodeRequest(buf: Buffer, options: DecodeBodyOptions = {}): DecodedRequest {
  const r = new Reader(buf);
  const decoded = decodeRequestHeader(r);
  return { ...decoded, body: decodeRequestBody(decoded, r, options) };
}

function checkConsumed(r: Reader, name: string, what: string): void {
  if (r.remaining !== 0) throw new DecodeError(`${name} ${what} has ${r.remaining} trailing bytes`);
}

function requireApi(apiKey: number): ApiSpec {
  const api = apiByKey(apiKey);
  if (api === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `unknown API key ${apiKey}`);
  return api;
}

export interface EncodeOptions {
  /** Initial buffer size (e.g. the records' size plus a little for a large Produce). */
  readonly initialBytes?: number;
}

function writeRequest(w: Writer, header: RequestHeader, body: unknown): void {
  const api = requireApi(header.requestApiKey);
  encodeRequestHeader(w, requestHeaderVersion(api.apiKey, header.requestApiVersion), header);
  api.request.encode(w, header.requestApiVersion, body);
}

/** Header + body, without the size prefix. */
export function encodeRequest(header: RequestHeader, body: unknown, options: EncodeOptions = {}): Buffer {
  const w = new Writer(options.initialBytes ?? 256);
  writeRequest(w, header, body);
  return w.finish();
}

/** Size prefix + header + body, ready for the socket. */
export function encodeRequestFrame(header: RequestHeader, body: unknown, options: EncodeOptions = {}): Buffer {
  const w = new Writer(options.initialBytes ?? 256);
  w.reserve(4);
  writeRequest(w, header, body);
  w.buf.writeInt32BE(w.offset - 4, 0);
  return w.finish();
}

function writeResponse(w: Writer, apiKey: number, version: number, correlationId: number, body: unknown): void {
  const api = requireApi(apiKey);
  encodeResponseHeader(w, responseHeaderVersion(apiKey, version), { correlationId });
  api.response.encode(w, version, body);
}

/** Response header + body, without the size prefix. */
export function encodeResponse(apiKey: number, version: number, correlationId: number, body: unknown, options: EncodeOptions = {}): Buffer {
  const w = new Writer(options.initialBytes ?? 256);
  writeResponse(w, apiKey, version, correlationId, body);
  return w.finish();
}

/** Size prefix + response header + body, ready for the socket. */
export function encodeResponseFrame(
  apiKey: number,
  version: number,
  correlationId: number,
  body: unknown,
  options: EncodeOptions = {},
): Buffer {
  const w = new Writer(options.initialBytes ?? 256);
  w.reserve(4);
  writeResponse(w, apiKey, version, correlationId, body);
  w.buf.writeInt32BE(w.offset - 4, 0);
  return w.finish();
}

/**
 * Size prefix + response header + body as a list of chunks for `socket.cork(); write...;
 * uncork()` (or writev): byte fields of at least `zeroCopyMinBytes` (default 4 KiB, e.g. the
 * record sets of a Fetch response) are their own chunks, not copied.
 */
export function encodeResponseChunks(
  apiKey: number,
  version: number,
  correlationId: number,
  body: unknown,
  options: EncodeOptions & { zeroCopyMinBytes?: number } = {},
): Buffer[] {
  const w = new ChunkedWriter(options.initialBytes ?? 1024, options.zeroCopyMinBytes);
  w.reserve(4);
  writeResponse(w, apiKey, version, correlationId, body);
  return prefixChunks(w);
}

/** Size prefix + request header + body as chunks (see encodeResponseChunks); for large Produce requests. */
export function encodeRequestChunks(
  header: RequestHeader,
  body: unknown,
  options: EncodeOptions & { zeroCopyMinBytes?: number } = {},
): Buffer[] {
  const w = new ChunkedWriter(options.initialBytes ?? 1024, options.zeroCopyMinBytes);
  w.reserve(4);
  writeRequest(w, header, body);
  return prefixChunks(w);
}

function prefixChunks(w: ChunkedWriter): Buffer[] {
  const size = w.totalBytes - 4;
  const chunks = w.finishChunks();
  // The first chunk starts with the 4 reserved bytes (a chunk is cut only after them).
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** The correlation id at the start of a response (to find the request it answers). */
export function peekCorrelationId(buf: Buffer): number {
  if (buf.length < 4) throw new DecodeError(`response of ${buf.length} bytes has no correlation id`);
  return buf.readInt32BE(0);
}

export interface DecodedResponse {
  readonly correlationId: number;
  readonly body: any;
}

/** Decodes a whole response (without its size prefix) to a request of `apiKey` at `version`. */
export function decodeResponse(apiKey: number, version: number, buf: Buffer): DecodedResponse {
  const api = requireApi(apiKey);
  if (version < api.minVersion || version > api.latestVersion) {
    throw new DecodeError(`${api.name} has no version ${version}`);
  }
  const r = new Reader(buf);
  const header = decodeResponseHeader(r, responseHeaderVersion(apiKey, version));
  const body = api.response.decode(r, version);
  checkConsumed(r, api.name, 'response');
  return { correlationId: header.correlationId, body };
}

// ---------------------------------------------------------------- typed conveniences (client side)

/** A framed request for API `name`, the body typed by the API (the request header is built here). */
export function encodeRequestFrameOf<N extends ApiName>(
  name: N,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: RequestOf<N>,
  options: EncodeOptions = {},
): Buffer {
  return encodeRequestFrame({ requestApiKey: ApiKey[name], requestApiVersion: version, correlationId, clientId }, body, options);
}

/** Decodes a response (without its size prefix) to a request of API `name`, typed. */
export function decodeResponseOf<N extends ApiName>(name: N, version: number, buf: Buffer): { correlationId: number; body: ResponseOf<N> } {
  return decodeResponse(ApiKey[name], version, buf);
}
