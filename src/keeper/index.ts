/**
 * The keeper's public entry: `startKeeper(config)` runs a standalone ZooKeeper-compatible
 * server and returns its port and a `close()`.
 */
import { systemClock, type Clock } from '../util/clock.js';
import { rootLogger, type Logger } from '../util/logger.js';
import { keeperConfig, parseZooCfg, type KeeperConfig } from './config.js';
import { ZooKeeperServer } from './server/zookeeper-server.js';

export { keeperConfig, parseZooCfg, type KeeperConfig };
export { ZooKeeperServer };

export interface Keeper {
  readonly port: number;
  readonly host: string;
  /** host:port for clients. */
  readonly connectString: string;
  readonly server: ZooKeeperServer;
  close(): Promise<void>;
}

export interface StartKeeperOptions {
  logger?: Logger;
  clock?: Clock;
  /** Called when the txn log cannot be written (the server has closed itself). */
  onFatal?: (e: unknown) => void;
}

/** Accepts a parsed config or zoo.cfg keys as an object (`{ dataDir, clientPort: 0, tickTime: 2000 }`). */
export async function startKeeper(config: KeeperConfig | Record<string, string | number | boolean>, options: StartKeeperOptions = {}): Promise<Keeper> {
  const cfg = 'tickTimeMs' in config ? (config as KeeperConfig) : keeperConfig(config as Record<string, string | number | boolean>);
  if (cfg.servers.size > 0) throw new Error('keeper ensemble mode (server.N lines) is not implemented yet');
  const log = (options.logger ?? rootLogger).child({ component: 'keeper' });
  const server = new ZooKeeperServer(cfg, log, options.clock ?? systemClock, Math.random, options.onFatal);
  await server.start();
  const host = cfg.clientPortAddress === '0.0.0.0' ? '127.0.0.1' : cfg.clientPortAddress;
  return {
    port: server.port,
    host,
    connectString: `${host}:${server.port}`,
    server,
    close: () => server.close(),
  };
}
