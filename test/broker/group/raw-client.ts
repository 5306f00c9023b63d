/**
 * A bare Kafka protocol connection for tests: sends one typed request at a given version with
 * the generated codecs and returns the typed response. Used where no installed third-party
 * client speaks the version under test (FindCoordinator v4 batches, ListGroups v4-5 filters,
 * OffsetFetch v8-9 batches).
 */
import { connect, type Socket } from 'node:net';
import { decodeResponseOf, encodeRequestFrameOf, type ApiName, type RequestOf, type ResponseOf } from '../../../src/protocol/api.js';
import { FrameDecoder } from '../../../src/protocol/framing.js';

export class RawClient {
  private readonly decoder = new FrameDecoder();
  private readonly pending: { resolve: (frame: Buffer) => void; reject: (err: Error) => void }[] = [];
  private correlationId = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) this.pending.shift()?.resolve(frame);
    });
    // The broker closes the connection when it cannot answer (e.g. a response it cannot encode).
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('connection closed by the broker'));
    });
  }

  static connect(bootstrap: string): Promise<RawClient> {
    const [host, port] = bootstrap.split(',')[0]!.split(':');
    return new Promise((resolve, reject) => {
      const s = connect({ host: host!, port: Number(port) }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  request<N extends ApiName>(name: N, version: number, body: RequestOf<N>): Promise<ResponseOf<N>> {
    const id = ++this.correlationId;
    return new Promise((resolve, reject) => {
      this.pending.push({
        resolve: (frame) => {
          try {
            resolve(decodeResponseOf(name, version, frame).body);
          } catch (err) {
            reject(err as Error);
          }
        },
        reject,
      });
      this.socket.write(encodeRequestFrameOf(name, version, id, 'raw-test', body));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
