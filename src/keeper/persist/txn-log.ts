/**
 * FileTxnLog: ZooKeeper's transaction log, `<dataLogDir>/version-2/log.<first zxid hex>`.
 *
 *   FileHeader   int32 magic "ZKLG" (0x5a4b4c47), int32 version 2, int64 dbid 0
 *   entry*       int64 checksum (Adler32 of the txn bytes, unsigned in an int64)
 *                int32 length, then TxnHeader + txn record (length bytes)
 *                int8  0x42 ('B', end of record)
 *   zeros        preallocation: the file grows in preAllocSize blocks (64 MiB by default)
 *                of zeros, so an entry that reads checksum 0 / length 0 marks the end.
 *
 * Durability: `append` writes into the file at its position (no fsync); `commit` fdatasyncs.
 * The server calls `commit` once per group of appended txns and only then applies and replies,
 * so an acknowledged write is on disk. A crash can leave a torn entry after the last committed
 * one; `readTxnLogs` stops there and `truncateTornTail` cuts the file back to the last good
 * entry so that ZooKeeper's own readers accept it.
 */
import { closeSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PERSISTENCE_VERSION, TXNLOG_MAGIC } from '../../jute/constants.js';
import { marshallTxnEntry, unmarshallTxnEntry, type Txn } from '../server/txn.js';
import { adler32 } from './adler32.js';
import { listByZxid, makeLogName, versionDir } from './file-names.js';

export const DEFAULT_PREALLOC_BYTES = 64 * 1024 * 1024;
const FILE_HEADER_BYTES = 16;
const EOR = 0x42;
const READ_CHUNK_BYTES = 1 << 20;

export class FileTxnLog {
  readonly dir: string;
  private fd: number | null = null;
  private position = 0;
  private fileSize = 0;
  private currentName: string | null = null;
  private unsynced = false;
  private newFileUnsynced = false;

  constructor(
    dataLogDir: string,
    private readonly preAllocBytes = DEFAULT_PREALLOC_BYTES,
  ) {
    this.dir = versionDir(dataLogDir);
    mkdirSync(this.dir, { recursive: true });
  }

  get currentLogName(): string | null {
    return this.currentName;
  }

  /** Appends one txn (buffered in the OS, not yet durable). */
  append(txn: Txn): void {
    if (this.fd === null) this.open(txn.hdr.zxid);
    const bytes = marshallTxnEntry(txn);
    const entry = Buffer.allocUnsafe(8 + 4 + bytes.length + 1);
    entry.writeBigInt64BE(adler32(bytes), 0);
    entry.writeInt32BE(bytes.length, 8);
    bytes.copy(entry, 12);
    entry[12 + bytes.length] = EOR;
    this.padFile(entry.length);
    writeSync(this.fd!, entry, 0, entry.length, this.position);
    this.position += entry.length;
    this.unsynced = true;
  }

  private open(firstZxid: bigint): void {
    this.currentName = makeLogName(firstZxid);
    // 'w': a file of this name can only be one whose entries never became valid (they would
    // have been replayed and the zxid would be past it), so it is safe to start it over.
    this.fd = openSync(join(this.dir, this.currentName), 'w');
    const h = Buffer.alloc(FILE_HEADER_BYTES);
    h.writeInt32BE(TXNLOG_MAGIC, 0);
    h.writeInt32BE(PERSISTENCE_VERSION, 4);
    h.writeBigInt64BE(0n, 8);
    writeSync(this.fd, h, 0, h.length, 0);
    this.position = FILE_HEADER_BYTES;
    this.fileSize = FILE_HEADER_BYTES;
    this.newFileUnsynced = true;
  }

  /** FilePadding: grow the file by whole preallocation blocks before it fills up. */
  private padFile(nextBytes: number): void {
    if (this.preAllocBytes <= 0) return;
    if (this.position + nextBytes + 4096 < this.fileSize) return;
    let size = this.fileSize;
    while (this.position + nextBytes + 4096 >= size) size += this.preAllocBytes;
    ftruncateSync(this.fd!, size);
    this.fileSize = size;
  }

  /** Makes everything appended so far durable (group commit). */
  commit(): void {
    if (this.fd !== null && this.unsynced) {
      fdatasyncSync(this.fd);
      this.unsynced = false;
    }
    if (this.newFileUnsynced) {
      // The new file's directory entry must be durable too, or a power loss could drop the
      // whole file with the txns just acknowledged.
      const dfd = openSync(this.dir, 'r');
      try {
        fsyncSync(dfd);
      } finally {
        closeSync(dfd);
      }
      this.newFileUnsynced = false;
    }
  }

  /** The next append starts a new file (snapCount rolling). */
  rollLog(): void {
    this.commit();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.currentName = null;
  }

  close(): void {
    this.rollLog();
  }
}

export interface ReadLogResult {
  txns: Txn[];
  /** The last file read and where its valid entries end (for truncating a torn tail). */
  lastFile: { path: string; validEnd: number; size: number } | null;
}

/** Entries of one log file up to the first invalid one; `end` is where the valid part ends. */
export function readLogFile(path: string): { txns: Txn[]; end: number; size: number; headerOk: boolean } {
  // Read in chunks and stop at the first entry that is not valid: a log is mostly
  // preallocated zeros, which need not be read.
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(FILE_HEADER_BYTES);
    if (size < FILE_HEADER_BYTES || readSync(fd, header, 0, FILE_HEADER_BYTES, 0) !== FILE_HEADER_BYTES || header.readInt32BE(0) !== TXNLOG_MAGIC) {
      return { txns: [], end: 0, size, headerOk: false };
    }
    const txns: Txn[] = [];
    let pos = FILE_HEADER_BYTES;
    let chunk = Buffer.alloc(0);
    let chunkStart = pos;
    const view = (at: number, n: number): Buffer | null => {
      if (at + n > size) return null;
      if (at < chunkStart || at + n > chunkStart + chunk.length) {
        chunk = Buffer.alloc(Math.max(n, READ_CHUNK_BYTES));
        chunkStart = at;
        const got = readSync(fd, chunk, 0, Math.min(chunk.length, size - at), at);
        chunk = chunk.subarray(0, got);
        if (got < n) return null;
      }
      return chunk.subarray(at - chunkStart, at - chunkStart + n);
    };
    while (true) {
      const head = view(pos, 12);
      if (head === null) break;
      const crc = head.readBigInt64BE(0);
      const len = head.readInt32BE(8);
      if (len <= 0) break;
      const body = view(pos + 12, len + 1);
      if (body === null || body[len] !== EOR || adler32(body, 0, len) !== crc) break;
      try {
        txns.push(unmarshallTxnEntry(Buffer.from(body.subarray(0, len))));
      } catch {
        break;
      }
      pos += 12 + len + 1;
    }
    return { txns, end: pos, size, headerOk: true };
  } finally {
    closeSync(fd);
  }
}

/**
 * Every logged txn with zxid > `afterZxid`, in order: the newest file starting at or before
 * afterZxid + 1 and all later ones (FileTxnLog.getLogFiles).
 */
export function readTxnLogs(dataLogDir: string, afterZxid: bigint): ReadLogResult {
  const dir = versionDir(dataLogDir);
  const files = listByZxid(dir, 'log');
  let first = 0;
  for (let i = 0; i < files.length; i++) if (files[i]!.zxid <= afterZxid + 1n) first = i;
  const txns: Txn[] = [];
  let lastFile: ReadLogResult['lastFile'] = null;
  for (let i = first; i < files.length; i++) {
    const path = join(dir, files[i]!.name);
    const r = readLogFile(path);
    for (const t of r.txns) if (t.hdr.zxid > afterZxid) txns.push(t);
    lastFile = { path, validEnd: r.end, size: r.size };
  }
  return { txns, lastFile };
}

/** Cuts a torn or garbage tail so that the file ends with its last valid entry. */
export function truncateTornTail(file: { path: string; validEnd: number; size: number }): boolean {
  const fd = openSync(file.path, 'r+');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size - file.validEnd, 1 << 16));
    // Preallocated zeros after the last entry are not a tear; anything else is.
    const n = buf.length > 0 ? readSyncAt(fd, buf, file.validEnd) : 0;
    if (buf.subarray(0, n).every((b) => b === 0)) return false;
    ftruncateSync(fd, file.validEnd);
    fdatasyncSync(fd);
    return true;
  } finally {
    closeSync(fd);
  }
}

function readSyncAt(fd: number, buf: Buffer, position: number): number {
  return readSync(fd, buf, 0, buf.length, position);
}
