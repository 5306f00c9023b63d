/** Zero-copy chunked encoding: the chunks concatenate to the framed encoding, records are not copied. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allApis, ApiKey, encodeRequestChunks, encodeRequestFrame, encodeResponseChunks, encodeResponseFrame } from '../../src/protocol/api.js';
import { createFetchResponse, createFetchResponseFetchableTopicResponse, createFetchResponsePartitionData } from '../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { messageArb } from './arbitraries.js';

test('a Fetch response with large record sets is written as chunks that reference the records', () => {
  const a = Buffer.alloc(10_000, 1);
  const b = Buffer.alloc(20_000, 2);
  const body = createFetchResponse({
    responses: [
      createFetchResponseFetchableTopicResponse({
        topic: 't',
        partitions: [
          createFetchResponsePartitionData({ partitionIndex: 0, records: a }),
          createFetchResponsePartitionData({ partitionIndex: 1, records: b, currentLeader: { leaderId: 1, leaderEpoch: 2 } }),
        ],
      }),
    ],
  });
  for (const version of [4, 11, 12, 16]) {
    if (version < 12) body.responses[0]!.partitions[1]!.currentLeader = { leaderId: -1, leaderEpoch: -1 };
    else body.responses[0]!.partitions[1]!.currentLeader = { leaderId: 1, leaderEpoch: 2 };
    const chunks = encodeResponseChunks(ApiKey.Fetch, version, 9, body);
    assert.ok(chunks.includes(a) && chunks.includes(b), `v${version}: records are chunks of their own`);
    assert.ok(Buffer.concat(chunks).equals(encodeResponseFrame(ApiKey.Fetch, version, 9, body)), `v${version}`);
  }
  const produce = createProduceRequest({ acks: 1, timeoutMs: 1000, topicData: [{ name: 't', partitionData: [{ index: 0, records: b }] }] });
  const header = { requestApiKey: ApiKey.Produce, requestApiVersion: 9, correlationId: 3, clientId: 'c' };
  const chunks = encodeRequestChunks(header, produce);
  assert.equal(chunks.length, 3);
  assert.equal(chunks[1], b);
  assert.ok(Buffer.concat(chunks).equals(encodeRequestFrame(header, produce)));
});

test('for every API, chunked output (every byte field zero-copy) equals the framed encoding', () => {
  let checked = 0;
  for (const api of allApis) {
    for (let v = api.minVersion; v <= api.latestVersion; v++) {
      const values = fc.sample(messageArb(`${api.name}Response`, v, { maxArray: 2 }), { numRuns: 3, seed: 99 + v });
      for (const value of values) {
        const framed = encodeResponseFrame(api.apiKey, v, 77, value);
        const chunks = encodeResponseChunks(api.apiKey, v, 77, value, { initialBytes: 16, zeroCopyMinBytes: 1 });
        assert.ok(Buffer.concat(chunks).equals(framed), `${api.name} v${v}`);
        checked++;
      }
    }
  }
  console.log(`chunks: ${checked} responses checked`);
});
