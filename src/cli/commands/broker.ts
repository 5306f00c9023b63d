/**
 * `gregor broker --config server.properties`: one broker with Kafka's configuration keys,
 * against the keeper or a real ZooKeeper (`zookeeper.connect`). Like kafka-server-start.sh,
 * `--override key=value` sets single keys.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Broker } from '../../broker/broker.js';
import { brokerConfigFromProperties } from '../../broker/config/broker-config.js';
import { startMetricsServer, type MetricsServer } from '../../console/metrics-server.js';
import { createLogger } from '../../util/logger.js';

const HELP = `Usage: gregor broker --config server.properties [--override key=value ...] [--http-port N]

Runs one Kafka-compatible broker. The configuration uses Kafka's server.properties keys
(broker.id, listeners, advertised.listeners, log.dirs, zookeeper.connect, num.partitions,
default.replication.factor, min.insync.replicas, log.retention.hours, ...).

Options:
  --config FILE        server.properties
  --override K=V       set one key (repeatable), as kafka-server-start.sh --override
  --http-port N        serve Prometheus metrics at /metrics on this port
  -h, --help           this help

Examples:
  gregor broker --config config/server.properties
  gregor broker --config server.properties --override broker.id=2 --override listeners=PLAINTEXT://:9094`;

export async function run(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      config: { type: 'string', short: 'c' },
      override: { type: 'string', multiple: true },
      'http-port': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(HELP);
    return 0;
  }
  if (values.config === undefined) {
    console.error('gregor broker: --config server.properties is required\n');
    console.error(HELP);
    return 1;
  }
  const overrides: Record<string, string> = {};
  for (const o of values.override ?? []) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new Error(`--override expects key=value, got '${o}'`);
    overrides[o.slice(0, eq)] = o.slice(eq + 1);
  }
  const config = brokerConfigFromProperties(readFileSync(values.config, 'utf8'), overrides);
  const logger = createLogger({ name: 'gregor-broker' });
  const broker = await Broker.start({ config, logger, processMetrics: true });
  let metrics: MetricsServer | null = null;
  if (values['http-port'] !== undefined) metrics = await startMetricsServer({ port: Number(values['http-port']), sources: [broker.metrics] });
  console.log(`broker ${broker.brokerId} is running: bootstrap.servers ${broker.bootstrap}${metrics !== null ? `, metrics ${metrics.url}` : ''}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void (async () => {
        await metrics?.close();
        await broker.stop();
        resolve();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
