/**
 * Cross-implementation check of RecordBatch v2 against KafkaJS (an independent JavaScript
 * implementation): batches KafkaJS encodes decode with Gregor's codec, batches Gregor encodes
 * decode with KafkaJS's, for none and gzip (KafkaJS's built-in codecs) and for snappy, lz4 and
 * zstd with Gregor's codecs plugged into KafkaJS's CompressionCodecs registry (the way KafkaJS
 * users add codecs), so the record and batch layers are checked both ways for every codec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { KafkaError } from '../../src/protocol/errors.js';
import {
  codecsByName,
  compressionOf,
  decodeRecordBatch,
  encodeRecordBatch,
  isTransactional,
  validateBatch,
  type Compression,
  type RecordInput,
} from '../../src/protocol/records/index.js';

const require = createRequire(import.meta.url);
const kafkajs = require('kafkajs') as { CompressionTypes: { [k: string]: number }; CompressionCodecs: { [code: number]: () => unknown } };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (o: object) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (o: object) => unknown;
const decodeKafkaJsBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (d: unknown) => Promise<KafkaJsBatch>;
const Decoder = require('kafkajs/src/protocol/decoder') as new (b: Buffer) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: string | number): unknown };

interface KafkaJsRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: { [k: string]: Buffer | null | (Buffer | null)[] };
}
interface KafkaJsBatch {
  firstOffset: string;
  partitionLeaderEpoch: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  inTransaction: boolean;
  maxTimestamp: string;
  lastOffsetDelta: number;
  records: KafkaJsRecord[];
}

const MAX = 256 * 1024 * 1024;
for (const name of ['snappy', 'lz4', 'zstd'] as const) {
  const codec = codecsByName[name];
  kafkajs.CompressionCodecs[codec.code] = () => ({
    compress: async (encoder: { buffer: Buffer }) => codec.compress(encoder.buffer),
    decompress: async (buffer: Buffer) => codec.decompress(buffer, MAX),
  });
}
const KAFKAJS_TYPE: Record<Compression, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };
const BASE_TS = 1_700_000_000_000;

function sample(i: number): { key: Buffer | null; value: Buffer | null; timestamp: number; headerValue: Buffer } {
  return {
    key: i % 7 === 3 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 2 ? null : Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
    timestamp: BASE_TS + i * 3,
    headerValue: Buffer.from(`h${i}`),
  };
}

async function kafkaJsEncode(count: number, compression: Compression): Promise<Buffer> {
  const records = Array.from({ length: count }, (_, i) => {
    const s = sample(i);
    return Record({ offsetDelta: i, timestampDelta: s.timestamp - BASE_TS, key: s.key, value: s.value, headers: { trace: s.headerValue, 'ключ': Buffer.from('ü') } });
  });
  const encoder = await RecordBatch({
    compression: KAFKAJS_TYPE[compression],
    firstOffset: Long.fromValue('1000'),
    firstTimestamp: BASE_TS,
    maxTimestamp: BASE_TS + (count - 1) * 3,
    partitionLeaderEpoch: 9,
    lastOffsetDelta: count - 1,
    transactional: true,
    producerId: Long.fromValue('123456789012'),
    producerEpoch: 4,
    firstSequence: 77,
    records,
  });
  return encoder.buffer;
}

for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  for (const count of [1, 10_000]) {
    test(`KafkaJS-encoded batch (${compression}, ${count} records) decodes with Gregor`, async () => {
      const batch = await kafkaJsEncode(count, compression);
      const { header, records } = decodeRecordBatch(batch);
      assert.equal(header.baseOffset, 1000n);
      assert.equal(header.partitionLeaderEpoch, 9);
      assert.equal(compressionOf(header.attributes), compression);
      assert.ok(isTransactional(header.attributes));
      assert.equal(header.producerId, 123456789012n);
      assert.equal(header.producerEpoch, 4);
      assert.equal(header.baseSequence, 77);
      assert.equal(header.lastOffsetDelta, count - 1);
      assert.equal(header.recordCount, count);
      assert.equal(records.length, count);
      records.forEach((r, i) => {
        const s = sample(i);
        assert.equal(r.offset, 1000n + BigInt(i));
        assert.equal(r.timestamp, BigInt(s.timestamp));
        assert.deepEqual(r.key, s.key);
        assert.deepEqual(r.value, s.value);
        assert.deepEqual(r.headers, [{ key: 'trace', value: s.headerValue }, { key: 'ключ', value: Buffer.from('ü') }]);
      });

      const flipped = Buffer.from(batch);
      flipped[Math.floor((61 + flipped.length) / 2)]! ^= 0x08;
      assert.throws(() => validateBatch(flipped), (e: unknown) => e instanceof KafkaError && e.errorCode === 2);
    });

    test(`Gregor-encoded batch (${compression}, ${count} records) decodes with KafkaJS`, async () => {
      const input: RecordInput[] = Array.from({ length: count }, (_, i) => {
        const s = sample(i);
        return { key: s.key, value: s.value, timestamp: BigInt(s.timestamp), headers: [{ key: 'trace', value: s.headerValue }, { key: 'nil', value: null }] };
      });
      const batch = encodeRecordBatch({
        baseOffset: 5000n,
        partitionLeaderEpoch: 3,
        producerId: 42n,
        producerEpoch: 1,
        baseSequence: 10,
        compression,
        records: input,
      });
      const decoded = await decodeKafkaJsBatch(new Decoder(batch));
      assert.equal(decoded.firstOffset, '5000');
      assert.equal(decoded.partitionLeaderEpoch, 3);
      assert.equal(decoded.producerId, '42');
      assert.equal(decoded.producerEpoch, 1);
      assert.equal(decoded.firstSequence, 10);
      assert.equal(decoded.inTransaction, false);
      assert.equal(decoded.lastOffsetDelta, count - 1);
      assert.equal(decoded.maxTimestamp, String(BASE_TS + (count - 1) * 3));
      assert.equal(decoded.records.length, count);
      decoded.records.forEach((r, i) => {
        const s = sample(i);
        assert.equal(r.offset, String(5000 + i));
        assert.equal(r.timestamp, String(s.timestamp));
        assert.deepEqual(r.key, s.key);
        assert.deepEqual(r.value, s.value);
        assert.deepEqual(r.headers, { trace: s.headerValue, nil: null });
      });
    });
  }
}

test('random records round-trip across implementations (property, every codec)', async () => {
  const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b));
  const recordArb = fc.record({
    key: fc.option(bytes, { nil: null }),
    value: fc.option(bytes, { nil: null }),
    timestamp: fc.integer({ min: 0, max: 2 ** 45 }),
    // 'h'-prefixed keys: KafkaJS keeps headers in an object, which would reorder integer-like keys.
    headers: fc.uniqueArray(fc.record({ key: fc.string({ maxLength: 10 }).map((k) => `h${k}`), value: bytes }), { selector: (h) => h.key, maxLength: 3 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('none', 'gzip', 'snappy', 'lz4', 'zstd' as const), fc.array(recordArb, { minLength: 1, maxLength: 40 }), async (compression, input) => {
      const headersObject = (hs: { key: string; value: Buffer }[]): { [k: string]: Buffer } => Object.fromEntries(hs.map((h) => [h.key, h.value]));
      // Gregor -> KafkaJS
      const ours = encodeRecordBatch({
        compression,
        records: input.map((r) => ({ key: r.key, value: r.value, timestamp: BigInt(r.timestamp), headers: r.headers.map((h) => ({ key: h.key, value: h.value })) })),
      });
      const theirs = await decodeKafkaJsBatch(new Decoder(ours));
      assert.equal(theirs.records.length, input.length);
      theirs.records.forEach((r, i) => {
        assert.equal(r.offset, String(i));
        assert.equal(r.timestamp, String(input[i]!.timestamp));
        assert.deepEqual(r.key, input[i]!.key);
        assert.deepEqual(r.value, input[i]!.value);
        assert.deepEqual({ ...r.headers }, headersObject(input[i]!.headers));
      });
      // KafkaJS -> Gregor
      const first = input[0]!.timestamp;
      const encoder = await RecordBatch({
        compression: KAFKAJS_TYPE[compression],
        firstTimestamp: first,
        maxTimestamp: Math.max(...input.map((r) => r.timestamp)),
        lastOffsetDelta: input.length - 1,
        records: input.map((r, i) => Record({ offsetDelta: i, timestampDelta: r.timestamp - first, key: r.key, value: r.value, headers: headersObject(r.headers) })),
      });
      const { header, records } = decodeRecordBatch(encoder.buffer);
      assert.equal(header.maxTimestamp, BigInt(Math.max(...input.map((r) => r.timestamp))));
      records.forEach((r, i) => {
        assert.equal(r.timestamp, BigInt(input[i]!.timestamp));
        assert.deepEqual(r.key, input[i]!.key);
        assert.deepEqual(r.value, input[i]!.value);
        assert.deepEqual(r.headers, input[i]!.headers.map((h) => ({ key: h.key, value: h.value })));
      });
    }),
    { numRuns: 100 },
  );
});
