/**
 * zstd (Kafka CompressionType 4, Produce v7+): standard zstd frames, via @bokuweb/zstd-wasm.
 * Its `init()` (loading the wasm) is awaited once at module load, so compress and decompress
 * stay synchronous for callers.
 *
 * Decompression calls ZSTD_decompress into a buffer sized from the frames themselves: we walk
 * the block headers (no data is touched) and add each block's maximum output — exact for raw and
 * RLE blocks, at most 128 KiB (zstd's block maximum) for compressed ones. That bounds the output
 * whether or not the frame declares a content size (librdkafka and Java's zstd-jni stream frames
 * without one), handles concatenated and skippable frames, and refuses a bomb before allocating.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { corrupt, tooLarge, type CompressionCodec } from './codec.js';

interface ZstdWasm {
  init(): Promise<void>;
  compress(buf: Uint8Array, level?: number): Uint8Array;
}

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _ZSTD_decompress(dst: number, dstCapacity: number, src: number, srcSize: number): number;
  _ZSTD_isError(code: number): number;
}

const require = createRequire(import.meta.url);
const zstdWasm = require('@bokuweb/zstd-wasm') as ZstdWasm;
// The package exports only its simple API; its Emscripten module (the same instance, by file
// path) gives us ZSTD_decompress with a capacity we choose.
const { Module } = require(join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'module.js')) as { Module: EmscriptenModule };
await zstdWasm.init();

const FRAME_MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_BYTES = 128 * 1024;
const BLOCK_RAW = 0;
const BLOCK_RLE = 1;
const BLOCK_COMPRESSED = 2;

/** Kafka's default zstd level (CompressionType.ZSTD default level 3). */
export const DEFAULT_LEVEL = 3;

export function compress(data: Buffer, level: number = DEFAULT_LEVEL): Buffer {
  const out = zstdWasm.compress(data, level);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

/** An upper bound on the decompressed size of the frames in `data`, from their block headers. */
export function frameOutputBound(data: Buffer): number {
  let at = 0;
  let bound = 0;
  const need = (n: number): void => {
    if (data.length - at < n) throw corrupt('zstd', `truncated frame at byte ${at}`);
  };
  while (at < data.length) {
    need(4);
    const magic = data.readUInt32LE(at);
    at += 4;
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      need(4);
      const size = data.readUInt32LE(at);
      at += 4;
      need(size);
      at += size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt('zstd', `bad frame magic 0x${magic.toString(16)}`);
    need(1);
    const descriptor = data[at++]!;
    const fcsFlag = descriptor >> 6;
    const singleSegment = (descriptor & 0x20) !== 0;
    const checksum = (descriptor & 0x04) !== 0;
    const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
    at += (singleSegment ? 0 : 1) + dictIdBytes + fcsBytes;
    for (;;) {
      need(3);
      const header = data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16);
      at += 3;
      const last = (header & 1) !== 0;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      if (type === BLOCK_RAW) {
        need(size);
        at += size;
        bound += size;
      } else if (type === BLOCK_RLE) {
        need(1);
        at += 1;
        bound += size;
      } else if (type === BLOCK_COMPRESSED) {
        need(size);
        at += size;
        bound += BLOCK_MAX_BYTES;
      } else {
        throw corrupt('zstd', `reserved block type at byte ${at - 3}`);
      }
      if (last) break;
    }
    if (checksum) {
      need(4);
      at += 4;
    }
  }
  return bound;
}

export function decompress(data: Buffer, maxBytes: number): Buffer {
  const bound = frameOutputBound(data);
  const capacity = Math.min(bound, maxBytes);
  if (capacity === 0) {
    if (bound > 0) throw tooLarge('zstd', `up to ${bound}`, maxBytes);
    return Buffer.alloc(0);
  }
  const src = Module._malloc(data.length);
  const dst = Module._malloc(capacity);
  try {
    if (src === 0 || dst === 0) throw corrupt('zstd', `cannot allocate ${capacity} bytes for decompression`);
    Module.HEAPU8.set(data, src);
    const sizeOrError = Module._ZSTD_decompress(dst, capacity, src, data.length);
    if (Module._ZSTD_isError(sizeOrError) !== 0) {
      if (bound > maxBytes) throw tooLarge('zstd', `> ${capacity}`, maxBytes);
      throw corrupt('zstd', `cannot decompress (zstd error ${-sizeOrError >>> 0})`);
    }
    return Buffer.from(Module.HEAPU8.subarray(dst, dst + (sizeOrError >>> 0)));
  } finally {
    Module._free(dst);
    Module._free(src);
  }
}

export const zstd: CompressionCodec = { name: 'zstd', code: 4, compress, decompress };
