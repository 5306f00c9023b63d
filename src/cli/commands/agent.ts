/**
 * `gregor agent --conf-file agent.conf --name a1`: a Flume agent (flume-ng agent's options:
 * --conf-file/-f, --name/-n, --conf/-c, -Dflume.monitoring.type=http -Dflume.monitoring.port=P),
 * running the sources, channels and sinks configured for that agent name in Flume's
 * properties format. SIGTERM / SIGINT stop it (sources first, then sinks, then channels).
 */
import { AgentConfigErrors } from '../../agent/errors.js';
import { fileConfigSource, keeperConfigSource, type ConfigSource } from '../../agent/runtime/config-source.js';
import { AgentSupervisor } from '../../agent/runtime/supervisor.js';
import { rootLogger } from '../../util/logger.js';

const HELP = `Usage: gregor agent --conf-file <file> --name <agent> [options]
       gregor agent --zkConnString <host:port,...> [--zkBasePath /flume] --name <agent> [options]

Runs a Flume-compatible agent: sources (TAILDIR, exec, netcat, spooldir) -> channels
(memory, file) -> sinks (Kafka, logger, null), configured in Flume's properties format.

Options:
  -f, --conf-file <file>      the agent configuration (Flume properties)
  -n, --name <agent>          the agent's name: the prefix of its keys (a1.sources = r1)
  -z, --zkConnString <hosts>  read the configuration from the keeper / ZooKeeper instead: the
                              data of znode <zkBasePath>/<agent>, watched for changes
  -p, --zkBasePath <path>     base path of agent configurations (default /flume)
  -c, --conf <dir>            accepted for flume-ng compatibility (flume-env.sh / log4j are not read)
  --monitoring-port <port>    serve Flume's JSON counters at http://HOST:PORT/metrics
  --monitoring-host <host>    address for the monitoring server (default 127.0.0.1)
  -Dflume.monitoring.type=http -Dflume.monitoring.port=<port>
                              the same, in flume-ng's spelling
  --no-reload-conf            do not reload the configuration file when it changes
                              (by default it is checked every 30 s, as flume-ng)
  -h, --help                  this text

Example configuration (agent.conf):
  a1.sources = r1
  a1.channels = c1
  a1.sinks = k1
  a1.sources.r1.type = TAILDIR
  a1.sources.r1.filegroups = f1
  a1.sources.r1.filegroups.f1 = /var/log/app/.*\\.log
  a1.sources.r1.positionFile = /var/lib/gregor-agent/taildir_position.json
  a1.sources.r1.channels = c1
  a1.channels.c1.type = file
  a1.channels.c1.checkpointDir = /var/lib/gregor-agent/checkpoint
  a1.channels.c1.dataDirs = /var/lib/gregor-agent/data
  a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink
  a1.sinks.k1.kafka.bootstrap.servers = localhost:9092
  a1.sinks.k1.kafka.topic = app-logs
  a1.sinks.k1.channel = c1

Examples:
  gregor agent --conf-file agent.conf --name a1
  gregor agent -f agent.conf -n a1 --monitoring-port 34545 && curl localhost:34545/metrics
  gregor agent -c conf -f conf/flume.conf -n a1 -Dflume.monitoring.type=http -Dflume.monitoring.port=34545
  gregor agent -z localhost:2181 -p /flume -n a1      # configuration = data of znode /flume/a1`;

/** flume-ng's PollingPropertiesFileConfigurationProvider interval. */
const RELOAD_INTERVAL_MS = 30_000;

interface AgentArgs {
  confFile?: string;
  name?: string;
  monitoringPort?: number;
  monitoringHost?: string;
  reload: boolean;
  zkConnString?: string;
  zkBasePath: string;
}

const isPort = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;

function parseArgs(args: string[]): AgentArgs | string {
  const out: AgentArgs = { reload: true, zkBasePath: '/flume' };
  const sys = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let inline: string | undefined;
    if (a.startsWith('-D')) {
      const eq = a.indexOf('=');
      if (eq > 2) sys.set(a.slice(2, eq), a.slice(eq + 1));
      continue;
    }
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      inline = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const value = (): string | undefined => inline ?? args[++i];
    switch (a) {
      case '-f': case '--conf-file': out.confFile = value(); break;
      case '-n': case '--name': out.name = value(); break;
      case '-z': case '--zkConnString': out.zkConnString = value(); break;
      case '-p': case '--zkBasePath': out.zkBasePath = value() ?? '/flume'; break;
      case '-c': case '--conf': value(); break;
      case '--monitoring-host': out.monitoringHost = value(); break;
      case '--monitoring-port': {
        const v = value();
        const n = Number(v);
        if (v === undefined || !isPort(n)) return `--monitoring-port: '${v ?? ''}' is not a port`;
        out.monitoringPort = n;
        break;
      }
      case '--no-reload-conf': out.reload = false; break;
      default: return `unknown argument '${a}'`;
    }
  }
  const type = sys.get('flume.monitoring.type');
  if (type !== undefined) {
    if (type.toLowerCase() !== 'http') return `-Dflume.monitoring.type=${type}: only http is supported`;
    const n = Number(sys.get('flume.monitoring.port') ?? '41414');
    if (!isPort(n)) return `-Dflume.monitoring.port: '${sys.get('flume.monitoring.port')}' is not a port`;
    out.monitoringPort ??= n;
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const parsed = parseArgs(args);
  if (typeof parsed === 'string') {
    console.error(`gregor agent: ${parsed}\n\n${HELP}`);
    return 1;
  }
  if ((parsed.confFile === undefined && parsed.zkConnString === undefined) || parsed.name === undefined) {
    console.error(`gregor agent: --name and one of --conf-file or --zkConnString are required\n\n${HELP}`);
    return 1;
  }
  const source: ConfigSource = parsed.zkConnString !== undefined
    ? keeperConfigSource(parsed.zkConnString, parsed.zkBasePath, parsed.name)
    : fileConfigSource(parsed.confFile!, parsed.reload ? RELOAD_INTERVAL_MS : null);
  let supervisor: AgentSupervisor;
  try {
    const options = { monitoringPort: parsed.monitoringPort, monitoringHost: parsed.monitoringHost, logger: rootLogger };
    supervisor = await AgentSupervisor.create(source, parsed.name, options);
  } catch (err) {
    await source.close().catch(() => undefined);
    if (err instanceof AgentConfigErrors) {
      console.error(`gregor agent: ${err.message}`);
      return 1;
    }
    console.error(`gregor agent: cannot read the configuration (${source.description}): ${(err as Error).message}`);
    return 1;
  }
  await supervisor.start();
  const port = supervisor.agent.monitoringPort;
  const monitoring = port === undefined ? '' : ` (monitoring: http://${parsed.monitoringHost ?? '127.0.0.1'}:${port}/metrics)`;
  console.log(`Agent ${parsed.name} started${monitoring}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string): void => {
      if (stopping) return;
      stopping = true;
      rootLogger.info({ reason }, 'agent shutting down');
      void supervisor.stop().then(() => resolve(0), (err: unknown) => {
        rootLogger.error({ err }, 'agent stop failed');
        resolve(1);
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
