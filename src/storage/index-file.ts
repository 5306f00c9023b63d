/**
 * The common machinery of Kafka's fixed-size-entry index files (.index, .timeindex): entries
 * sorted by a key, looked up by binary search, appended at the end, truncated from the end.
 *
 * Alternative to Kafka's preallocated mmap: Node has no mmap, so an index lives in a Buffer in
 * memory (loaded lazily from its file on first use, released when its segment is closed by the
 * file-handle LRU) and the file is written append-only, without preallocation, when the
 * segment is flushed, rolled or closed. The capacity limit is kept all the same —
 * `segment.index.bytes / entrySize` entries, and a full index rolls the segment, as in Kafka —
 * so files never need trimming. Index files carry no checksum (as in Kafka): they are derived
 * data, sanity-checked on load and rebuilt from the log by recovery when in doubt.
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { GregorError } from '../util/errors.js';

/** An index file that fails its sanity check; recovery rebuilds it. */
export class CorruptIndexError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_CORRUPT_INDEX', message);
  }
}

export abstract class IndexFile {
  path: string;
  readonly baseOffset: bigint;
  readonly maxEntries: number;
  protected buf: Buffer = Buffer.alloc(0);
  protected count = 0;
  private loaded = false;
  /** Entries already in the file; a truncation below this forces a rewrite of the tail. */
  private persisted = 0;
  /** The file content was fsynced after its last change. */
  private synced = true;

  constructor(path: string, baseOffset: bigint, maxIndexBytes: number, protected readonly entrySize: number) {
    this.path = path;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entrySize));
  }

  /** Number of entries (loads the file on first use). */
  get entries(): number {
    this.ensureLoaded();
    return this.count;
  }

  get isFull(): boolean {
    return this.entries >= this.maxEntries;
  }

  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  /** Reads the file into memory if not done yet; an odd-sized tail is ignored (and rewritten). */
  ensureLoaded(): void {
    if (this.loaded) return;
    this.loaded = true;
    const data = existsSync(this.path) ? readFileSync(this.path) : Buffer.alloc(0);
    const n = Math.floor(data.length / this.entrySize);
    this.buf = Buffer.alloc(Math.max(64, n) * this.entrySize);
    data.copy(this.buf, 0, 0, n * this.entrySize);
    this.count = n;
    this.persisted = data.length === n * this.entrySize ? n : 0;
  }

  /** Drops the in-memory copy (unflushed entries are written first). */
  release(): void {
    if (!this.loaded) return;
    this.flush(false);
    this.buf = Buffer.alloc(0);
    this.count = 0;
    this.persisted = 0;
    this.loaded = false;
  }

  /** Removes every entry (used before a rebuild). */
  reset(): void {
    this.loaded = true;
    this.buf = Buffer.alloc(64 * this.entrySize);
    this.count = 0;
    this.persisted = -1;
  }

  protected appendEntry(write: (buf: Buffer, at: number) => void): void {
    this.ensureLoaded();
    if (this.count >= this.maxEntries) return;
    if ((this.count + 1) * this.entrySize > this.buf.length) {
      const bigger = Buffer.alloc(this.buf.length * 2 + this.entrySize);
      this.buf.copy(bigger, 0, 0, this.count * this.entrySize);
      this.buf = bigger;
    }
    write(this.buf, this.count * this.entrySize);
    this.count++;
  }

  /** Keeps the first `n` entries. */
  protected truncateEntries(n: number): void {
    this.ensureLoaded();
    if (n >= this.count) return;
    this.count = n;
    if (this.persisted > n) this.persisted = -1;
  }

  /** Largest index i with key(i) <= target, or -1 (binary search over sorted keys). */
  protected floorIndex(target: number, key: (i: number) => number): number {
    this.ensureLoaded();
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (key(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Writes entries not yet in the file; `sync` also fsyncs. */
  flush(sync: boolean): void {
    if (!this.loaded) return;
    if (this.persisted === this.count && (!sync || this.synced)) return;
    // An empty index need not exist (creating files is the slow metadata operation); a missing
    // index file reads as empty.
    if (this.count === 0 && this.persisted <= 0 && !existsSync(this.path)) {
      this.persisted = 0;
      this.synced = true;
      return;
    }
    const fd = openSync(this.path, existsSync(this.path) ? 'r+' : 'w+');
    try {
      if (this.persisted < 0) {
        ftruncateSync(fd, 0);
        this.persisted = 0;
      }
      const from = this.persisted * this.entrySize;
      const to = this.count * this.entrySize;
      if (to > from) writeSync(fd, this.buf, from, to - from, from);
      ftruncateSync(fd, to);
      if (sync) fsyncSync(fd);
      this.synced = sync;
      this.persisted = this.count;
    } finally {
      closeSync(fd);
    }
  }

  /** Writes pending entries without fsync and returns the path if it still needs one. */
  writeForDeferredSync(): string | undefined {
    this.flush(false);
    if (!this.loaded || this.synced) return undefined;
    this.synced = true; // the caller fsyncs it
    return this.path;
  }

  renameTo(path: string): void {
    if (existsSync(this.path)) renameSync(this.path, path);
    this.path = path;
  }

  deleteFile(): void {
    rmSync(this.path, { force: true });
    this.loaded = false;
    this.count = 0;
    this.buf = Buffer.alloc(0);
  }
}
