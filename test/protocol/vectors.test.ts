/**
 * Fixed byte-level vectors, so the codecs are checked against the Kafka protocol guide and
 * not only against themselves: hand-computed encodings of ApiVersions v3 and Metadata v12,
 * unknown tagged fields kept through a round trip, the ignorable / nullable rules, and
 * hostile array counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Reader, Writer } from '../../src/util/bytes.js';
import { DecodeError, EncodeError } from '../../src/util/errors.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeRequestFrame, encodeResponse, ApiKey } from '../../src/protocol/api.js';
import { createApiVersionsRequest, createApiVersionsResponse } from '../../src/protocol/generated/api-versions.js';
import { createMetadataRequest, createMetadataRequestTopic, encodeMetadataRequest } from '../../src/protocol/generated/metadata.js';
import { createProduceRequest, decodeProduceRequest, encodeProduceRequest } from '../../src/protocol/generated/produce.js';
import {
  createFetchResponse, createFetchResponseFetchableTopicResponse, createFetchResponsePartitionData, decodeFetchRequest,
  encodeFetchResponse,
} from '../../src/protocol/generated/fetch.js';
import { ZERO_UUID } from '../../src/protocol/codec-runtime.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('ApiVersions v3 request matches the hand-computed bytes (request header v2, compact strings)', () => {
  const bytes = encodeRequest(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'gregor' },
    createApiVersionsRequest({ clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1.0' }),
  );
  const expected = hex(`
    0012 0003 00000001 0006 677265676f72 00
    0c 677265676f722d74657374 04 312e30 00`);
  assert.equal(bytes.toString('hex'), expected.toString('hex'));
  const framed = encodeRequestFrame(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'gregor' },
    createApiVersionsRequest({ clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1.0' }),
  );
  assert.equal(framed.readInt32BE(0), expected.length);
  assert.ok(framed.subarray(4).equals(expected));
  const decoded = decodeRequest(bytes);
  assert.equal(decoded.headerVersion, 2);
  assert.equal(decoded.header.clientId, 'gregor');
  assert.deepEqual(decoded.body, { clientSoftwareName: 'gregor-test', clientSoftwareVersion: '1.0' });
});

test('ApiVersions v3 response uses response header v0 (no tagged fields after the correlation id)', () => {
  const body = createApiVersionsResponse({ apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }] });
  const bytes = encodeResponse(ApiKey.ApiVersions, 3, 5, body);
  assert.equal(bytes.toString('hex'), hex('00000005 0000 02 0000 0003 000b 00 00000000 00').toString('hex'));
  const decoded = decodeResponse(ApiKey.ApiVersions, 3, bytes);
  assert.equal(decoded.correlationId, 5);
  assert.equal(decoded.body.apiKeys[0].maxVersion, 11);
});

test('Metadata v12 request matches the hand-computed bytes (null client id, uuid, compact nullable array)', () => {
  const header = { requestApiKey: ApiKey.Metadata, requestApiVersion: 12, correlationId: 7, clientId: null };
  const bytes = encodeRequest(
    header,
    createMetadataRequest({
      topics: [createMetadataRequestTopic({ name: 'foo' })],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: true,
    }),
  );
  const expected = hex(`
    0003 000c 00000007 ffff 00
    02 00000000000000000000000000000000 04 666f6f 00
    00 01 00`);
  assert.equal(bytes.toString('hex'), expected.toString('hex'));
  const all = encodeRequest(header, createMetadataRequest({ topics: null }));
  assert.equal(all.toString('hex'), hex('0003 000c 00000007 ffff 00  00 01 00 00').toString('hex'));
  const decoded = decodeRequest(bytes);
  assert.equal(decoded.body.topics[0].topicId, ZERO_UUID);
  assert.equal(decoded.body.topics[0].name, 'foo');
});

test('unknown tagged fields are kept on decode and written back in tag order', () => {
  // ApiVersions v3 body with two tagged fields this version does not know: tag 5 ("hi"), tag 9 (empty).
  const header = hex('0012 0003 00000001 ffff 00');
  const body = hex('02 61 02 31  02  05 02 6869  09 00');
  const decoded = decodeRequest(Buffer.concat([header, body])).body;
  assert.deepEqual(decoded._unknownTaggedFields, [
    { tag: 5, data: Buffer.from('hi') },
    { tag: 9, data: Buffer.alloc(0) },
  ]);
  assert.equal(decoded.clientSoftwareName, 'a');
  const again = encodeRequest({ requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: null }, decoded);
  assert.ok(again.equals(Buffer.concat([header, body])));
  // A created value carries none.
  assert.equal(createApiVersionsRequest()._unknownTaggedFields, undefined);
});

test('known tagged fields: written only when they differ from the default, in tag order', () => {
  const partition = createFetchResponsePartitionData({ records: Buffer.from('xyz') });
  const response = createFetchResponse({ responses: [createFetchResponseFetchableTopicResponse({ topicId: ZERO_UUID, partitions: [partition] })] });
  const plain = new Writer();
  encodeFetchResponse(plain, 16, response);
  partition.currentLeader = { leaderId: 2, leaderEpoch: 9 };
  const tagged = new Writer();
  encodeFetchResponse(tagged, 16, response);
  // One tagged field: count 1, tag 1, size 9 (leaderId, leaderEpoch, empty tagged section).
  const diff = tagged.finish().length - plain.finish().length;
  assert.equal(diff, 1 + 1 + 9);
  assert.ok(tagged.finish().includes(hex('01 01 09 00000002 00000009 00')));
});

test('a non-default value for a field the version lacks throws EncodeError unless the field is ignorable', () => {
  const w = new Writer();
  // TransactionalId exists from v3; not ignorable.
  assert.throws(() => encodeProduceRequest(w, 2, createProduceRequest({ transactionalId: 'tx' })), EncodeError);
  // AllowAutoTopicCreation (v4+, default true, ignorable false).
  assert.throws(() => encodeMetadataRequest(new Writer(), 3, createMetadataRequest({ allowAutoTopicCreation: false })), EncodeError);
  // TopicId is ignorable: dropped below v10.
  encodeMetadataRequest(new Writer(), 9, createMetadataRequest({ topics: [createMetadataRequestTopic({ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: 'a' })] }));
  // CurrentLeader (Fetch response v12+, tagged, not ignorable).
  const partition = createFetchResponsePartitionData({ currentLeader: { leaderId: 1, leaderEpoch: 1 } });
  const resp = createFetchResponse({ responses: [createFetchResponseFetchableTopicResponse({ topic: 't', partitions: [partition] })] });
  assert.throws(() => encodeFetchResponse(new Writer(), 11, resp), EncodeError);
  encodeFetchResponse(new Writer(), 12, resp);
});

test('null only where the version allows it', () => {
  // Metadata topics are nullable from v1.
  assert.throws(() => encodeMetadataRequest(new Writer(), 0, createMetadataRequest({ topics: null })), EncodeError);
  encodeMetadataRequest(new Writer(), 1, createMetadataRequest({ topics: null }));
  // Topic name becomes nullable in v10.
  const nullName = createMetadataRequest({ topics: [createMetadataRequestTopic({ name: null })] });
  assert.throws(() => encodeMetadataRequest(new Writer(), 9, nullName), EncodeError);
  encodeMetadataRequest(new Writer(), 10, nullName);
  // A non-nullable string decoded as null is a DecodeError.
  assert.throws(() => decodeProduceRequest(new Reader(hex('ffff 0001 00000000 00000001 ffff')), 3), DecodeError);
});

test('hostile array counts and lengths fail at once without allocating', () => {
  // Produce v3: transactional id null, acks, timeout, then a topic count of 2^31-1.
  const classic = hex('ffff 0001 00001000 7fffffff');
  assert.throws(() => decodeProduceRequest(new Reader(classic), 3), /cannot fit/);
  // Produce v9 (compact): count as uvarint 0xffffffff.
  const compact = hex('00 0001 00001000 ffffffff0f');
  assert.throws(() => decodeProduceRequest(new Reader(compact), 9), DecodeError);
  // Fetch v4 with a huge string length for the topic name.
  const fetch = hex('ffffffff 00000000 00000000 00000000 00 00000001 7fff');
  assert.throws(() => decodeFetchRequest(new Reader(fetch), 4), DecodeError);
  // A record set whose int32 size exceeds the input.
  const records = hex('ffff 0001 00001000 00000001 0001 61 00000001 00000000 7fffffff');
  assert.throws(() => decodeProduceRequest(new Reader(records), 3), DecodeError);
});

test('tagged fields on a version without them are refused, not dropped (as Kafka)', () => {
  const value = createMetadataRequest({ topics: null });
  value._unknownTaggedFields = [{ tag: 3, data: Buffer.from([1]) }];
  assert.throws(() => encodeMetadataRequest(new Writer(), 8, value), EncodeError);
  encodeMetadataRequest(new Writer(), 9, value);
});

test('strings are limited to 32767 bytes, classic and compact (as Kafka)', () => {
  const long = 'x'.repeat(0x8000);
  assert.throws(() => encodeMetadataRequest(new Writer(), 9, createMetadataRequest({ topics: [createMetadataRequestTopic({ name: long })] })), EncodeError);
  // A compact string claiming 0x8000 bytes (uvarint 0x8001) is refused before reading it.
  const w = new Writer();
  w.uvarint(2).uvarint(0x8001);
  w.bytes(Buffer.alloc(0x8000, 0x61));
  w.uint8(0);
  assert.throws(() => decodeMetadataRequestTopicsOnly(w.finish()), /exceeds 32767/);
});

/** Decodes just a v9 Metadata request's topic array (topics count, then one topic's name). */
function decodeMetadataRequestTopicsOnly(buf: Buffer): unknown {
  return decodeRequest(Buffer.concat([hex('0003 0009 00000001 ffff 00'), buf, hex('00 00 00')])).body;
}
