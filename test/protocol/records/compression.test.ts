import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { KafkaError } from '../../../src/protocol/errors.js';
import { codecs, codecFor } from '../../../src/protocol/records/index.js';
import * as snappy from '../../../src/protocol/records/compression/snappy.js';
import * as lz4 from '../../../src/protocol/records/compression/lz4.js';
import * as zstd from '../../../src/protocol/records/compression/zstd.js';

const MiB = 1024 * 1024;

function corruptCode(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof KafkaError, `expected KafkaError, got ${String(e)}`);
    return e.errorCode;
  }
  assert.fail('expected a KafkaError');
}

test('every codec round-trips random and repetitive data, with the exact size as the limit', () => {
  fc.assert(
    fc.property(fc.constantFrom(...codecs), fc.uint8Array({ maxLength: 100_000 }), fc.nat(5), (codec, bytes, repeat) => {
      const data = Buffer.concat(Array.from({ length: repeat + 1 }, () => Buffer.from(bytes)));
      const z = codec.compress(data);
      assert.deepEqual(codec.decompress(z, data.length), data);
      if (data.length > 0 && codec.name !== 'none') assert.equal(corruptCode(() => codec.decompress(z, data.length - 1)), 2);
    }),
    { numRuns: 80 },
  );
  assert.equal(corruptCode(() => codecFor(5)), 2);
});

test('garbage input is CORRUPT_MESSAGE for every compressing codec', () => {
  for (const codec of codecs.slice(1)) {
    for (const junk of [Buffer.alloc(0x40, 0x11), randomBytes(300), codec.compress(Buffer.from('hello world')).subarray(0, 7)]) {
      assert.equal(corruptCode(() => codec.decompress(junk, MiB)), 2, codec.name);
    }
  }
});

test('snappy writes xerial framing exactly as SnappyOutputStream (magic, versions, 32 KiB chunks)', () => {
  const data = randomBytes(70_000);
  const z = snappy.compress(data);
  assert.deepEqual(z.subarray(0, 16), Buffer.from('82534e415050590000000001' + '00000001', 'hex'));
  let at = 16;
  const chunkSizes: number[] = [];
  while (at < z.length) {
    const len = z.readInt32BE(at);
    const chunk = z.subarray(at + 4, at + 4 + len);
    chunkSizes.push((snappy.decompress(chunk, MiB)).length);
    at += 4 + len;
  }
  assert.deepEqual(chunkSizes, [32768, 32768, 70_000 - 65536]);
});

test('snappy reads raw blocks and concatenated xerial streams', () => {
  const a = Buffer.from('a'.repeat(50_000));
  const b = randomBytes(1000);
  assert.deepEqual(snappy.decompress(snappy.compressRaw(a), MiB), a);
  assert.deepEqual(snappy.decompress(Buffer.concat([snappy.compress(a), snappy.compress(b)]), MiB), Buffer.concat([a, b]));
  // a raw block that claims 1 GiB is refused from its preamble alone
  const liar = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x04, 0x00]);
  assert.equal(corruptCode(() => snappy.decompress(liar, MiB)), 2);
});

test('lz4 reads concatenated and skippable frames', () => {
  const a = Buffer.from('abc'.repeat(30_000));
  const b = randomBytes(5000);
  const skippable = Buffer.alloc(12);
  skippable.writeUInt32LE(0x184d2a53, 0);
  skippable.writeUInt32LE(4, 4);
  const both = Buffer.concat([lz4.compress(a), skippable, lz4.compress(b)]);
  assert.deepEqual(lz4.decompress(both, MiB), Buffer.concat([a, b]));
  assert.deepEqual(lz4.compress(a).subarray(0, 4), Buffer.from([0x04, 0x22, 0x4d, 0x18]));
});

/** Rewrites a single-segment zstd frame into one without a content size (as streaming writers emit). */
function withoutContentSize(frame: Buffer, contentBytes: number): Buffer {
  const descriptor = frame[4]!;
  assert.ok((descriptor & 0x20) !== 0, 'expected a single-segment frame');
  const fcsBytes = [1, 2, 4, 8][descriptor >> 6]!;
  const dictBytes = [0, 1, 2, 4][descriptor & 3]!;
  let exponent = 0;
  while (2 ** (10 + exponent) < contentBytes) exponent++;
  const header = Buffer.from([frame[0]!, frame[1]!, frame[2]!, frame[3]!, descriptor & 0x07, exponent << 3]);
  const rest = frame.subarray(5 + dictBytes + fcsBytes);
  return Buffer.concat([header, frame.subarray(5, 5 + dictBytes), rest]);
}

test('zstd decompresses frames without a content size, concatenated frames, and bounds both', () => {
  const data = Buffer.from('zstd streaming frame '.repeat(10_000));
  const streamed = withoutContentSize(zstd.compress(data), data.length);
  assert.notDeepEqual(streamed.subarray(0, 6), zstd.compress(data).subarray(0, 6));
  assert.deepEqual(zstd.decompress(streamed, MiB), data);
  assert.equal(corruptCode(() => zstd.decompress(streamed, data.length - 1)), 2);
  const other = randomBytes(3000);
  assert.deepEqual(zstd.decompress(Buffer.concat([zstd.compress(other), streamed]), MiB), Buffer.concat([other, data]));
});

test('decompression bombs are refused without allocating their output', () => {
  const zeros = Buffer.alloc(64 * MiB);
  for (const codec of codecs.slice(1)) {
    const bomb = codec.compress(zeros);
    assert.ok(bomb.length < 4 * MiB, `${codec.name} compressed 64 MiB of zeros to ${bomb.length}`);
    assert.equal(corruptCode(() => codec.decompress(bomb, MiB)), 2, codec.name);
  }
});

test('gzip and zstd honour a compression level (KIP-390); the output always decodes', () => {
  const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => `line ${i % 97} of a log `).join(''));
  for (const codec of codecs.slice(1)) {
    const fast = codec.compress(data, 1);
    const best = codec.compress(data, codec.name === 'zstd' ? 19 : 9);
    assert.deepEqual(codec.decompress(fast, MiB), data);
    assert.deepEqual(codec.decompress(best, MiB), data);
    if (codec.name === 'gzip' || codec.name === 'zstd') assert.ok(best.length < fast.length, `${codec.name}: ${best.length} vs ${fast.length}`);
  }
});
