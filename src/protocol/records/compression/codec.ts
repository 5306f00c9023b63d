/**
 * The shape every compression codec has, and the bound every decompression keeps. A record
 * batch's records are compressed as one block; decompressing it must never allocate more than
 * `maxBytes` (a small hostile batch can claim or expand to gigabytes), so each codec bounds its
 * output before allocating and fails with CORRUPT_MESSAGE beyond it, like any unreadable input.
 */
import { ErrorCode, KafkaError } from '../../errors.js';

export interface CompressionCodec {
  readonly name: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** Kafka's CompressionType id (attributes bits 0-2). */
  readonly code: number;
  /**
   * Compresses `data`. `level` is the codec's level as Kafka's compression.<codec>.level (KIP-390):
   * gzip 1..9, zstd -131072..22; snappy and lz4 (lz4-napi has no levels) ignore it.
   */
  compress(data: Buffer, level?: number): Buffer;
  /** Decompresses `data`; throws KafkaError(CORRUPT_MESSAGE) when it is invalid or would exceed `maxBytes`. */
  decompress(data: Buffer, maxBytes: number): Buffer;
}

/** Default bound on one batch's decompressed records: 64 MiB (64x Kafka's default max.message.bytes). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024;

export function corrupt(codec: string, detail: string, cause?: unknown): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${codec}: ${detail}`, cause === undefined ? undefined : { cause });
}

export function tooLarge(codec: string, bytes: number | bigint | string, maxBytes: number): KafkaError {
  return corrupt(codec, `decompressed size ${bytes} exceeds the limit of ${maxBytes} bytes`);
}

/** Runs a native decompressor and turns its failures into CORRUPT_MESSAGE. */
export function guard<T>(codec: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof KafkaError) throw e;
    throw corrupt(codec, `cannot decompress: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}
