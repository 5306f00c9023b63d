/**
 * One TCP connection to one broker: size-prefixed frames, correlation ids, requests pipelined
 * (many in flight, answered in order by the broker) and ApiVersions negotiation on connect —
 * each API is then sent at the highest version both sides support.
 *
 * Failures: a request that times out or a socket that closes fails every pending request with
 * a retriable ClientError and marks the connection dead; the owner (KafkaCluster) opens a new one.
 */
import { connect as netConnect, type Socket } from 'node:net';
import {
  ApiKey, apiByKey, decodeResponse, encodeRequestChunks, encodeRequestFrame, type ApiName, type RequestOf, type ResponseOf,
} from '../protocol/api.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import { FrameDecoder } from '../protocol/framing.js';
import { createApiVersionsRequest, type ApiVersionsResponse } from '../protocol/generated/api-versions.js';
import { ClientError } from './errors.js';

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  /** socket.connection.setup.timeout.ms */
  connectTimeoutMs: number;
  /** request.timeout.ms */
  requestTimeoutMs: number;
  /** Largest response frame accepted. */
  maxResponseBytes?: number;
}

export interface RequestOptions {
  /** Force a version instead of the negotiated one. */
  version?: number;
  /** False for Produce with acks=0: the broker sends no response. */
  expectResponse?: boolean;
  timeoutMs?: number;
}

interface Pending {
  apiKey: number;
  version: number;
  resolve(body: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const CLIENT_SOFTWARE_NAME = 'gregor';
const CLIENT_SOFTWARE_VERSION = '0.1.0';

export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  private socket: Socket | null = null;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private versions = new Map<number, number>();
  private closedError: Error | null = null;

  constructor(private readonly options: ConnectionOptions) {
    this.host = options.host;
    this.port = options.port;
    this.decoder = new FrameDecoder(options.maxResponseBytes ?? 256 * 1024 * 1024);
  }

  get alive(): boolean {
    return this.socket !== null && this.closedError === null;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Opens the socket and negotiates versions. */
  async connect(): Promise<void> {
    await this.open();
    await this.negotiate();
  }

  private open(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = netConnect({ host: this.host, port: this.port, noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ClientError('GREGOR_ERR_CONNECTION', `connect to ${this.host}:${this.port} timed out`, { retriable: true }));
      }, this.options.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        socket.on('error', (err) => this.fail(err));
        socket.on('close', () => this.fail(new Error('connection closed by broker')));
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        this.socket = socket;
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new ClientError('GREGOR_ERR_CONNECTION', `connect to ${this.host}:${this.port}: ${err.message}`, { cause: err, retriable: true }));
      });
    });
  }

  /** ApiVersions at our highest version; a broker that does not know it answers v0 with its range. */
  private async negotiate(): Promise<void> {
    const ours = apiByKey(ApiKey.ApiVersions)!;
    let version = ours.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const body = createApiVersionsRequest({ clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION });
      const res = (await this.send(ApiKey.ApiVersions, version, body, true, this.options.requestTimeoutMs)) as ApiVersionsResponse;
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = res.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        version = Math.min(ours.maxVersion, theirs?.maxVersion ?? 0);
        continue;
      }
      if (res.errorCode !== 0) throw new KafkaError(res.errorCode, 'ApiVersions');
      this.versions = negotiateVersions(res);
      return;
    }
    throw new ClientError('GREGOR_ERR_UNSUPPORTED_API', `${this.host}:${this.port} does not support ApiVersions`);
  }

  /** The version negotiated for `name`, or undefined when the broker does not support it. */
  versionOf(name: ApiName): number | undefined {
    return this.versions.get(ApiKey[name]);
  }

  /** Sends `body` as API `name` and resolves with the decoded response body. */
  request<N extends ApiName>(name: N, body: RequestOf<N>, options: RequestOptions = {}): Promise<ResponseOf<N>> {
    const apiKey = ApiKey[name];
    const version = options.version ?? this.versions.get(apiKey);
    if (version === undefined) {
      return Promise.reject(new ClientError('GREGOR_ERR_UNSUPPORTED_API', `broker ${this.host}:${this.port} does not support ${name}`));
    }
    return this.send(apiKey, version, body, options.expectResponse ?? true, options.timeoutMs ?? this.options.requestTimeoutMs) as Promise<ResponseOf<N>>;
  }

  private send(apiKey: number, version: number, body: unknown, expectResponse: boolean, timeoutMs: number): Promise<unknown> {
    if (this.closedError !== null || this.socket === null) {
      return Promise.reject(new ClientError('GREGOR_ERR_CONNECTION', `connection to ${this.host}:${this.port} is closed`, { cause: this.closedError, retriable: true }));
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const header = { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId };
    // A Produce request's record batches (encoded once, kept unchanged for retries) go to the socket
    // as their own chunks instead of being copied into one frame: one copy and one large allocation
    // less per record on the producer's hot path.
    const frame = apiKey === ApiKey.Produce ? encodeRequestChunks(header, body, { initialBytes: 1024 }) : encodeRequestFrame(header, body, { initialBytes: 1024 });
    if (!expectResponse) {
      return new Promise((resolve, reject) => {
        this.write(frame, (err) => (err ? reject(new ClientError('GREGOR_ERR_CONNECTION', err.message, { cause: err, retriable: true })) : resolve(undefined)));
      });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const err = new ClientError('GREGOR_ERR_REQUEST_TIMEOUT', `${apiByKey(apiKey)?.name} to ${this.host}:${this.port} timed out after ${timeoutMs} ms`, { retriable: true });
        // Kafka closes the connection on a request timeout: later responses can no longer be trusted.
        this.fail(err);
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve, reject, timer });
      this.write(frame);
    });
  }

  /** Writes one frame, whole or as chunks (corked, so they leave in one writev). */
  private write(frame: Buffer | Buffer[], callback?: (err?: Error | null) => void): void {
    const socket = this.socket!;
    if (!Array.isArray(frame)) {
      socket.write(frame, callback);
      return;
    }
    socket.cork();
    for (let i = 0; i < frame.length; i++) socket.write(frame[i]!, i === frame.length - 1 ? callback : undefined);
    socket.uncork();
  }

  private onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    for (const frame of frames) {
      if (frame.length < 4) {
        this.fail(new Error('response without correlation id'));
        return;
      }
      const correlationId = frame.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (p === undefined) {
        this.fail(new Error(`response with unknown correlation id ${correlationId}`));
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      try {
        p.resolve(decodeResponse(p.apiKey, p.version, frame).body);
      } catch (err) {
        // ApiVersions answers an unknown version with a v0 body (KIP-511).
        if (p.apiKey === ApiKey.ApiVersions && p.version !== 0) {
          try {
            p.resolve(decodeResponse(p.apiKey, 0, frame).body);
            continue;
          } catch {
            // fall through
          }
        }
        p.reject(err as Error);
      }
    }
  }

  private fail(cause: Error): void {
    if (this.closedError !== null) return;
    this.closedError = cause;
    const err = cause instanceof ClientError ? cause : new ClientError('GREGOR_ERR_CONNECTION', `${this.host}:${this.port}: ${cause.message}`, { cause, retriable: true });
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.socket?.destroy();
  }

  close(): void {
    this.fail(new ClientError('GREGOR_ERR_CLOSED', 'connection closed', { retriable: true }));
  }
}

/** Per API key, the highest version in both our range and the broker's. */
export function negotiateVersions(res: ApiVersionsResponse): Map<number, number> {
  const out = new Map<number, number>();
  for (const theirs of res.apiKeys) {
    const ours = apiByKey(theirs.apiKey);
    if (ours === undefined) continue;
    const max = Math.min(ours.maxVersion, theirs.maxVersion);
    const min = Math.max(ours.minVersion, theirs.minVersion);
    if (max >= min) out.set(theirs.apiKey, max);
  }
  return out;
}
