/**
 * A real Apache ZooKeeper 3.8 (Debian's `zookeeper` package: jars in /usr/share/java) for
 * interop tests and benchmarks: standalone, on a free loopback port, with a temporary dataDir,
 * stopped by PID.
 *
 *   const zk = realZooKeeper();            // { skip } for node:test when java or the jars are absent
 *   test('...', { skip: zk.skip }, async () => {
 *     const server = await startRealZooKeeper();
 *     try { ... server.connectString ... } finally { await server.stop(); }
 *   });
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interopTool, type InteropTool } from './interop.js';
import { freePort } from './ports.js';
export { freePort };

export const zookeeperJar = '/usr/share/java/zookeeper.jar';
/** zookeeper.jar's manifest names its dependencies; slf4j-nop keeps the server's log quiet. */
const classPath = [zookeeperJar, '/usr/share/java/slf4j-nop.jar'].join(':');

/** Whether java and the ZooKeeper jars are here; a `skip` message for node:test otherwise. */
export function realZooKeeper(): InteropTool {
  if (!existsSync(zookeeperJar)) {
    return interopTool('zookeeper (Debian package, /usr/share/java/zookeeper.jar)', ['test', '-e', zookeeperJar]);
  }
  return interopTool('java (for a real ZooKeeper 3.8)', ['java', '-version']);
}

export interface RealZooKeeper {
  host: string;
  port: number;
  /** `127.0.0.1:port` */
  connectString: string;
  dataDir: string;
  pid: number;
  /** A four-letter word's answer (e.g. `srvr`, `ruok`, `mntr`). */
  fourLetterWord(word: string): Promise<string>;
  stop(): Promise<void>;
}

export interface RealZooKeeperOptions {
  tickTimeMs?: number;
  /** Extra zoo.cfg lines (key=value). */
  extraConfig?: Record<string, string | number>;
  startTimeoutMs?: number;
}

/** Sends a four-letter word and returns everything the server writes before closing. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const sock = connect(port, host, () => sock.write(word));
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`four-letter word ${word} to ${host}:${port} timed out`));
    }, timeoutMs);
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

export async function startRealZooKeeper(options: RealZooKeeperOptions = {}): Promise<RealZooKeeper> {
  const host = '127.0.0.1';
  const port = await freePort();
  const root = mkdtempSync(join(tmpdir(), 'gregor-real-zk-'));
  const dataDir = join(root, 'data');
  mkdirSync(dataDir);
  const config: Record<string, string | number> = {
    tickTime: options.tickTimeMs ?? 2000,
    dataDir,
    clientPort: port,
    clientPortAddress: host,
    maxClientCnxns: 0,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': 'false',
    // TTL nodes are off by default in ZooKeeper; the keeper supports them, so compare like with like.
    'extendedTypesEnabled': 'true',
    ...options.extraConfig,
  };
  const cfgPath = join(root, 'zoo.cfg');
  writeFileSync(cfgPath, Object.entries(config).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  const child: ChildProcess = spawn(
    'java',
    ['-Xmx256m', '-XX:+UseSerialGC', '-Dzookeeper.jmx.log4j.disable=true', '-cp', classPath,
      'org.apache.zookeeper.server.ZooKeeperServerMain', cfgPath],
    { stdio: ['ignore', 'ignore', 'pipe'], detached: false },
  );
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString('utf8');
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const stop = async (): Promise<void> => {
    if (!exited && child.pid !== undefined) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(root, { recursive: true, force: true });
  };
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      rmSync(root, { recursive: true, force: true });
      throw new Error(`real ZooKeeper exited during start-up: ${stderr.slice(-2000)}`);
    }
    try {
      // `ruok` answers imok before the server serves requests; `srvr` prints Mode: only once it does.
      const answer = await fourLetterWord(host, port, 'srvr', 1000);
      if (answer.includes('Mode:')) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`real ZooKeeper did not answer ruok on ${host}:${port}: ${stderr.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    host,
    port,
    connectString: `${host}:${port}`,
    dataDir,
    pid: child.pid!,
    fourLetterWord: (word) => fourLetterWord(host, port, word),
    stop,
  };
}
