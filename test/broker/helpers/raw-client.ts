/**
 * A raw Kafka-protocol connection for broker tests: send frames (well-formed or not), read
 * size-prefixed responses in order, and observe a close.
 */
import { connect, type Socket } from 'node:net';
import { encodeRequestFrame, decodeResponse } from '../../../src/protocol/api.js';
import { FrameDecoder } from '../../../src/protocol/framing.js';

export class RawClient {
  private readonly decoder = new FrameDecoder(1 << 30);
  private readonly frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  closed = false;
  private nextCorrelationId = 1;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.frames.push(...this.decoder.push(d));
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(',')[0]!.split(':');
    return new Promise((resolve, reject) => {
      const s = connect(Number(port), host, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Encodes and sends a request; returns its correlation id. */
  send(apiKey: number, version: number, body: unknown): number {
    const correlationId = this.nextCorrelationId++;
    this.write(encodeRequestFrame({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'raw-test' }, body));
    return correlationId;
  }

  /** The next response frame, or null when the connection closed first. */
  async nextFrame(timeoutMs = 15_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no response within the timeout');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.shift()!;
  }

  async response(apiKey: number, version: number): Promise<{ correlationId: number; body: any }> {
    const f = await this.nextFrame();
    if (f === null) throw new Error('connection closed');
    return decodeResponse(apiKey, version, f);
  }

  async request(apiKey: number, version: number, body: unknown): Promise<any> {
    const id = this.send(apiKey, version, body);
    const r = await this.response(apiKey, version);
    if (r.correlationId !== id) throw new Error(`correlation id ${r.correlationId} != ${id}`);
    return r.body;
  }

  /** Resolves true when the broker closes the connection within the timeout. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
