/**
 * BrokerConnection against raw scripted sockets: ApiVersions negotiation (KIP-511 fallback when
 * the broker does not know our version), per-API version choice, pipelining with out-of-order
 * correlation ids refused, and a request timeout that closes the connection.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { BrokerConnection, negotiateVersions } from '../../src/client/connection.js';
import { ClientError } from '../../src/client/errors.js';
import { encodeResponseFrame } from '../../src/protocol/api.js';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { createApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import { createMetadataRequest, createMetadataResponse } from '../../src/protocol/generated/metadata.js';
import { freePort } from '../helpers/ports.js';

type Reply = (apiKey: number, version: number, correlationId: number, socket: Socket) => void;

async function scripted(reply: Reply): Promise<{ server: Server; port: number; seen: { apiKey: number; version: number }[] }> {
  const seen: { apiKey: number; version: number }[] = [];
  const server = createServer((socket) => {
    const d = new FrameDecoder();
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      for (const f of d.push(chunk)) {
        // Decode only the header: the body of an unknown version need not parse.
        const apiKey = f.readInt16BE(0);
        const version = f.readInt16BE(2);
        const correlationId = f.readInt32BE(4);
        seen.push({ apiKey, version });
        reply(apiKey, version, correlationId, socket);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port, seen };
}

const options = (port: number) => ({ host: '127.0.0.1', port, clientId: 'test', connectTimeoutMs: 2000, requestTimeoutMs: 300 });

test('KIP-511: an UNSUPPORTED_VERSION ApiVersions reply (v0 body) makes the client retry at the broker\'s version', async () => {
  const { server, port, seen } = await scripted((apiKey, version, correlationId, socket) => {
    if (apiKey === 18 && version > 2) {
      socket.write(encodeResponseFrame(18, 0, correlationId, createApiVersionsResponse({ errorCode: 35, apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }] })));
    } else if (apiKey === 18) {
      socket.write(encodeResponseFrame(18, version, correlationId, createApiVersionsResponse({
        apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 2 }, { apiKey: 3, minVersion: 0, maxVersion: 9 }, { apiKey: 9999, minVersion: 0, maxVersion: 1 }],
      })));
    } else if (apiKey === 3) {
      socket.write(encodeResponseFrame(3, version, correlationId, createMetadataResponse({ clusterId: 'c1', controllerId: 0 })));
    }
  });
  const c = new BrokerConnection(options(port));
  try {
    await c.connect();
    assert.deepEqual(seen.filter((s) => s.apiKey === 18).map((s) => s.version), [4, 2]);
    assert.equal(c.versionOf('Metadata'), 9, 'the lower of ours (12) and theirs (9)');
    assert.equal(c.versionOf('Produce'), undefined);
    const [a, b] = await Promise.all([c.request('Metadata', createMetadataRequest({ topics: [] })), c.request('Metadata', createMetadataRequest({ topics: [] }))]);
    assert.equal(a.clusterId, 'c1');
    assert.equal(b.clusterId, 'c1');
    await assert.rejects(c.request('Produce', { transactionalId: null, acks: 1, timeoutMs: 1, topicData: [] }), (e: unknown) => e instanceof ClientError && e.code === 'GREGOR_ERR_UNSUPPORTED_API');
  } finally {
    c.close();
    server.close();
  }
});

test('a request timeout fails every pending request and closes the connection', async () => {
  const { server, port } = await scripted((apiKey, version, correlationId, socket) => {
    if (apiKey === 18) socket.write(encodeResponseFrame(18, version, correlationId, createApiVersionsResponse({ apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 3, minVersion: 0, maxVersion: 12 }] })));
    // Metadata is never answered.
  });
  const c = new BrokerConnection(options(port));
  try {
    await c.connect();
    const first = c.request('Metadata', createMetadataRequest({ topics: [] }));
    const second = c.request('Metadata', createMetadataRequest({ topics: [] }), { timeoutMs: 5000 });
    await assert.rejects(first, (e: unknown) => e instanceof ClientError && e.code === 'GREGOR_ERR_REQUEST_TIMEOUT' && e.retriable);
    await assert.rejects(second, (e: unknown) => e instanceof ClientError && e.retriable);
    assert.equal(c.alive, false);
  } finally {
    c.close();
    server.close();
  }
});

test('negotiateVersions keeps only APIs both sides know, at the highest common version', () => {
  const m = negotiateVersions(createApiVersionsResponse({ apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 99 }, { apiKey: 1, minVersion: 50, maxVersion: 60 }] }));
  assert.equal(m.get(0), 11);
  assert.equal(m.has(1), false, 'no overlap');
});


test('no reachable broker: admin, producer and consumer fail with GREGOR_ERR_CONNECTION instead of hanging', async () => {
  const { Admin } = await import('../../src/client/admin/admin.js');
  const { Producer } = await import('../../src/client/producer/producer.js');
  const { Consumer } = await import('../../src/client/consumer/consumer.js');
  const port = await freePort(); // bound then released: nothing listens there
  const config = { bootstrapServers: `127.0.0.1:${port}`, retries: 2, retryBackoffMs: 5, retryBackoffMaxMs: 10 };
  const isConnectionError = (e: unknown): boolean => e instanceof ClientError && e.code === 'GREGOR_ERR_CONNECTION';
  const admin = new Admin(config);
  await assert.rejects(admin.listTopics(), isConnectionError);
  await admin.close();
  const producer = new Producer(config);
  await assert.rejects(producer.send({ topic: 't', value: 'x' }), isConnectionError);
  await producer.close();
  const consumer = new Consumer({ ...config, groupId: 'g' });
  consumer.subscribe(['t']);
  await assert.rejects(consumer.poll({ timeoutMs: 100 }), isConnectionError);
  await consumer.close();
});
