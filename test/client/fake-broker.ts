/**
 * A scripted Kafka broker for client tests: one node, a few single-partition topics, and a
 * Produce handler supplied by the test (to inject errors, hold responses, or model the idempotent
 * sequence checks). Responses leave each connection in request order, as a real broker's do.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { allApis, decodeRequest, encodeResponseFrame } from '../../src/protocol/api.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { createApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import { createInitProducerIdResponse } from '../../src/protocol/generated/init-producer-id.js';
import { createMetadataResponse } from '../../src/protocol/generated/metadata.js';
import type { ProduceRequest } from '../../src/protocol/generated/produce.js';

export interface ProducePartitionResult {
  errorCode: number;
  baseOffset: bigint;
}

export type ProduceHandler = (topic: string, partition: number, records: Buffer) => ProducePartitionResult | Promise<ProducePartitionResult>;

export interface FakeBroker {
  readonly bootstrap: string;
  produceRequests: number;
  metadataRequests: number;
  initProducerIdRequests: number;
  fetchRequests: number;
  close(): Promise<void>;
}

export interface FakeBrokerOptions {
  /** More brokers named in Metadata (nothing of ours listens there: e.g. a dead broker's port). */
  otherBrokers?: { nodeId: number; port: number }[];
  /** The leader Metadata names for every partition (default 0, this broker). */
  leaderId?: number;
  /** Advertise Fetch and never answer it (a fetch parked on the broker). */
  holdFetches?: boolean;
}

export async function startFakeBroker(topics: Record<string, number>, onProduce: ProduceHandler, options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const sockets = new Set<Socket>();
  let port = 0;
  const state = { produceRequests: 0, metadataRequests: 0, initProducerIdRequests: 0, fetchRequests: 0 };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder();
    let chain: Promise<void> = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        const req = decodeRequest(Buffer.from(frame));
        chain = chain.then(async () => {
          const body = await answer(req.header.requestApiKey, req.body);
          if (body === null) return;
          if (!socket.destroyed) socket.write(encodeResponseFrame(req.header.requestApiKey, req.header.requestApiVersion, req.header.correlationId, body));
        });
      }
    });
  });

  async function answer(apiKey: number, body: any): Promise<unknown> {
    switch (apiKey) {
      case 18:
        return createApiVersionsResponse({
          apiKeys: allApis.filter((a) => [0, 3, 18, 22, ...(options.holdFetches === true ? [1] : [])].includes(a.apiKey))
            .map((a) => ({ apiKey: a.apiKey, minVersion: a.apiKey === 0 ? 3 : a.apiKey === 1 ? 4 : a.minVersion, maxVersion: a.maxVersion })),
        });
      case 3:
        state.metadataRequests++;
        return createMetadataResponse({
          brokers: [{ nodeId: 0, host: '127.0.0.1', port, rack: null }, ...(options.otherBrokers ?? []).map((b) => ({ ...b, host: '127.0.0.1', rack: null }))],
          clusterId: 'fake',
          controllerId: 0,
          topics: Object.entries(topics).map(([name, n]) => ({
            errorCode: 0, name, topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', isInternal: false, topicAuthorizedOperations: -2147483648,
            partitions: Array.from({ length: n }, (_, p) => ({ errorCode: 0, partitionIndex: p, leaderId: options.leaderId ?? 0, leaderEpoch: 0, replicaNodes: [options.leaderId ?? 0], isrNodes: [options.leaderId ?? 0], offlineReplicas: [] })),
          })),
        });
      case 22:
        state.initProducerIdRequests++;
        return createInitProducerIdResponse({ producerId: 999n + BigInt(state.initProducerIdRequests), producerEpoch: 0 });
      case 0: {
        state.produceRequests++;
        const r = body as ProduceRequest;
        const responses = [];
        for (const t of r.topicData) {
          const partitionResponses = [];
          for (const p of t.partitionData) {
            const res = await onProduce(t.name, p.index, p.records!);
            partitionResponses.push({ index: p.index, errorCode: res.errorCode, baseOffset: res.baseOffset, logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } });
          }
          responses.push({ name: t.name, partitionResponses });
        }
        return r.acks === 0 ? null : { responses, throttleTimeMs: 0, nodeEndpoints: [] };
      }
      case 1:
        state.fetchRequests++;
        return new Promise<never>(() => undefined);
      default:
        throw new Error(`fake broker: API ${apiKey} not scripted`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  return {
    bootstrap: `127.0.0.1:${port}`,
    get produceRequests() {
      return state.produceRequests;
    },
    get metadataRequests() {
      return state.metadataRequests;
    },
    get initProducerIdRequests() {
      return state.initProducerIdRequests;
    },
    get fetchRequests() {
      return state.fetchRequests;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  } as FakeBroker;
}
