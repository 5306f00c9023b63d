/**
 * A minimal Kafka-protocol server for codec interop tests: it answers ApiVersions (advertising
 * only ApiVersions and Metadata, what it implements) and Metadata (one broker, itself; each
 * requested topic with one partition), using the generated codecs, framing and header rules.
 * It records every request it decoded, so a test can check what a real client sent.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Reader } from '../../src/util/bytes.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { ApiKey, apiByKey, decodeRequestBody, decodeRequestHeader, encodeResponseFrame, isVersionSupported } from '../../src/protocol/api.js';
import { createApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import {
  createMetadataResponse, createMetadataResponseBroker, createMetadataResponsePartition, createMetadataResponseTopic,
  type MetadataRequest,
} from '../../src/protocol/generated/metadata.js';

export interface SeenRequest {
  readonly api: string;
  readonly version: number;
  readonly clientId: string | null;
  readonly body: unknown;
}

export interface MetadataServer {
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

const SERVED = [ApiKey.ApiVersions, ApiKey.Metadata];
const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';

function apiVersionsBody(errorCode: number) {
  return createApiVersionsResponse({
    errorCode,
    apiKeys: SERVED.map((key) => {
      const api = apiByKey(key)!;
      return { apiKey: key, minVersion: api.minVersion, maxVersion: api.maxVersion };
    }),
  });
}

function metadataBody(req: MetadataRequest, port: number) {
  const names = req.topics === null || req.topics.length === 0 ? ['gregor-default'] : req.topics.map((t) => t.name ?? 'unnamed');
  return createMetadataResponse({
    brokers: [createMetadataResponseBroker({ nodeId: 1, host: '127.0.0.1', port, rack: null })],
    clusterId: 'gregor-codec-test',
    controllerId: 1,
    topics: names.map((name) =>
      createMetadataResponseTopic({
        name,
        topicId: TOPIC_ID,
        partitions: [createMetadataResponsePartition({ partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1] })],
      }),
    ),
  });
}

export interface MetadataServerOptions {
  /** Answer ApiVersions above this version with UNSUPPORTED_VERSION (to exercise KIP-511 fallbacks). */
  readonly apiVersionsMax?: number;
}

function handle(socket: Socket, frame: Buffer, seen: SeenRequest[], port: number, options: MetadataServerOptions): void {
  const r = new Reader(frame);
  const decoded = decodeRequestHeader(r);
  const { header } = decoded;
  const key = header.requestApiKey;
  const refused = options.apiVersionsMax !== undefined && header.requestApiVersion > options.apiVersionsMax;
  if (key === ApiKey.ApiVersions && (refused || !isVersionSupported(key, header.requestApiVersion))) {
    seen.push({ api: 'ApiVersions(refused)', version: header.requestApiVersion, clientId: header.clientId, body: null });
    // KIP-511: answer an unknown ApiVersions version with v0 and UNSUPPORTED_VERSION.
    socket.write(encodeResponseFrame(key, 0, header.correlationId, apiVersionsBody(ErrorCode.UNSUPPORTED_VERSION)));
    return;
  }
  const body = decodeRequestBody(decoded, r);
  seen.push({ api: decoded.api.name, version: header.requestApiVersion, clientId: header.clientId, body });
  if (key === ApiKey.ApiVersions) {
    socket.write(encodeResponseFrame(key, header.requestApiVersion, header.correlationId, apiVersionsBody(ErrorCode.NONE)));
  } else if (key === ApiKey.Metadata) {
    socket.write(encodeResponseFrame(key, header.requestApiVersion, header.correlationId, metadataBody(body as MetadataRequest, port)));
  } else {
    socket.destroy();
  }
}

export async function startMetadataServer(options: MetadataServerOptions = {}): Promise<MetadataServer> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const frames = new FrameDecoder(1 << 20);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of frames.push(chunk)) handle(socket, frame, seen, port, options);
      } catch (err) {
        seen.push({ api: 'error', version: -1, clientId: null, body: String(err) });
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  port = addr.port;
  return {
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
