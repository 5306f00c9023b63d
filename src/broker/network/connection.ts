/**
 * One client connection: frames in, requests dispatched to the handler table, responses out in
 * request order.
 *
 * Ordering: requests are *started* one at a time in arrival order (so two produces from one
 * producer append in the order sent, as Kafka's muted-channel processing guarantees); a handler
 * that must wait (acks=all, long-poll fetch) returns a `Deferred` and the next request starts at
 * once. `ResponseOrder` keeps the answers in request order. Read-ahead is bounded by
 * `queued.max.requests`: the socket pauses while that many responses are outstanding.
 *
 * Failures (Kafka's behaviour): an oversized or negative frame, an undecodable header or body,
 * an unknown API key or an unsupported version of anything but ApiVersions close the connection
 * with a log line; ApiVersions with an unknown version is answered in v0 with
 * UNSUPPORTED_VERSION and the supported ranges (KIP-511), so the client can retry.
 */
import type { Socket } from 'node:net';
import { Reader, Writer } from '../../util/bytes.js';
import { DecodeError, FrameTooLargeError } from '../../util/errors.js';
import type { Logger } from '../../util/logger.js';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';
import { ChunkedWriter } from '../../protocol/codec-runtime.js';
import { FrameDecoder } from '../../protocol/framing.js';
import { decodeRequestHeader, type RequestHeader } from '../../protocol/generated/request-header.js';
import { encodeResponseHeader } from '../../protocol/generated/response-header.js';
import { encodeApiVersionsResponse } from '../../protocol/generated/api-versions.js';
import type { BrokerServices } from '../broker-services.js';
import { Deferred, type ApiHandler, type HandlerResult, type RequestContext } from '../handlers/handler.js';
import { apiVersionsFor, apiInfo } from '../handlers/table.js';
import { requestHeaderVersion, responseHeaderVersion } from '../../protocol/headers.js';
import { ResponseOrder } from './response-order.js';

const API_VERSIONS_KEY = 18;
/** Responses written but not yet taken by the client beyond which reading pauses. */
const MAX_UNSENT_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Byte fields (record sets) at least this large are written as their own chunks, not copied. */
const ZERO_COPY_MIN_BYTES = 4096;
/** Cap on the first buffer of a response (it grows if needed); zero-copy records need no room. */
const MAX_INITIAL_RESPONSE_BYTES = 64 * 1024;

interface PendingRequest {
  header: RequestHeader;
  handler: ApiHandler;
  body: unknown;
  slot: number;
  arrivedMs: number;
}

export interface ConnectionOptions {
  socket: Socket;
  services: BrokerServices;
  listenerName: string;
  maxRequestBytes: number;
  idleTimeoutMs: number;
  maxQueuedRequests: number;
  logger: Logger;
  onClose: () => void;
}

export class Connection {
  readonly clientAddress: string;
  private readonly decoder: FrameDecoder;
  private readonly order = new ResponseOrder();
  private readonly queue: PendingRequest[] = [];
  private running = false;
  private closed = false;
  private closeAfterFlush: string | null = null;
  /** Requests started and not yet completed (handlers running or Deferred). */
  private started = 0;
  private drainArmed = false;
  /** Cleanups of deferred requests (at most one per outstanding request: queued.max.requests). */
  private readonly closeListeners = new Set<() => void>();
  private readonly log: Logger;

  constructor(private readonly o: ConnectionOptions) {
    const s = o.socket;
    this.clientAddress = `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`;
    this.log = o.logger.child({ client: this.clientAddress });
    this.decoder = new FrameDecoder(o.maxRequestBytes);
    s.setNoDelay(true);
    if (o.idleTimeoutMs > 0 && o.idleTimeoutMs < 2 ** 31) {
      s.setTimeout(o.idleTimeoutMs, () => this.close(`idle for connections.max.idle.ms=${o.idleTimeoutMs}`, 'debug'));
    }
    s.on('data', (chunk: Buffer) => this.onData(chunk));
    s.on('error', (err) => this.close(`socket error: ${err.message}`, 'debug'));
    s.on('close', () => this.close('peer closed', 'trace'));
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const why = err instanceof FrameTooLargeError ? `request of ${err.size} bytes exceeds socket.request.max.bytes=${err.maxBytes}` : `bad frame: ${String(err)}`;
      this.close(why, 'warn');
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      this.onFrame(frame);
    }
    this.pump();
    // Also when an async handler is still running (pump returned at once): bound the read-ahead.
    this.applyBackpressure();
  }

  private onFrame(frame: Buffer): void {
    if (this.closeAfterFlush !== null) return; // closing: later requests are dropped
    const services = this.o.services;
    if (frame.length < 8) {
      this.close(`request of ${frame.length} bytes is too short for a header`, 'warn');
      return;
    }
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const handler = services.handlers.get(apiKey);
    const info = apiInfo(apiKey);
    if (handler === undefined || info === undefined) {
      this.close(`unknown or unsupported API key ${apiKey} (version ${apiVersion})`, 'warn');
      return;
    }
    const supported = apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
    if (!supported && apiKey !== API_VERSIONS_KEY) {
      this.close(`unsupported version ${apiVersion} of API ${info.name} (supported ${handler.minVersion}-${handler.maxVersion})`, 'warn');
      return;
    }
    const r = new Reader(frame);
    let header: RequestHeader;
    let body: unknown;
    try {
      if (!supported) {
        // KIP-511: the header is read as v1 whatever the client's version; the body is ignored.
        header = decodeRequestHeader(r, 1);
        this.queueUnsupportedApiVersions(header);
        return;
      }
      header = decodeRequestHeader(r, requestHeaderVersion(apiKey, apiVersion));
      body = info.request.decode(r, apiVersion);
    } catch (err) {
      this.close(`cannot decode ${info.name} v${apiVersion} request: ${err instanceof DecodeError ? err.message : String(err)}`, 'warn');
      return;
    }
    services.metrics.requests.inc({ request: info.name, version: String(apiVersion) });
    this.queue.push({ header, handler, body, slot: this.order.reserve(), arrivedMs: performance.now() });
  }

  private queueUnsupportedApiVersions(header: RequestHeader): void {
    const slot = this.order.reserve();
    const w = new Writer(512);
    const size = w.reserve(4);
    encodeResponseHeader(w, 0, { correlationId: header.correlationId });
    encodeApiVersionsResponse(w, 0, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: apiVersionsFor(this.o.services.handlers),
      throttleTimeMs: 0,
      supportedFeatures: [],
      finalizedFeaturesEpoch: -1n,
      finalizedFeatures: [],
      zkMigrationReady: false,
    });
    w.buf.writeInt32BE(w.offset - size - 4, size);
    this.release(this.order.fill(slot, [Buffer.from(w.finish())]));
  }

  /** Starts queued requests one at a time; a Deferred result lets the next one start. */
  private pump(): void {
    if (this.running) return;
    // After a close was requested nothing more starts (Kafka closes the channel: later requests
    // on it are dropped, e.g. produces pipelined behind a failed acks=0 one are not appended).
    while (this.queue.length > 0 && !this.closed && this.closeAfterFlush === null) {
      const req = this.queue.shift()!;
      this.started++;
      const ctx = this.contextFor(req);
      let result: HandlerResult<unknown> | Promise<HandlerResult<unknown>>;
      try {
        result = req.handler.handle(ctx, req.body);
      } catch (err) {
        this.complete(req, ctx, this.onHandlerError(req, ctx, err));
        continue;
      }
      if (result instanceof Promise) {
        this.running = true;
        result.then(
          (res) => {
            this.running = false;
            this.settle(req, ctx, res);
            this.pump();
          },
          (err: unknown) => {
            this.running = false;
            this.complete(req, ctx, this.onHandlerError(req, ctx, err));
            this.pump();
          },
        );
        return;
      }
      this.settle(req, ctx, result);
    }
    this.applyBackpressure();
  }

  private settle(req: PendingRequest, ctx: RequestContext, res: HandlerResult<unknown>): void {
    if (res instanceof Deferred) {
      res.promise.then(
        (r) => this.complete(req, ctx, r),
        (err: unknown) => this.complete(req, ctx, this.onHandlerError(req, ctx, err)),
      );
      return;
    }
    this.complete(req, ctx, res);
  }

  private onHandlerError(req: PendingRequest, ctx: RequestContext, err: unknown): unknown {
    const name = apiInfo(req.header.requestApiKey)?.name ?? String(req.header.requestApiKey);
    const code = err instanceof KafkaError ? err.errorCode : ErrorCode.UNKNOWN_SERVER_ERROR;
    if (req.handler.errorResponse !== undefined) {
      if (!(err instanceof KafkaError)) this.log.error({ err, api: name }, 'handler failed');
      return req.handler.errorResponse(req.body, code, ctx);
    }
    this.log.error({ err, api: name }, 'handler failed without an error response; closing the connection');
    this.closeAfterFlush = `${name} handler failed`;
    return null;
  }

  /** Encodes `res` (null = no response) into the request's slot and writes what is releasable. */
  private complete(req: PendingRequest, ctx: RequestContext, res: unknown): void {
    this.started--;
    if (this.closed) return;
    const info = apiInfo(req.header.requestApiKey)!;
    const metrics = this.o.services.metrics;
    metrics.requestLatency.observe({ request: info.name }, performance.now() - req.arrivedMs);
    let frame: Buffer[] | null = null;
    if (res !== null && res !== undefined) {
      // One walk: error counts for the metrics, and the bytes of records (to size the buffer).
      const recordBytes = walkResponse(res, (code) => metrics.requestErrors.inc({ request: info.name, error: errorInfo(code).name }));
      try {
        // Record sets of ZERO_COPY_MIN_BYTES or more become chunks of their own (stored batches
        // are slices of storage buffers that are never overwritten), so a Fetch response's
        // records go to the socket without a copy; smaller ones are copied into the buffer.
        const w = new ChunkedWriter(Math.min(recordBytes, MAX_INITIAL_RESPONSE_BYTES) + 1024, ZERO_COPY_MIN_BYTES);
        w.reserve(4);
        encodeResponseHeader(w, responseHeaderVersion(info.apiKey, ctx.apiVersion), { correlationId: req.header.correlationId });
        info.response.encode(w, ctx.apiVersion, res);
        const sizeBytes = w.totalBytes - 4;
        frame = w.finishChunks();
        // The first chunk starts with the 4 reserved bytes (a chunk is only cut after them).
        frame[0]!.writeInt32BE(sizeBytes, 0);
      } catch (err) {
        this.log.error({ err, api: info.name, version: ctx.apiVersion }, 'cannot encode response; closing the connection');
        this.close(`cannot encode ${info.name} response`, 'error');
        return;
      }
    }
    this.release(this.order.fill(req.slot, frame));
    this.maybeCloseAfterFlush();
    this.applyBackpressure();
  }

  /**
   * Writes releasable responses, each a list of chunks, in order. Corked so that the chunks of
   * all of them leave in one writev; `writableLength` counts every chunk, so the unsent-bytes
   * bound below sees them as before.
   */
  /** Closes once every started request has answered; requests still queued are dropped. */
  private maybeCloseAfterFlush(): void {
    if (this.closeAfterFlush === null || this.closed) return;
    if (this.started === 0) this.close(this.closeAfterFlush, 'info', true);
  }

  private release(frames: Buffer[][]): void {
    if (this.closed || frames.length === 0) return;
    const s = this.o.socket;
    s.cork();
    for (const chunks of frames) for (const c of chunks) s.write(c);
    s.uncork();
  }

  /**
   * Reading pauses while `queued.max.requests` responses are outstanding or while more than
   * MAX_UNSENT_RESPONSE_BYTES of responses wait for a slow reader (so a client that fetches
   * but does not read cannot make the broker buffer without bound).
   */
  private applyBackpressure(): void {
    if (this.closed) return;
    const s = this.o.socket;
    const unsent = s.writableLength > MAX_UNSENT_RESPONSE_BYTES;
    if (unsent && !this.drainArmed) {
      this.drainArmed = true;
      s.once('drain', () => {
        this.drainArmed = false;
        this.applyBackpressure();
      });
    }
    const full = this.order.outstanding >= this.o.maxQueuedRequests || unsent || this.closeAfterFlush !== null;
    if (full && !s.isPaused()) s.pause();
    else if (!full && s.isPaused()) s.resume();
  }

  private contextFor(req: PendingRequest): RequestContext {
    return {
      apiKey: req.header.requestApiKey,
      apiVersion: req.header.requestApiVersion,
      correlationId: req.header.correlationId,
      clientId: req.header.clientId,
      clientAddress: this.clientAddress,
      listenerName: this.o.listenerName,
      broker: this.o.services,
      closeConnection: (reason) => {
        this.closeAfterFlush = reason;
      },
      onConnectionClose: (fn) => {
        if (this.closed) {
          fn();
          return () => undefined;
        }
        this.closeListeners.add(fn);
        return () => this.closeListeners.delete(fn);
      },
    };
  }

  /** Closes the connection; `graceful` lets written responses drain first. */
  close(reason: string, level: 'trace' | 'debug' | 'info' | 'warn' | 'error' = 'info', graceful = false): void {
    if (this.closed) return;
    this.closed = true;
    this.log[level]({ reason }, 'closing connection');
    if (graceful) this.o.socket.end();
    else this.o.socket.destroy();
    this.queue.length = 0;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    for (const fn of listeners) fn();
    this.o.onClose();
  }
}

/**
 * Calls `onError` for every non-zero `errorCode` in a response (Kafka's
 * AbstractResponse.errorCounts, which feeds ErrorsPerSec) and returns the total size of the
 * Buffers (records) it holds, which are not walked into.
 */
function walkResponse(value: unknown, onError: (code: number) => void): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Buffer.isBuffer(value)) return value.length;
  let bytes = 0;
  if (Array.isArray(value)) {
    for (const v of value) bytes += walkResponse(v, onError);
    return bytes;
  }
  for (const [k, v] of Object.entries(value)) {
    if (k === 'errorCode' && typeof v === 'number') {
      if (v !== 0) onError(v);
    } else if (typeof v === 'object') bytes += walkResponse(v, onError);
  }
  return bytes;
}
