/**
 * LZ4 (Kafka CompressionType 3): the standard LZ4 frame format (magic 0x184D2204). Kafka with
 * magic-2 batches writes and checks correct frame header checksums (the 0.8-era bug that hashed
 * the magic too only applies to magic 0). lz4-napi (lz4_flex) writes standard frames with
 * independent blocks and no checksums, which Java's KafkaLZ4BlockInputStream, librdkafka and
 * python-lz4 read.
 *
 * Reading walks the frames ourselves so that output is bounded before anything is allocated:
 * a stored (uncompressed) block is copied, a compressed block of a frame with independent
 * blocks (what Kafka, librdkafka and lz4_flex write) is decompressed on its own with a capacity
 * of min(block maximum, what is left of `maxBytes`). Frames with linked blocks (python-lz4's
 * default) are handed whole to lz4_flex when their worst case (block maximum per block) fits the
 * limit. Concatenated and skippable frames are handled. Checksums are not verified (the batch
 * CRC32C already covers these bytes).
 */
import { compressFrameSync, decompressFrameSync, uncompressSync } from 'lz4-napi';
import { corrupt, guard, tooLarge, type CompressionCodec } from './codec.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const BLOCK_MAX_BYTES: Record<number, number> = { 4: 64 * 1024, 5: 256 * 1024, 6: 1024 * 1024, 7: 4 * 1024 * 1024 };

export function compress(data: Buffer): Buffer {
  return compressFrameSync(data);
}

interface Lz4Block {
  start: number;
  size: number;
  stored: boolean;
}

interface Lz4Frame {
  start: number;
  end: number;
  independentBlocks: boolean;
  blockMaxBytes: number;
  blocks: Lz4Block[];
}

/** Walks the frames of `data` (headers and block sizes only). */
export function scanFrames(data: Buffer): Lz4Frame[] {
  const frames: Lz4Frame[] = [];
  let at = 0;
  const need = (n: number): void => {
    if (data.length - at < n) throw corrupt('lz4', `truncated frame at byte ${at}`);
  };
  while (at < data.length) {
    const start = at;
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
    if (magic !== FRAME_MAGIC) throw corrupt('lz4', `bad frame magic 0x${magic.toString(16)} at byte ${start}`);
    need(2);
    const flg = data[at]!;
    const bd = data[at + 1]!;
    if (flg >> 6 !== 1) throw corrupt('lz4', `unsupported frame version ${flg >> 6}`);
    const blockMaxBytes = BLOCK_MAX_BYTES[(bd >> 4) & 7];
    if (blockMaxBytes === undefined) throw corrupt('lz4', `invalid block maximum size id ${(bd >> 4) & 7}`);
    const blockChecksum = (flg & 0x10) !== 0;
    const contentChecksum = (flg & 0x04) !== 0;
    at += 2 + ((flg & 0x08) !== 0 ? 8 : 0) + ((flg & 0x01) !== 0 ? 4 : 0) + 1; // descriptor + header checksum
    const blocks: Lz4Block[] = [];
    for (;;) {
      need(4);
      const word = data.readUInt32LE(at);
      at += 4;
      if (word === 0) break; // end mark
      const size = word & 0x7fffffff;
      if (size > blockMaxBytes) throw corrupt('lz4', `block of ${size} bytes exceeds the frame's maximum of ${blockMaxBytes}`);
      need(size + (blockChecksum ? 4 : 0));
      blocks.push({ start: at, size, stored: (word & 0x80000000) !== 0 });
      at += size + (blockChecksum ? 4 : 0);
    }
    if (contentChecksum) {
      need(4);
      at += 4;
    }
    frames.push({ start, end: at, independentBlocks: (flg & 0x20) !== 0, blockMaxBytes, blocks });
  }
  return frames;
}

function decompressBlock(data: Buffer, block: Lz4Block, capacity: number): Buffer {
  // lz4-napi's block API takes the output capacity as a little-endian uint32 prefix.
  const input = Buffer.allocUnsafe(4 + block.size);
  input.writeUInt32LE(capacity, 0);
  data.copy(input, 4, block.start, block.start + block.size);
  return guard('lz4', () => uncompressSync(input));
}

export function decompress(data: Buffer, maxBytes: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (const frame of scanFrames(data)) {
    if (frame.independentBlocks) {
      for (const block of frame.blocks) {
        const left = maxBytes - total;
        let out: Buffer;
        if (block.stored) {
          if (block.size > left) throw tooLarge('lz4', `> ${maxBytes}`, maxBytes);
          out = data.subarray(block.start, block.start + block.size);
        } else {
          const capacity = Math.min(frame.blockMaxBytes, left);
          try {
            out = decompressBlock(data, block, capacity);
          } catch (e) {
            if (capacity < frame.blockMaxBytes) throw tooLarge('lz4', `> ${maxBytes}`, maxBytes);
            throw e;
          }
        }
        parts.push(out);
        total += out.length;
      }
    } else {
      const bound = frame.blocks.reduce((n, b) => n + (b.stored ? b.size : frame.blockMaxBytes), 0);
      if (bound > maxBytes - total) throw tooLarge('lz4', `up to ${total + bound}`, maxBytes);
      const out = guard('lz4', () => decompressFrameSync(data.subarray(frame.start, frame.end)));
      if (out.length > bound) throw corrupt('lz4', `frame produced ${out.length} bytes, more than its blocks allow`);
      parts.push(out);
      total += out.length;
    }
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export const lz4: CompressionCodec = { name: 'lz4', code: 3, compress: (d) => compress(d), decompress };
