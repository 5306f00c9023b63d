/**
 * A minimal raw ZooKeeper-protocol client for the keeper's server tests: frames, the connect
 * handshake, requests by op code with jute-encoded bodies, and every inbound frame in arrival
 * order (so tests can check that a watch event precedes the reply that caused it).
 */
import { connect, type Socket } from 'node:net';
import * as J from '../../src/jute/generated/records.js';
import { Reader, Writer } from '../../src/util/bytes.js';

export interface Inbound {
  xid: number;
  zxid: bigint;
  err: number;
  body: Reader;
}

export class RawZk {
  readonly frames: Inbound[] = [];
  connectResponse: J.ConnectResponse | null = null;
  closed = false;
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static open(port: number): Promise<RawZk> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawZk(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 4) {
      const len = this.buf.readInt32BE(0);
      if (this.buf.length < 4 + len) break;
      const frame = this.buf.subarray(4, 4 + len);
      this.buf = this.buf.subarray(4 + len);
      const r = new Reader(Buffer.from(frame));
      if (this.connectResponse === null) {
        this.connectResponse = J.decodeConnectResponse(r);
      } else {
        const h = J.decodeReplyHeader(r);
        this.frames.push({ ...h, body: r });
      }
    }
    this.wake();
  }

  async waitFor<T>(pred: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const v = pred();
      if (v !== undefined && v !== false) return v;
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  sendFrame(payload: Buffer): void {
    const len = Buffer.alloc(4);
    len.writeInt32BE(payload.length);
    this.socket.write(Buffer.concat([len, payload]));
  }

  async handshake(opts: { timeoutMs?: number; sessionId?: bigint; passwd?: Buffer; lastZxidSeen?: bigint } = {}): Promise<J.ConnectResponse> {
    const w = new Writer();
    J.encodeConnectRequest(w, {
      protocolVersion: 0, lastZxidSeen: opts.lastZxidSeen ?? 0n, timeOut: opts.timeoutMs ?? 30000,
      sessionId: opts.sessionId ?? 0n, passwd: opts.passwd ?? Buffer.alloc(16), readOnly: false,
    });
    this.sendFrame(Buffer.from(w.finish()));
    return this.waitFor(() => this.connectResponse ?? undefined);
  }

  /** Sends a request and resolves with its reply (frames before it stay in `frames`). */
  async request(xid: number, type: number, body?: (w: Writer) => void): Promise<Inbound> {
    const w = new Writer();
    J.encodeRequestHeader(w, { xid, type });
    body?.(w);
    this.sendFrame(Buffer.from(w.finish()));
    return this.waitFor(() => this.frames.find((f) => f.xid === xid));
  }

  closedPromise(timeoutMs = 5000): Promise<void> {
    return this.waitFor(() => this.closed, timeoutMs).then(() => undefined).catch((e: Error) => {
      if (this.closed) return;
      throw e;
    });
  }

  end(): void {
    this.socket.destroy();
  }
}
