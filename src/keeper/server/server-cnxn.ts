/**
 * ServerCnxn: one client TCP connection. Frames are an int32 length then that many bytes;
 * the length is bounded by jute.maxbuffer before anything is buffered for it (a larger or
 * negative length closes the connection with a log line, as ZooKeeper's "Len error").
 * The first 4 bytes of a connection may instead be a four-letter word.
 */
import type { Socket } from 'node:net';
import type { Id } from '../../jute/generated/records.js';
import type { Logger } from '../../util/logger.js';

export interface CnxnStats {
  packetsReceived: number;
  packetsSent: number;
  established: number;
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  lastLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  totalLatencyMs: number;
  latencyCount: number;
}

export function emptyStats(nowMs: number): CnxnStats {
  return {
    packetsReceived: 0, packetsSent: 0, established: nowMs, lastOp: 'NA', lastCxid: -1, lastZxid: -1n,
    lastLatencyMs: 0, minLatencyMs: Number.MAX_SAFE_INTEGER, maxLatencyMs: 0, totalLatencyMs: 0, latencyCount: 0,
  };
}

/** ServerStats' packet counters: server-wide, closed connections included (crst leaves them, as ZooKeeper 3.8's does). */
export interface PacketTotals {
  received: number;
  sent: number;
}

/** Bytes of unsent output a connection may hold before it is closed. */
export const MAX_OUTBOUND_BYTES = 64 * 1024 * 1024;

export type CnxnState = 'new' | 'connecting' | 'established' | 'closed';

export interface CnxnHandler {
  /** A whole frame (without its length prefix), or a four-letter word on a new connection. */
  onFrame(cnxn: ServerCnxn, frame: Buffer): void;
  onFourLetterWord(cnxn: ServerCnxn, word: string): boolean;
  onClose(cnxn: ServerCnxn): void;
}

export class ServerCnxn {
  state: CnxnState = 'new';
  sessionId = 0n;
  sessionTimeoutMs = 0;
  readonly authInfo: Id[];
  readonly remoteAddress: string;
  readonly remotePort: number;
  stats: CnxnStats;
  /** Frames received while the session is being created (state 'connecting'). */
  readonly deferred: Buffer[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    readonly id: number,
    readonly socket: Socket,
    private readonly maxFrameBytes: number,
    private readonly handler: CnxnHandler,
    private readonly log: Logger,
    nowMs: number,
    private readonly totals: PacketTotals = { received: 0, sent: 0 },
  ) {
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.authInfo = [{ scheme: 'ip', id: this.remoteAddress }];
    this.stats = emptyStats(nowMs);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.log.debug({ err: e.message, cnxn: this.id }, 'client socket error'));
    socket.on('close', () => this.closed());
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed') return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (!this.isClosed() && this.pendingBytes >= 4) {
      const head = this.peek(4);
      if (this.state === 'new' && this.stats.packetsReceived === 0) {
        const word = head.toString('latin1');
        if (/^[a-z]{4}$/.test(word) && this.handler.onFourLetterWord(this, word)) return;
      }
      const len = head.readInt32BE(0);
      if (len < 0 || len > this.maxFrameBytes) {
        this.log.warn({ cnxn: this.id, remote: this.remoteAddress, len }, `Len error ${len}: closing connection`);
        this.close();
        return;
      }
      if (this.pendingBytes < 4 + len) return;
      const frame = this.take(4 + len).subarray(4);
      this.stats.packetsReceived++;
      this.totals.received++;
      this.handler.onFrame(this, frame);
    }
  }

  isClosed(): boolean {
    return this.state === 'closed';
  }

  private peek(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    return this.pending[0]!.subarray(0, n);
  }

  private take(n: number): Buffer {
    if (this.pending[0]!.length < n) this.pending = [Buffer.concat(this.pending)];
    const first = this.pending[0]!;
    const out = first.subarray(0, n);
    if (first.length === n) this.pending.shift();
    else this.pending[0] = first.subarray(n);
    this.pendingBytes -= n;
    return out;
  }

  /** Sends one length-prefixed frame. */
  send(payload: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    if (this.socket.writableLength > MAX_OUTBOUND_BYTES) {
      // A client that does not read its replies and notifications must not grow our memory.
      this.log.warn({ cnxn: this.id, remote: this.remoteAddress, queuedBytes: this.socket.writableLength }, 'client is not reading: closing connection');
      this.close();
      return;
    }
    const len = Buffer.allocUnsafe(4);
    len.writeInt32BE(payload.length, 0);
    this.socket.write(Buffer.concat([len, payload]));
    this.stats.packetsSent++;
    this.totals.sent++;
  }

  /** Raw text (four-letter words), then close after it is flushed. */
  sendTextAndClose(text: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end(text);
    this.handler.onClose(this);
  }

  close(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
    this.handler.onClose(this);
  }

  private closed(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.handler.onClose(this);
  }
}
