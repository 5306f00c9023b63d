/**
 * `gregor dev`: a keeper and a broker in one process with data under ./data — Kafka for
 * development in one command. Prints the bootstrap and zookeeper addresses, stops cleanly on
 * Ctrl-C / SIGTERM and starts again from its data.
 */
import { parseArgs } from 'node:util';
import { startCluster } from '../../broker/embedded-cluster.js';
import { startMetricsServer, type MetricsServer } from '../../console/metrics-server.js';
import { createLogger } from '../../util/logger.js';

const HELP = `Usage: gregor dev [options]

Runs a keeper (ZooKeeper-compatible) and a Kafka-compatible broker in one process.

Options:
  --data-dir DIR      where keeper and broker data live (default ./data)
  --port N            the first broker's port (default 9092; broker i uses N+i)
  --keeper-port N     the keeper's client port (default 2181)
  --brokers N         number of brokers (default 1; topics may use a replication factor up
                      to N: followers replicate from leaders, as in Kafka)
  --host HOST         address to listen on and advertise (default localhost)
  --http-port N       serve Prometheus metrics at http://HOST:N/metrics (default: off)
  --partitions N      num.partitions for auto-created topics (default 1)
  -h, --help          this help

Logs (JSON, pino) go to stdout at level warn; set GREGOR_LOG_LEVEL=info (or debug) for more.

Examples:
  gregor dev
  gregor dev --data-dir /tmp/kafka --port 19092 --keeper-port 12181 --http-port 8080
  kcat -b localhost:9092 -L`;

function intFlag(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--${name} must be a number from 0 to 65535, got '${v}'`);
  return Number(v);
}

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string' },
      'keeper-port': { type: 'string' },
      brokers: { type: 'string' },
      host: { type: 'string' },
      'http-port': { type: 'string' },
      partitions: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  const brokers = intFlag(values.brokers, 'brokers', 1);
  if (brokers < 1) throw new Error('--brokers must be at least 1');
  const host = values.host ?? 'localhost';
  // Quiet by default so the addresses stand out; GREGOR_LOG_LEVEL=info shows the servers' logs.
  const logger = createLogger({ name: 'gregor-dev', level: process.env.GREGOR_LOG_LEVEL ?? 'warn' });
  const cluster = await startCluster({
    brokers,
    dataDir: values['data-dir'] ?? './data',
    host,
    port: intFlag(values.port, 'port', 9092),
    keeperPort: intFlag(values['keeper-port'], 'keeper-port', 2181),
    // As Kafka's sample server.properties (development settings): __consumer_offsets with one replica,
    // and no initial rebalance delay (a console consumer's first join need not wait 3 s).
    brokerConfig: { 'offsets.topic.replication.factor': 1, 'group.initial.rebalance.delay.ms': 0, ...(values.partitions !== undefined ? { 'num.partitions': intFlag(values.partitions, 'partitions', 1) } : {}) },
    logger,
    processMetrics: values['http-port'] !== undefined,
  });
  let metrics: MetricsServer | null = null;
  if (values['http-port'] !== undefined) {
    metrics = await startMetricsServer({ host: host === 'localhost' ? '127.0.0.1' : host, port: intFlag(values['http-port'], 'http-port', 0), sources: cluster.brokers.map((b) => b.metrics) });
  }
  console.log(`gregor dev is running (started in ${Math.round(cluster.startupMs)} ms)`);
  console.log(`  bootstrap.servers  ${cluster.bootstrapServers}`);
  console.log(`  zookeeper.connect  ${cluster.keeperConnect}`);
  console.log(`  data               ${cluster.dataDir}`);
  if (metrics !== null) console.log(`  metrics            ${metrics.url}`);
  console.log('Press Ctrl-C to stop.');

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      console.log(`\n${signal}: stopping...`);
      const done = async (): Promise<void> => {
        await metrics?.close();
        await cluster.stop();
      };
      done().then(
        () => {
          console.log('stopped.');
          resolve();
        },
        (err: unknown) => {
          console.error(`stopping failed: ${String(err)}`);
          resolve();
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
