/**
 * One file the TAILDIR source follows, identified by its inode (a rename keeps it, a new file at
 * the same path is another TailFile). `pos` is the committed position: the byte after the last
 * line whose event a channel has committed; `readPos` runs ahead while a batch is in flight and
 * is set back to `pos` when the batch fails. Only complete lines (ending in \n, a trailing \r
 * dropped) become events: a line still being written is read again once its newline arrives.
 * A line longer than MAX_LINE_BYTES is cut into pieces of that size (Flume has no bound).
 */
import { open, type FileHandle } from 'node:fs/promises';

export const READ_CHUNK_BYTES = 64 * 1024;
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface TailLine {
  body: Buffer;
  /** Byte offset of the line's first byte (Flume's byteoffset header). */
  offset: number;
}

export class TailFile {
  pos: number;
  private readPos: number;
  private handle: FileHandle | null = null;
  /** Last time lines were read or the file was seen to change (ms). */
  lastActivityMs: number;

  constructor(
    public path: string,
    readonly inode: bigint,
    pos: number,
    readonly headers: Readonly<Record<string, string>>,
    nowMs: number,
    /** Emit a last line without its newline at end of file (spooldir: the file is complete). */
    private readonly finalLineAtEof = false,
  ) {
    this.pos = pos;
    this.readPos = pos;
    this.lastActivityMs = nowMs;
  }

  get isOpen(): boolean {
    return this.handle !== null;
  }

  async ensureOpen(): Promise<void> {
    if (this.handle === null) this.handle = await open(this.path, 'r');
  }

  async close(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    await h?.close();
  }

  /** Size of the open file (follows the inode even after a rename or unlink). */
  async size(): Promise<number> {
    await this.ensureOpen();
    return (await this.handle!.stat()).size;
  }

  /** Starts over from `pos` (copytruncate detected, or skipToEnd). */
  reset(pos: number): void {
    this.pos = pos;
    this.readPos = pos;
  }

  /** Up to `max` complete lines from the read position. */
  async readLines(max: number): Promise<TailLine[]> {
    await this.ensureOpen();
    const lines: TailLine[] = [];
    let chunkBytes = READ_CHUNK_BYTES;
    while (lines.length < max) {
      const buf = Buffer.allocUnsafe(chunkBytes);
      const { bytesRead } = await this.handle!.read(buf, 0, chunkBytes, this.readPos);
      if (bytesRead === 0) break;
      const data = buf.subarray(0, bytesRead);
      let start = 0;
      let found = false;
      while (lines.length < max) {
        const nl = data.indexOf(0x0a, start);
        if (nl < 0) break;
        found = true;
        const end = nl > start && data[nl - 1] === 0x0d ? nl - 1 : nl;
        lines.push({ body: Buffer.from(data.subarray(start, end)), offset: this.readPos + start });
        start = nl + 1;
      }
      if (!found) {
        if (bytesRead < chunkBytes) {
          if (this.finalLineAtEof) {
            lines.push({ body: Buffer.from(data), offset: this.readPos });
            this.readPos += bytesRead;
          }
          break; // otherwise an incomplete last line: wait for its newline
        }
        if (chunkBytes >= MAX_LINE_BYTES) {
          lines.push({ body: Buffer.from(data), offset: this.readPos });
          this.readPos += bytesRead;
          continue;
        }
        chunkBytes = Math.min(MAX_LINE_BYTES, chunkBytes * 4);
        continue;
      }
      this.readPos += start;
      if (bytesRead < chunkBytes && lines.length < max && data.indexOf(0x0a, start) < 0) break;
    }
    return lines;
  }

  /** The batch read since the last commit is in the channel: make its end the position. */
  commit(): void {
    this.pos = this.readPos;
  }

  /** The batch failed: read it again next time. */
  rollback(): void {
    this.readPos = this.pos;
  }
}
