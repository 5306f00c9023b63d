/**
 * The file channel's data log: numbered files `log-<id>` spread round-robin over the data
 * directories (file id % dataDirs.length), each a sequence of transaction records
 * (log-record.ts). Appends are group-committed: records that arrive while a write is in flight
 * are written together and synced once, and every caller's promise resolves only after its
 * record is on disk (fsyncPerTransaction, Flume's default). A file is rolled when it reaches
 * maxFileSize; files are deleted from the oldest up while none of their events is still live.
 *
 * Recovery: every remaining file is read in id order; the first record that is torn or fails
 * its CRC ends that file (in the newest file it is truncated away: the crash happened while
 * writing it, and nobody was told that transaction committed). A reopened log never appends to
 * an old file; it starts the next id.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ChannelException } from '../../errors.js';
import { decodeRecord, type LogRecord } from './log-record.js';

export interface ReplayedFile {
  fileId: number;
  records: LogRecord[];
  /** Bytes dropped at the end (torn or corrupt). */
  droppedBytes: number;
}

interface PendingAppend {
  record: Buffer;
  resolve: (at: { fileId: number; position: number }) => void;
  reject: (err: Error) => void;
}

/** Read-ahead for take(): consecutive events of a batch usually sit next to each other. */
const READ_AHEAD_BYTES = 1 << 20;

const FILE_PATTERN = /^log-(\d+)$/;

/** Flume's in_use.lock, holding our pid: a second agent on the same directories is refused. */
export function lockDirectory(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'in_use.lock');
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
      throw new ChannelException(`Cannot lock ${dir}. The directory is already locked by process ${pid}`);
    }
  }
  writeFileSync(path, `${process.pid}\n`);
  return () => rmSync(path, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class DataLog {
  private currentId: number;
  private handle: FileHandle | null = null;
  private currentBytes = 0;
  private pending: PendingAppend[] = [];
  private writing = false;
  private closed = false;
  private readonly fileIds: number[];
  private readonly readFds = new Map<number, number>();
  private cache: { fileId: number; position: number; bytes: Buffer } | null = null;

  private constructor(private readonly dataDirs: string[], private readonly maxFileBytes: number, private readonly fsync: boolean, existing: number[]) {
    this.fileIds = existing;
    this.currentId = (existing.at(-1) ?? 0) + 1;
  }

  /** Opens the log: reads what is there (for replay) and prepares the next file for appends. */
  static async open(dataDirs: string[], maxFileBytes: number, fsync: boolean): Promise<{ log: DataLog; replayed: ReplayedFile[] }> {
    const found: { id: number; path: string }[] = [];
    for (const dir of dataDirs) {
      mkdirSync(dir, { recursive: true });
      for (const name of readdirSync(dir)) {
        const m = FILE_PATTERN.exec(name);
        if (m !== null) found.push({ id: Number(m[1]), path: join(dir, name) });
      }
    }
    found.sort((a, b) => a.id - b.id);
    const replayed: ReplayedFile[] = [];
    for (let i = 0; i < found.length; i++) {
      const { id, path } = found[i]!;
      const buf = readFileSync(path);
      const records: LogRecord[] = [];
      let offset = 0;
      while (offset < buf.length) {
        const d = decodeRecord(buf, offset);
        if (d === null) break;
        records.push(d.record);
        offset = d.next;
      }
      const dropped = buf.length - offset;
      if (dropped > 0 && i === found.length - 1) truncateDurably(path, offset);
      replayed.push({ fileId: id, records, droppedBytes: dropped });
    }
    const log = new DataLog(dataDirs, maxFileBytes, fsync, found.map((f) => f.id));
    await log.openCurrent();
    return { log, replayed };
  }

  get currentFileId(): number {
    return this.currentId;
  }

  /** Appends one transaction record; resolves with where it was written once it is durable. */
  append(record: Buffer): Promise<{ fileId: number; position: number }> {
    if (this.closed) return Promise.reject(new ChannelException('file channel log is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (!this.writing) void this.writeLoop();
    });
  }

  /**
   * Reads `length` bytes at `position` of file `fileId` (an event's entry). Synchronous, because
   * a take is: the bytes are almost always in the page cache, written moments ago, and a
   * read-ahead buffer serves the rest of a batch.
   */
  read(fileId: number, position: number, length: number): Buffer {
    const c = this.cache;
    if (c !== null && c.fileId === fileId && position >= c.position && position + length <= c.position + c.bytes.length) {
      return c.bytes.subarray(position - c.position, position - c.position + length);
    }
    let fd = this.readFds.get(fileId);
    if (fd === undefined) {
      fd = openSync(this.pathOf(fileId), 'r');
      this.readFds.set(fileId, fd);
    }
    const bytes = Buffer.allocUnsafe(Math.max(length, READ_AHEAD_BYTES));
    const n = readSync(fd, bytes, 0, bytes.length, position);
    if (n < length) throw new ChannelException(`file channel log-${fileId}: ${length} bytes at ${position} expected, ${n} read`);
    this.cache = { fileId, position, bytes: bytes.subarray(0, n) };
    return bytes.subarray(0, length);
  }

  /** Deletes files older than `oldestLiveFileId` (none of their events is live any more). */
  deleteFilesBefore(oldestLiveFileId: number): void {
    while (this.fileIds.length > 0 && this.fileIds[0]! < oldestLiveFileId && this.fileIds[0]! !== this.currentId) {
      const id = this.fileIds.shift()!;
      this.closeReader(id);
      rmSync(this.pathOf(id), { force: true });
    }
  }

  private closeReader(fileId: number): void {
    const fd = this.readFds.get(fileId);
    if (fd !== undefined) closeSync(fd);
    this.readFds.delete(fileId);
    if (this.cache?.fileId === fileId) this.cache = null;
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    await this.handle?.close();
    this.handle = null;
    for (const id of [...this.readFds.keys()]) this.closeReader(id);
  }

  private pathOf(id: number): string {
    return join(this.dataDirs[id % this.dataDirs.length]!, `log-${id}`);
  }

  private async openCurrent(): Promise<void> {
    this.handle = await open(this.pathOf(this.currentId), 'a');
    this.currentBytes = 0;
    this.fileIds.push(this.currentId);
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending;
        this.pending = [];
        try {
          if (this.currentBytes >= this.maxFileBytes) {
            await this.handle!.close();
            this.currentId++;
            await this.openCurrent();
          }
          const bytes = Buffer.concat(batch.map((p) => p.record));
          await this.handle!.write(bytes);
          if (this.fsync) await this.handle!.datasync();
          let position = this.currentBytes;
          this.currentBytes += bytes.length;
          // The read-ahead may hold this file's old end: it must not serve bytes past it.
          if (this.cache?.fileId === this.currentId) this.cache = null;
          for (const p of batch) {
            p.resolve({ fileId: this.currentId, position });
            position += p.record.length;
          }
        } catch (err) {
          // Part of the batch may be on disk; later records must not follow a torn one.
          this.currentBytes = Number.POSITIVE_INFINITY;
          const e = new ChannelException(`file channel write failed: ${(err as Error).message}`, { cause: err });
          for (const p of batch) p.reject(e);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}

function truncateDurably(path: string, length: number): void {
  truncateSync(path, length);
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
