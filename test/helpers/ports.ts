/** Ports for servers and child processes that must be told their port up front. */
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (bound then released: a small race, acceptable for tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
