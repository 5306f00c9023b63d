/** FrameDecoder: byte-at-a-time feeding, many frames per chunk (zero copy), bounds before allocation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DecodeError, FrameTooLargeError } from '../../src/util/errors.js';
import { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FrameDecoder } from '../../src/protocol/framing.js';

function payloads(): Buffer[] {
  return [Buffer.from('hello'), Buffer.alloc(0), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), Buffer.alloc(300, 7)];
}

test('encodeFrame writes a 4-byte big-endian size prefix', () => {
  const f = encodeFrame(Buffer.from('abc'));
  assert.equal(f.toString('hex'), '00000003616263');
});

test('fed one byte at a time, the decoder yields every frame intact', () => {
  const stream = Buffer.concat(payloads().map(encodeFrame));
  const d = new FrameDecoder();
  const got: Buffer[] = [];
  for (let i = 0; i < stream.length; i++) {
    got.push(...d.push(stream.subarray(i, i + 1)));
    if (i < stream.length - 1) assert.ok(got.length < 4);
  }
  assert.deepEqual(got, payloads());
  assert.equal(d.idle, true);
  assert.equal(d.bufferedBytes, 0);
});

test('many whole frames in one chunk come back as zero-copy subarrays', () => {
  const stream = Buffer.concat(payloads().map(encodeFrame));
  const got = new FrameDecoder().push(stream);
  assert.deepEqual(got, payloads());
  for (const f of got) {
    if (f.length > 0) assert.equal(f.buffer, stream.buffer, 'shares the chunk memory');
  }
});

test('any split of a stream into chunks yields the same frames', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 30 }),
      (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encodeFrame(f)));
        const d = new FrameDecoder(64);
        const got: Buffer[] = [];
        let off = 0;
        let i = 0;
        while (off < stream.length) {
          const n = cuts[i++ % cuts.length]!;
          got.push(...d.push(stream.subarray(off, off + n)));
          off += n;
        }
        assert.deepEqual(got.map((b) => b.toString('hex')), frames.map((f) => Buffer.from(f).toString('hex')));
        assert.equal(d.idle, true);
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

test('a size prefix above the bound is rejected before any allocation, and the decoder stays failed', () => {
  const d = new FrameDecoder(1024);
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(1025, 0);
  assert.throws(() => d.push(prefix), (err: unknown) => err instanceof FrameTooLargeError && err.size === 1025 && err.maxBytes === 1024);
  assert.equal(d.bufferedBytes, 0);
  assert.throws(() => d.push(Buffer.from([0])), FrameTooLargeError);

  // The same when the prefix arrives one byte at a time; a 2 GiB claim allocates nothing.
  const big = new FrameDecoder();
  const huge = Buffer.from([0x7f, 0xff, 0xff, 0xff]);
  assert.deepEqual(big.push(huge.subarray(0, 3)), []);
  assert.throws(() => big.push(huge.subarray(3)), FrameTooLargeError);
  assert.equal(big.maxFrameBytes, DEFAULT_MAX_FRAME_BYTES);
});

test('a negative size prefix is a DecodeError', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xfe, 0])), DecodeError);
});

test('a frame split across chunks is assembled once its size is known', () => {
  const d = new FrameDecoder();
  const frame = encodeFrame(Buffer.alloc(1000, 3));
  assert.deepEqual(d.push(frame.subarray(0, 10)), []);
  assert.equal(d.bufferedBytes, 6);
  assert.equal(d.idle, false);
  const out = d.push(frame.subarray(10));
  assert.equal(out.length, 1);
  assert.ok(out[0]!.equals(Buffer.alloc(1000, 3)));
});
