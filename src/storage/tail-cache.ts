/**
 * TailCache — the newest batches of a log's active segment kept in process memory, so that
 * consumers and followers reading at the end are served without a read() (on these machines
 * page cache idle for about a minute is paged out, so the process copy pays off).
 *
 * Batches are copied into append-only chunks (a batch never spans two chunks); a returned
 * slice stays valid because chunk bytes are never overwritten. The oldest chunk is dropped when
 * the cache exceeds its budget; truncation or a roll resets the cache.
 *
 * Fresh chunk memory costs a page fault per page on first write (about as much as the copy
 * itself), so a dropped chunk that no read() ever handed out is kept as the next chunk: nobody
 * can hold a slice of it. A chunk that was read from is left to the garbage collector.
 */
export interface CachedBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  chunk: number;
  at: number;
  size: number;
}

/** Chunk size bounds: a quarter of the budget, so small per-partition budgets stay small. */
const MAX_CHUNK_BYTES = 1 << 20;
const MIN_CHUNK_BYTES = 16 * 1024;

export class TailCache {
  private chunks: { id: number; buf: Buffer; used: number; lent: boolean }[] = [];
  /** A dropped chunk never handed out by read(), reused for the next chunk. */
  private spare: Buffer | undefined;
  private batches: CachedBatch[] = [];
  private nextChunkId = 0;
  private bytes = 0;
  hits = 0;

  constructor(private maxBytes: number) {}

  private chunkBytes(): number {
    return Math.max(MIN_CHUNK_BYTES, Math.min(MAX_CHUNK_BYTES, Math.floor(this.maxBytes / 4)));
  }

  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.evict();
  }

  get sizeInBytes(): number {
    return this.bytes;
  }

  /** The first cached offset (undefined when empty). */
  get firstOffset(): bigint | undefined {
    return this.batches[0]?.baseOffset;
  }

  reset(): void {
    for (const c of this.chunks) this.keepSpare(c);
    this.chunks = [];
    this.batches = [];
    this.bytes = 0;
  }

  /** Adds batches just appended (their bytes are copied). */
  append(records: Buffer, batches: readonly { baseOffset: bigint; lastOffset: bigint; size: number }[]): void {
    if (this.maxBytes <= 0) return;
    let pos = 0;
    for (const b of batches) {
      let chunk = this.chunks.at(-1);
      if (chunk === undefined || chunk.buf.length - chunk.used < b.size) {
        const want = Math.max(this.chunkBytes(), b.size);
        let buf: Buffer;
        if (this.spare !== undefined && this.spare.length >= want) {
          buf = this.spare;
          this.spare = undefined;
        } else buf = Buffer.allocUnsafeSlow(want);
        chunk = { id: this.nextChunkId++, buf, used: 0, lent: false };
        this.chunks.push(chunk);
        this.bytes += chunk.buf.length;
      }
      records.copy(chunk.buf, chunk.used, pos, pos + b.size);
      this.batches.push({ baseOffset: b.baseOffset, lastOffset: b.lastOffset, chunk: chunk.id, at: chunk.used, size: b.size });
      chunk.used += b.size;
      pos += b.size;
    }
    this.evict();
  }

  private evict(): void {
    while (this.chunks.length > 1 && this.bytes > this.maxBytes) {
      const dropped = this.chunks.shift()!;
      this.bytes -= dropped.buf.length;
      this.keepSpare(dropped);
      let n = 0;
      while (n < this.batches.length && this.batches[n]!.chunk === dropped.id) n++;
      this.batches.splice(0, n);
    }
    if (this.maxBytes <= 0) {
      this.reset();
      this.spare = undefined;
    }
  }

  private keepSpare(c: { buf: Buffer; lent: boolean }): void {
    // Any size: a batch larger than a chunk gets a chunk of its own, and the next one is as big.
    if (!c.lent && c.buf.length <= Math.max(this.maxBytes, this.chunkBytes())) this.spare = c.buf;
  }

  /**
   * Whole batches from the one containing `offset`, entirely below `maxOffset`, up to
   * `maxBytes` (the first batch even past it when `minOneMessage`). Undefined when `offset`
   * is not covered by the cache.
   */
  read(offset: bigint, maxBytes: number, maxOffset: bigint, minOneMessage: boolean): { records: Buffer; firstEntryIncomplete: boolean } | undefined {
    const first = this.batches[0];
    if (first === undefined || offset < first.baseOffset) return undefined;
    let lo = 0;
    let hi = this.batches.length - 1;
    let idx = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.batches[mid]!.lastOffset >= offset) {
        idx = mid;
        hi = mid - 1;
      } else lo = mid + 1;
    }
    if (idx < 0) return undefined;
    this.hits++;
    const parts: Buffer[] = [];
    let total = 0;
    for (let i = idx; i < this.batches.length; i++) {
      const b = this.batches[i]!;
      if (b.lastOffset >= maxOffset) break;
      const limit = parts.length === 0 && minOneMessage ? Math.max(maxBytes, b.size) : maxBytes;
      if (total + b.size > limit) break;
      const chunk = this.chunks.find((c) => c.id === b.chunk)!;
      chunk.lent = true;
      const slice = chunk.buf.subarray(b.at, b.at + b.size);
      const prev = parts.at(-1);
      // Extend the previous slice when contiguous in the same chunk (zero copy).
      if (prev !== undefined && prev.buffer === slice.buffer && prev.byteOffset + prev.length === slice.byteOffset) {
        parts[parts.length - 1] = chunk.buf.subarray(prev.byteOffset - chunk.buf.byteOffset, b.at + b.size);
      } else parts.push(slice);
      total += b.size;
    }
    const firstEntryIncomplete = parts.length === 0 && this.batches[idx]!.lastOffset < maxOffset;
    const records = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    return { records, firstEntryIncomplete };
  }
}
