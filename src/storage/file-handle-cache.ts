/**
 * A bounded LRU of open segment file descriptors, shared by every log of a LogManager, so a
 * broker with 10,000 partitions does not hold 30,000+ descriptors: a segment opens its `.log`
 * on first use and the least recently used one is closed (and its in-memory indexes released)
 * when the cache is full. All users are synchronous, so a descriptor is never closed while in use.
 */
import { closeSync, openSync } from 'node:fs';
import { assert } from '../util/assert.js';

export interface CachedFile {
  /** Called when the descriptor is closed by eviction: drop anything derived from it. */
  onEvict(): void;
}

export class FileHandleCache {
  private readonly open = new Map<string, { fd: number; owner: CachedFile }>();
  opens = 0;
  evictions = 0;

  constructor(readonly maxOpenFiles = 1024) {
    assert(maxOpenFiles >= 1, 'maxOpenFiles must be at least 1');
  }

  get size(): number {
    return this.open.size;
  }

  /** The descriptor for `path` (opened read-write; the file must exist), now most recently used. */
  acquire(path: string, owner: CachedFile): number {
    const hit = this.open.get(path);
    if (hit !== undefined) {
      this.open.delete(path);
      this.open.set(path, hit);
      return hit.fd;
    }
    while (this.open.size >= this.maxOpenFiles) {
      const [oldest, entry] = this.open.entries().next().value as [string, { fd: number; owner: CachedFile }];
      this.open.delete(oldest);
      closeSync(entry.fd);
      this.evictions++;
      entry.owner.onEvict();
    }
    // Never creates: segment files are created explicitly (LogSegment.createEmpty), so a missing
    // file is reported instead of silently reappearing empty.
    const fd = openSync(path, 'r+');
    this.opens++;
    this.open.set(path, { fd, owner });
    return fd;
  }

  /** Closes `path` if open (before a rename or delete). */
  close(path: string): void {
    const hit = this.open.get(path);
    if (hit === undefined) return;
    this.open.delete(path);
    closeSync(hit.fd);
  }

  closeAll(): void {
    for (const { fd } of this.open.values()) closeSync(fd);
    this.open.clear();
  }
}

/**
 * A read buffer placed at a page boundary. On these machines read() into an address 1-31 bytes
 * past a page boundary runs ~5x slower than into an aligned one, and Buffer.allocUnsafe's
 * pooled slices (and malloc'd large blocks) sit at page+16: allocate a page more and start
 * 4080 bytes in, which lands on the next page boundary for a malloc'd block.
 */
export function alignedSlab(size: number): Buffer {
  return Buffer.allocUnsafeSlow(size + 4096).subarray(4080, 4080 + size);
}
