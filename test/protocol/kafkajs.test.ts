/**
 * Requests encoded by a third-party implementation (KafkaJS's own protocol encoders, from
 * node_modules/kafkajs/src/protocol) decode with Gregor's codecs to the values KafkaJS sent,
 * and Gregor's re-encoding of them is byte-identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { FrameDecoder } from '../../src/protocol/framing.js';
import { decodeRequest, encodeRequest } from '../../src/protocol/api.js';

const require = createRequire(import.meta.url);
const kafkajsRequest = require('kafkajs/src/protocol/request.js') as (a: object) => Promise<{ buffer: Buffer }>;
const metadataV4 = require('kafkajs/src/protocol/requests/metadata/v4/request.js') as (a: object) => object;
const produceV3 = require('kafkajs/src/protocol/requests/produce/v3/request.js') as (a: object) => object;
const fetchV4 = require('kafkajs/src/protocol/requests/fetch/v4/request.js') as (a: object) => object;
const fetchV11 = require('kafkajs/src/protocol/requests/fetch/v11/request.js') as (a: object) => object;
const Long = require('kafkajs/src/utils/long.js') as { fromString(s: string): unknown; fromNumber(n: number): unknown };

/** KafkaJS's framed request bytes, split by Gregor's FrameDecoder, decoded, and re-encoded. */
async function viaKafkaJs(request: object, correlationId: number) {
  const { buffer } = await kafkajsRequest({ correlationId, clientId: 'kafkajs-client', request });
  const frames = new FrameDecoder().push(buffer);
  assert.equal(frames.length, 1);
  const decoded = decodeRequest(frames[0]!);
  assert.equal(decoded.header.correlationId, correlationId);
  assert.equal(decoded.header.clientId, 'kafkajs-client');
  const again = encodeRequest(decoded.header, decoded.body);
  assert.ok(again.equals(frames[0]!), 're-encoding a KafkaJS request is byte-identical');
  return decoded;
}

test('KafkaJS Metadata v4 request', async () => {
  const d = await viaKafkaJs(metadataV4({ topics: ['orders', 'payments'], allowAutoTopicCreation: false }), 11);
  assert.equal(d.api.name, 'Metadata');
  assert.equal(d.header.requestApiVersion, 4);
  assert.deepEqual(
    d.body.topics.map((t: { name: string }) => t.name),
    ['orders', 'payments'],
  );
  assert.equal(d.body.allowAutoTopicCreation, false);
});

test('KafkaJS Produce v3 request with a RecordBatch v2', async () => {
  const request = produceV3({
    acks: -1,
    timeout: 30000,
    transactionalId: null,
    topicData: [
      {
        topic: 'orders',
        partitions: [
          {
            partition: 2,
            firstSequence: 0,
            messages: [
              { key: 'k1', value: 'hello', timestamp: 1700000000000 },
              { key: 'k2', value: 'world', timestamp: 1700000000001 },
            ],
          },
        ],
      },
    ],
  });
  const d = await viaKafkaJs(request, 12);
  assert.equal(d.body.acks, -1);
  assert.equal(d.body.timeoutMs, 30000);
  assert.equal(d.body.transactionalId, null);
  const topic = d.body.topicData[0];
  assert.equal(topic.name, 'orders');
  const partition = topic.partitionData[0];
  assert.equal(partition.index, 2);
  const records: Buffer = partition.records;
  // RecordBatch v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8 = 2.
  assert.equal(records.readInt32BE(8) + 12, records.length);
  assert.equal(records[16], 2);
  assert.equal(records.readInt32BE(57), 2, 'two records');
  assert.ok(records.includes(Buffer.from('hello')) && records.includes(Buffer.from('world')));
});

test('KafkaJS Fetch v4 request', async () => {
  const request = fetchV4({
    replicaId: -1,
    maxWaitTime: 500,
    minBytes: 1,
    maxBytes: 10485760,
    isolationLevel: 1,
    topics: [{ topic: 'orders', partitions: [{ partition: 0, fetchOffset: '42', maxBytes: 1048576 }] }],
  });
  const d = await viaKafkaJs(request, 13);
  assert.equal(d.body.replicaId, -1);
  assert.equal(d.body.maxWaitMs, 500);
  assert.equal(d.body.minBytes, 1);
  assert.equal(d.body.maxBytes, 10485760);
  assert.equal(d.body.isolationLevel, 1);
  const p = d.body.topics[0].partitions[0];
  assert.equal(d.body.topics[0].topic, 'orders');
  assert.equal(p.partition, 0);
  assert.equal(p.fetchOffset, 42n);
  assert.equal(p.partitionMaxBytes, 1048576);
});

test('KafkaJS Fetch v11 request (sessions, rack id, leader epoch)', async () => {
  const request = fetchV11({
    replicaId: -1,
    maxWaitTime: 100,
    minBytes: 1,
    maxBytes: 1000,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    rackId: 'rack-a',
    topics: [
      {
        topic: 't',
        partitions: [{ partition: 3, currentLeaderEpoch: 5, fetchOffset: Long.fromString('9007199254740993'), logStartOffset: '0', maxBytes: 64 }],
      },
    ],
    forgottenTopics: [],
  });
  const d = await viaKafkaJs(request, 14);
  assert.equal(d.body.sessionEpoch, -1);
  assert.equal(d.body.rackId, 'rack-a');
  const p = d.body.topics[0].partitions[0];
  assert.equal(p.currentLeaderEpoch, 5);
  assert.equal(p.fetchOffset, 9007199254740993n);
});
