/**
 * The ZooKeeper-protocol servers the client tests run against: the keeper (our server) and,
 * when java and Debian's ZooKeeper jars are here, a real Apache ZooKeeper 3.8 — the same test
 * body must pass on both.
 */
import { startKeeper } from '../../../src/keeper/index.js';
import { tempDir } from '../../helpers/paths.js';
import { realZooKeeper, startRealZooKeeper } from '../../helpers/real-zookeeper.js';

export interface RunningServer {
  name: string;
  host: string;
  port: number;
  connectString: string;
  stop(): Promise<void>;
}

export interface ServerTarget {
  name: string;
  /** false, or why this target is skipped (printed by node:test). */
  skip: false | string;
  start(options?: { tickTimeMs?: number }): Promise<RunningServer>;
}

/** The keeper, started in this process on an ephemeral port with a temporary data dir. */
export function keeperTarget(): ServerTarget {
  return {
    name: 'keeper',
    skip: false,
    async start(options = {}) {
      const dir = tempDir('gregor-keeper-client-');
      const keeper = await startKeeper({ clientPort: 0, clientPortAddress: '127.0.0.1', dataDir: dir.path, tickTime: options.tickTimeMs ?? 500 });
      return {
        name: 'keeper',
        host: keeper.host,
        port: keeper.port,
        connectString: keeper.connectString,
        async stop() {
          await keeper.close();
          dir.cleanup();
        },
      };
    },
  };
}

export function realZooKeeperTarget(): ServerTarget {
  const tool = realZooKeeper();
  return {
    name: 'real ZooKeeper 3.8',
    skip: tool.skip,
    async start(options = {}) {
      const zk = await startRealZooKeeper({ tickTimeMs: options.tickTimeMs ?? 500 });
      return { name: 'real ZooKeeper 3.8', host: zk.host, port: zk.port, connectString: zk.connectString, stop: () => zk.stop() };
    },
  };
}
