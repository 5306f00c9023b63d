/**
 * Kafka's framing: every request and response is a 4-byte big-endian size followed by that
 * many bytes.
 *
 * `FrameDecoder` is a push-style state machine with no I/O (nats.js's parser style): feed it
 * the chunks a socket delivers and it returns the complete frame payloads. Frames that lie
 * wholly inside one chunk come back as zero-copy subarrays of that chunk; only a frame split
 * across chunks is assembled, into a buffer allocated once its size prefix has been read and
 * checked against the bound (Kafka's `socket.request.max.bytes`, default 100 MiB), so a
 * hostile prefix never allocates. A negative size is a DecodeError, a size over the bound a
 * FrameTooLargeError; after either the decoder refuses further input (close the connection).
 */
import { DecodeError, FrameTooLargeError } from '../util/errors.js';
import { EMPTY_BUFFER } from './codec-runtime.js';

/** Kafka's socket.request.max.bytes default. */
export const DEFAULT_MAX_FRAME_BYTES = 104857600;

/** Prefixes `payload` with its 4-byte big-endian size (one copy into a new buffer). */
export function encodeFrame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length);
  out.writeInt32BE(payload.length, 0);
  out.set(payload, 4);
  return out;
}

export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** Bytes of a size prefix split across chunks. */
  private readonly prefix = Buffer.alloc(4);
  private prefixHave = 0;
  /** A frame being assembled across chunks, and how much of it has arrived. */
  private frame: Buffer | null = null;
  private frameHave = 0;
  private failed: Error | null = null;

  constructor(maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0) throw new RangeError(`bad maxFrameBytes ${maxFrameBytes}`);
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Bytes held for an incomplete frame (prefix and payload). */
  get bufferedBytes(): number {
    return this.prefixHave + this.frameHave;
  }

  /** True when no partial frame is pending (a clean place for the stream to end). */
  get idle(): boolean {
    return this.prefixHave === 0 && this.frame === null;
  }

  /** Feeds one chunk; returns the payloads of the frames it completes, in order. */
  push(chunk: Buffer): Buffer[] {
    if (this.failed !== null) throw this.failed;
    const frames: Buffer[] = [];
    let off = 0;
    const end = chunk.length;
    while (off < end) {
      if (this.frame !== null) {
        off = this.fill(chunk, off, frames);
        continue;
      }
      if (this.prefixHave === 0 && end - off >= 4) {
        const size = this.checkSize(chunk.readInt32BE(off));
        off += 4;
        if (end - off >= size) {
          frames.push(chunk.subarray(off, off + size));
          off += size;
        } else {
          this.frame = Buffer.allocUnsafe(size);
          this.frameHave = 0;
        }
        continue;
      }
      this.prefix[this.prefixHave++] = chunk[off++]!;
      if (this.prefixHave === 4) {
        this.prefixHave = 0;
        const size = this.checkSize(this.prefix.readInt32BE(0));
        if (size === 0) frames.push(EMPTY_BUFFER);
        else {
          this.frame = Buffer.allocUnsafe(size);
          this.frameHave = 0;
        }
      }
    }
    return frames;
  }

  /** Copies what `chunk` has of the pending frame; completes it when full. */
  private fill(chunk: Buffer, off: number, frames: Buffer[]): number {
    const frame = this.frame!;
    const n = Math.min(frame.length - this.frameHave, chunk.length - off);
    chunk.copy(frame, this.frameHave, off, off + n);
    this.frameHave += n;
    if (this.frameHave === frame.length) {
      frames.push(frame);
      this.frame = null;
      this.frameHave = 0;
    }
    return off + n;
  }

  private checkSize(size: number): number {
    if (size < 0) this.fail(new DecodeError(`negative frame size ${size}`));
    if (size > this.maxFrameBytes) this.fail(new FrameTooLargeError(size, this.maxFrameBytes));
    return size;
  }

  private fail(err: Error): never {
    this.failed = err;
    this.frame = null;
    throw err;
  }
}
