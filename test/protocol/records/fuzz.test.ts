/**
 * Fuzzing the batch decoder: damaged batches whose CRC has been recomputed (so the damage
 * reaches the record and codec decoders) and random bytes must either decode or fail with a
 * KafkaError carrying CORRUPT_MESSAGE or INVALID_RECORD, never another exception.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KafkaError } from '../../../src/protocol/errors.js';
import { decodeRecordBatch, encodeRecordBatch, splitBatches, updateBatchCrc, type Compression } from '../../../src/protocol/records/index.js';

const COMPRESSIONS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function decodesOrFailsCleanly(batch: Buffer): void {
  try {
    decodeRecordBatch(batch, { maxDecompressedBytes: 1024 * 1024 });
  } catch (e) {
    assert.ok(e instanceof KafkaError, `unexpected ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    assert.ok(e.errorCode === 2 || e.errorCode === 87, `unexpected code ${e.errorCode}`);
  }
}

const base = COMPRESSIONS.map((compression) =>
  encodeRecordBatch({
    compression,
    records: Array.from({ length: 20 }, (_, i) => ({
      key: i % 3 === 0 ? null : Buffer.from(`k${i}`),
      value: Buffer.from(`value ${i} `.repeat(i + 1)),
      headers: [{ key: 'h', value: Buffer.from([i]) }],
      timestamp: 1000n + BigInt(i),
    })),
  }),
);

test('mutated batches with a recomputed CRC decode or fail with a Kafka error code', () => {
  fc.assert(
    fc.property(
      fc.nat(base.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      fc.option(fc.nat(), { nil: undefined }),
      (which, edits, truncateAt) => {
        let b = Buffer.from(base[which]!);
        for (const [at, v] of edits) {
          const i = 21 + (at % (b.length - 21)); // attributes onward (the CRC-covered part)
          b[i] = v;
        }
        if (truncateAt !== undefined) {
          b = b.subarray(0, Math.max(61, truncateAt % b.length));
          b.writeInt32BE(b.length - 12, 8);
        }
        updateBatchCrc(b);
        decodesOrFailsCleanly(b);
      },
    ),
    { numRuns: 1500 },
  );
});

test('random bytes fail with a Kafka error code (split and decode)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), (bytes) => {
      const buf = Buffer.from(bytes);
      try {
        splitBatches(buf);
      } catch (e) {
        assert.ok(e instanceof KafkaError && e.errorCode === 2);
      }
      decodesOrFailsCleanly(buf);
      if (buf.length >= 61) {
        buf.writeInt8(2, 16);
        buf.writeInt32BE(buf.length - 12, 8);
        updateBatchCrc(buf);
        decodesOrFailsCleanly(buf);
      }
    }),
    { numRuns: 1500 },
  );
});
