/**
 * Cross-implementation check against kafka-python (an independent Python implementation of
 * RecordBatch v2 and its codecs: python-snappy with xerial framing, python-lz4 frames,
 * zstandard): its batches decode with Gregor's codec, and Gregor's batches pass its CRC check
 * and decode with it, for every codec. Also raw codec outputs of the Python libraries that
 * Gregor must read: zstd streamed without a content size, lz4 linked-block frames, raw snappy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pythonModule, systemPython } from '../../helpers/interop.js';
import { repoRoot } from '../../helpers/paths.js';
import { codecsByName, compressionOf, decodeRecordBatch, encodeRecordBatch, type Compression } from '../../../src/protocol/records/index.js';

const kafkaPython = pythonModule('kafka.record.default_records');
const script = join(repoRoot, 'test', 'protocol', 'records', 'fixtures', 'kafka_python_records.py');
const COMPRESSIONS: Compression[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const BASE_TS = 1_700_000_000_000;
const COUNT = 500;

function python(args: string[], input?: string): any {
  const r = spawnSync(systemPython, [script, ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 60_000 });
  assert.equal(r.status, 0, `python ${args.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function sample(i: number): { key: Buffer | null; value: Buffer | null; timestamp: bigint; headers: { key: string; value: Buffer | null }[] } {
  return {
    key: i % 7 === 3 ? null : Buffer.from(`key-${i}`),
    value: i % 5 === 2 ? null : Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
    timestamp: BigInt(BASE_TS + i * 3),
    headers: [
      { key: 'trace', value: Buffer.from(`h${i}`) },
      { key: 'nil', value: null },
    ],
  };
}

const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));

test('kafka-python batches (every codec) decode with Gregor', { skip: kafkaPython.skip }, () => {
  const batches = python(['write', String(COUNT)]) as { [k: string]: string };
  for (const compression of COMPRESSIONS) {
    const { header, records } = decodeRecordBatch(Buffer.from(batches[compression]!, 'hex'));
    assert.equal(compressionOf(header.attributes), compression);
    assert.equal(header.producerId, 987654321n);
    assert.equal(header.producerEpoch, 2);
    assert.equal(header.baseSequence, 5);
    assert.equal(header.recordCount, COUNT);
    assert.equal(header.maxTimestamp, BigInt(BASE_TS + (COUNT - 1) * 3));
    records.forEach((r, i) => {
      const s = sample(i);
      assert.equal(r.offset, BigInt(i));
      assert.equal(r.timestamp, s.timestamp);
      assert.deepEqual(r.key, s.key);
      assert.deepEqual(r.value, s.value);
      assert.deepEqual(r.headers, s.headers);
    });
  }
});

test('Gregor batches (every codec, xerial snappy) pass kafka-python\'s CRC check and decode', { skip: kafkaPython.skip }, () => {
  const input: { [k: string]: string } = {};
  for (const compression of COMPRESSIONS) {
    const records = Array.from({ length: COUNT }, (_, i) => sample(i));
    input[compression] = encodeRecordBatch({ baseOffset: 300n, compression, isTransactional: true, producerId: 8n, producerEpoch: 0, baseSequence: 0, records }).toString('hex');
  }
  const out = python(['read'], JSON.stringify(input));
  for (const compression of COMPRESSIONS) {
    const b = out[compression];
    assert.equal(b.crc_ok, true, compression);
    assert.equal(b.base_offset, 300);
    assert.equal(b.compression, COMPRESSIONS.indexOf(compression));
    assert.equal(b.is_transactional, true);
    assert.equal(b.max_timestamp, BASE_TS + (COUNT - 1) * 3);
    assert.equal(b.records.length, COUNT);
    b.records.forEach((r: any, i: number) => {
      const s = sample(i);
      assert.equal(r.offset, 300 + i);
      assert.equal(r.timestamp, Number(s.timestamp));
      assert.equal(r.key, hex(s.key));
      assert.equal(r.value, hex(s.value));
      assert.deepEqual(r.headers, s.headers.map((h) => [h.key, hex(h.value)]));
    });
  }
});

test('Python codec outputs Gregor must read: streamed zstd, linked lz4, raw snappy', { skip: kafkaPython.skip }, () => {
  const f = python(['frames']) as { [k: string]: string };
  const data = Buffer.from(f.data!, 'hex');
  const MiB = 1024 * 1024;
  assert.deepEqual(codecsByName.zstd.decompress(Buffer.from(f.zstd_streamed!, 'hex'), MiB), data);
  assert.deepEqual(codecsByName.lz4.decompress(Buffer.from(f.lz4_linked!, 'hex'), 4 * MiB), data);
  assert.deepEqual(codecsByName.lz4.decompress(Buffer.from(f.lz4_checksummed!, 'hex'), MiB), data);
  assert.deepEqual(codecsByName.snappy.decompress(Buffer.from(f.snappy_raw!, 'hex'), MiB), data);
});
