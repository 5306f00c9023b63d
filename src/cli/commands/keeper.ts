/**
 * `gregor keeper --config zoo.cfg`: a standalone ZooKeeper-compatible server configured by
 * zoo.cfg keys (tickTime, dataDir, dataLogDir, clientPort, clientPortAddress, maxClientCnxns,
 * minSessionTimeout, maxSessionTimeout, snapCount, preAllocSize, autopurge.*,
 * 4lw.commands.whitelist, jute.maxbuffer, zookeeper.extendedTypesEnabled, ...).
 * Ensemble mode (server.N lines) is not implemented yet and is refused.
 */
import { readFileSync } from 'node:fs';
import { keeperConfigFrom, parseProperties } from '../../keeper/config.js';
import { startKeeper } from '../../keeper/index.js';
import { rootLogger } from '../../util/logger.js';

const HELP = `Usage: gregor keeper --config <zoo.cfg>

Runs a standalone keeper (a ZooKeeper-compatible server) configured by zoo.cfg.

Options:
  --config <file>   zoo.cfg (properties: tickTime, dataDir, clientPort, ...)
  -D<key>=<value>   a system property as ZooKeeper takes them (jute.maxbuffer,
                    zookeeper.extendedTypesEnabled, zookeeper.DigestAuthenticationProvider.superDigest);
                    overrides zoo.cfg. SERVER_JVMFLAGS / JVMFLAGS -D flags are read too.
  --help            this text

Examples:
  gregor keeper --config conf/zoo.cfg
  gregor keeper --config conf/zoo.cfg -Djute.maxbuffer=4194304 -Dzookeeper.extendedTypesEnabled=true
  printf 'tickTime=2000\\ndataDir=./data/keeper\\nclientPort=2181\\n4lw.commands.whitelist=*\\n' > zoo.cfg && gregor keeper --config zoo.cfg
`;

export async function run(args: string[]): Promise<number> {
  let configPath: string | undefined;
  const systemProperties = new Map<string, string>();
  const envFlags = `${process.env.JVMFLAGS ?? ''} ${process.env.SERVER_JVMFLAGS ?? ''}`.split(/\s+/).filter((f) => f.startsWith('-D'));
  for (const a of [...envFlags, ...args.filter((x) => x.startsWith('-D'))]) {
    const eq = a.indexOf('=');
    if (eq > 2) systemProperties.set(a.slice(2, eq), a.slice(eq + 1));
  }
  args = args.filter((x) => !x.startsWith('-D'));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--help' || a === '-h') {
      console.log(HELP);
      return 0;
    }
    if (a === '--config') configPath = args[++i];
    else if (a.startsWith('--config=')) configPath = a.slice('--config='.length);
    else if (configPath === undefined && !a.startsWith('-')) configPath = a;
    else {
      console.error(`gregor keeper: unknown argument ${a}\n\n${HELP}`);
      return 1;
    }
  }
  if (configPath === undefined) {
    console.error(`gregor keeper: --config is required\n\n${HELP}`);
    return 1;
  }
  const props = parseProperties(readFileSync(configPath, 'utf8'));
  for (const [k, v] of systemProperties) props.set(k, v);
  // Relative dataDir/dataLogDir are relative to the working directory, as in ZooKeeper.
  const config = keeperConfigFrom(props, process.cwd());
  if (config.servers.size > 0) {
    console.error(`gregor keeper: ${configPath} lists ${config.servers.size} server.N entries: ensemble (quorum) mode is not implemented yet; remove them to run standalone`);
    return 2;
  }
  const log = rootLogger.child({ component: 'keeper' });
  let onFatal: () => void = () => undefined;
  const keeper = await startKeeper(config, { logger: rootLogger, onFatal: () => onFatal() });
  log.info({ port: keeper.port, dataDir: config.dataDir }, `keeper listening on ${config.clientPortAddress}:${keeper.port}`);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string, code: number): void => {
      if (stopping) return;
      stopping = true;
      log.info({ reason }, 'keeper shutting down');
      void keeper.close().then(() => resolve(code));
    };
    onFatal = () => stop('txn log failure', 1);
    process.once('SIGINT', () => stop('SIGINT', 0));
    process.once('SIGTERM', () => stop('SIGTERM', 0));
  });
}
