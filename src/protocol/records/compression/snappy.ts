/**
 * Snappy (Kafka CompressionType 2). Java's producer writes xerial snappy-java's framing
 * (SnappyOutputStream):
 *
 *   header: magic 0x82 'SNAPPY' 0x00 (8 bytes), int32 version = 1, int32 compatible version = 1
 *   chunks: int32 compressed length, raw snappy block of at most 32 KiB uncompressed
 *
 * We write exactly that. On read we accept xerial framing (also a second header in the middle,
 * as snappy-java's reader does for concatenated streams) and a bare raw snappy block (what
 * librdkafka and KafkaJS's snappy plugin may send). A raw block starts with its uncompressed
 * length as an unsigned varint, which bounds each allocation before decompressing.
 */
import { compressSync, uncompressSync } from 'snappy';
import { corrupt, guard, tooLarge, type CompressionCodec } from './codec.js';

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size (SnappyOutputStream.DEFAULT_BLOCK_SIZE), which Kafka uses. */
export const XERIAL_BLOCK_BYTES = 32 * 1024;

function xerialHeader(): Buffer {
  const h = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(h, 0);
  h.writeInt32BE(XERIAL_VERSION, 8);
  h.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  return h;
}

/** A raw snappy block (no framing). */
export function compressRaw(data: Buffer): Buffer {
  return compressSync(data);
}

/** xerial-framed snappy, chunk by chunk of 32 KiB input, as SnappyOutputStream writes it. */
export function compress(data: Buffer): Buffer {
  const parts: Buffer[] = [xerialHeader()];
  for (let at = 0; at < data.length; at += XERIAL_BLOCK_BYTES) {
    const block = compressSync(data.subarray(at, Math.min(data.length, at + XERIAL_BLOCK_BYTES)));
    const len = Buffer.alloc(4);
    len.writeInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}

/** The uncompressed length a raw snappy block declares (its leading uvarint, at most 32 bits). */
function rawUncompressedLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const b = block[i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return value;
  }
  throw corrupt('snappy', 'raw block has an invalid length preamble');
}

function decompressRaw(block: Buffer, maxBytes: number): Buffer {
  const declared = rawUncompressedLength(block);
  if (declared > maxBytes) throw tooLarge('snappy', declared, maxBytes);
  const out = guard('snappy', () => uncompressSync(block) as Buffer);
  if (out.length !== declared) throw corrupt('snappy', `block declared ${declared} bytes but produced ${out.length}`);
  return out;
}

export function isXerialFramed(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

export function decompress(data: Buffer, maxBytes: number): Buffer {
  if (!isXerialFramed(data)) return decompressRaw(data, maxBytes);
  const parts: Buffer[] = [];
  let total = 0;
  let at = 0;
  while (at < data.length) {
    if (data.length - at >= XERIAL_HEADER_BYTES && data.subarray(at, at + XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
      at += XERIAL_HEADER_BYTES;
      continue;
    }
    if (data.length - at < 4) throw corrupt('snappy', `truncated xerial chunk length at ${at}`);
    const len = data.readInt32BE(at);
    at += 4;
    if (len < 0 || len > data.length - at) throw corrupt('snappy', `xerial chunk length ${len} exceeds the remaining ${data.length - at} bytes`);
    const chunk = decompressRaw(data.subarray(at, at + len), maxBytes - total);
    at += len;
    total += chunk.length;
    parts.push(chunk);
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

export const snappy: CompressionCodec = { name: 'snappy', code: 2, compress: (d) => compress(d), decompress };
