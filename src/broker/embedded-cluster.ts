/**
 * An embedded cluster: a keeper and N brokers in this process (`startCluster`, `gregor dev`),
 * for applications' tests and local development. Data lives under `dataDir` (`keeper/`,
 * `broker-<id>/`); a temporary directory is used and removed on stop when none is given.
 * Ports: 0 = ephemeral (tests), otherwise broker i listens on firstPort + i.
 *
 * Topics may use a replication factor up to the number of brokers: followers fetch from their
 * leaders as in Kafka (src/broker/replica/README.md).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { keeperConfig } from '../keeper/config.js';
import { startKeeper } from '../keeper/index.js';
import { rootLogger, type Logger } from '../util/logger.js';
import { Broker } from './broker.js';
import { BrokerConfig } from './config/broker-config.js';

export interface ClusterOptions {
  /** Number of brokers (default 1). */
  brokers?: number;
  /** Where keeper and broker data go; default: a temporary directory removed on stop. */
  dataDir?: string;
  /** Host to listen on and advertise (default 127.0.0.1). */
  host?: string;
  /** First broker's port; 0 (default) = ephemeral ports. */
  port?: number;
  /** The keeper's client port; 0 (default) = ephemeral. */
  keeperPort?: number;
  /** Use an existing keeper / ZooKeeper instead of starting one. */
  keeperConnect?: string;
  /** Extra server.properties for every broker (num.partitions, auto.create.topics.enable, ...). */
  brokerConfig?: Record<string, string | number | boolean>;
  logger?: Logger;
  /** Register process metrics (CPU, memory, event loop) in the first broker's registry. */
  processMetrics?: boolean;
}

export interface EmbeddedCluster {
  /** `host:port,host:port` for clients' bootstrap.servers. */
  readonly bootstrapServers: string;
  /** The keeper's `host:port` (zookeeper.connect). */
  readonly keeperConnect: string;
  readonly brokers: readonly Broker[];
  /** Start-up time of the whole cluster, in milliseconds. */
  readonly startupMs: number;
  readonly dataDir: string;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<EmbeddedCluster> {
  const started = performance.now();
  const count = options.brokers ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`brokers must be a positive integer, got ${count}`);
  const host = options.host ?? '127.0.0.1';
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir !== undefined ? resolve(options.dataDir) : mkdtempSync(join(tmpdir(), 'gregor-cluster-'));
  const logger = options.logger ?? rootLogger;

  let keeper: Awaited<ReturnType<typeof startKeeper>> | null = null;
  let keeperConnect = options.keeperConnect;
  const brokers: Broker[] = [];
  try {
    if (keeperConnect === undefined) {
      const keeperDir = join(dataDir, 'keeper');
      mkdirSync(keeperDir, { recursive: true });
      keeper = await startKeeper(
        keeperConfig({ dataDir: keeperDir, clientPort: options.keeperPort ?? 0, clientPortAddress: host, tickTime: 2000, '4lw.commands.whitelist': '*' }),
        { logger },
      );
      keeperConnect = `${host}:${keeper.port}`;
    }
    for (let id = 0; id < count; id++) {
      const port = options.port === undefined || options.port === 0 ? 0 : options.port + id;
      const config = new BrokerConfig({
        'broker.id': id,
        listeners: `PLAINTEXT://${host}:${port}`,
        'log.dirs': join(dataDir, `broker-${id}`),
        'zookeeper.connect': keeperConnect,
        // Small defaults suit development; applications' tests start fast.
        'zookeeper.session.timeout.ms': 6000,
        ...options.brokerConfig,
      });
      brokers.push(await Broker.start({ config, logger, processMetrics: options.processMetrics === true && id === 0 }));
    }
  } catch (err) {
    for (const b of brokers.reverse()) await b.stop().catch(() => undefined);
    await keeper?.close().catch(() => undefined);
    if (temporary) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const startupMs = performance.now() - started;
  let stopped = false;
  return {
    bootstrapServers: brokers.map((b) => b.bootstrap).join(','),
    keeperConnect: keeperConnect,
    brokers,
    startupMs,
    dataDir,
    async stop() {
      if (stopped) return;
      stopped = true;
      // With its own keeper every broker of the cluster is stopping: no controlled shutdown, nobody would take over.
      for (const b of [...brokers].reverse()) await b.stop({ controlledShutdown: keeper === null });
      await keeper?.close();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
