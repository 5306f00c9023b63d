/**
 * Keeper configuration by zoo.cfg's names (QuorumPeerConfig), with ZooKeeper's defaults.
 * `parseZooCfg` reads the properties text; system-property style keys (jute.maxbuffer,
 * zookeeper.extendedTypesEnabled, zookeeper.DigestAuthenticationProvider.superDigest) are
 * accepted in the file too, with or without the `zookeeper.` prefix where ZooKeeper allows it.
 */
import { resolve } from 'node:path';
import { DEFAULT_JUTE_MAX_BUFFER_BYTES } from '../jute/runtime.js';
import { GregorError } from '../util/errors.js';

export interface KeeperConfig {
  tickTimeMs: number;
  dataDir: string;
  dataLogDir: string;
  clientPort: number;
  clientPortAddress: string;
  maxClientCnxns: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  snapCount: number;
  preAllocSizeKb: number;
  autopurgeSnapRetainCount: number;
  autopurgePurgeIntervalHours: number;
  fourLetterWordWhitelist: ReadonlySet<string>;
  juteMaxBufferBytes: number;
  extendedTypesEnabled: boolean;
  superDigest: string | undefined;
  containerCheckIntervalMs: number;
  containerMaxPerMinute: number;
  /** globalOutstandingLimit: requests queued in the pipeline before the server stops reading. */
  globalOutstandingLimit: number;
  /** zookeeper.nio.sessionlessCnxnTimeout: how long a connection may stay without a ConnectRequest. */
  sessionlessCnxnTimeoutMs: number;
  /** server.N lines: the ensemble (not implemented yet; the command refuses them). */
  servers: ReadonlyMap<number, string>;
}

export class KeeperConfigError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_KEEPER_CONFIG', message);
  }
}

export const ALL_FOUR_LETTER_WORDS = ['ruok', 'srvr', 'stat', 'mntr', 'conf', 'cons', 'crst', 'dump', 'envi', 'wchs', 'wchc', 'wchp', 'isro', 'dirs'] as const;

export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!.trim());
  }
  return out;
}

function int(props: Map<string, string>, key: string, dflt: number): number {
  const v = props.get(key);
  if (v === undefined || v === '') return dflt;
  if (!/^-?\d+$/.test(v)) throw new KeeperConfigError(`${key}=${v} is not an integer`);
  return Number(v);
}

function bool(v: string | undefined, dflt: boolean): boolean {
  return v === undefined ? dflt : v.trim().toLowerCase() === 'true';
}

export function keeperConfigFrom(input: Map<string, string>, baseDir = '.'): KeeperConfig {
  // ZooKeeper reads many settings as system properties named `zookeeper.<key>` (and zoo.cfg
  // keys it does not know become such properties): accept both spellings.
  const props = new Map(input);
  for (const [k, v] of input) {
    if (k.startsWith('zookeeper.') && !props.has(k.slice('zookeeper.'.length))) props.set(k.slice('zookeeper.'.length), v);
  }
  const dataDirRaw = props.get('dataDir');
  if (dataDirRaw === undefined || dataDirRaw === '') throw new KeeperConfigError('dataDir is not set');
  const tickTimeMs = int(props, 'tickTime', 3000);
  if (tickTimeMs <= 0) throw new KeeperConfigError('tickTime must be > 0');
  const minSessionTimeoutMs = int(props, 'minSessionTimeout', -1) === -1 ? tickTimeMs * 2 : int(props, 'minSessionTimeout', -1);
  const maxSessionTimeoutMs = int(props, 'maxSessionTimeout', -1) === -1 ? tickTimeMs * 20 : int(props, 'maxSessionTimeout', -1);
  if (minSessionTimeoutMs > maxSessionTimeoutMs) throw new KeeperConfigError('minSessionTimeout must not be larger than maxSessionTimeout');
  const wl = (props.get('4lw.commands.whitelist') ?? 'srvr').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const whitelist = new Set<string>(wl.includes('*') ? ALL_FOUR_LETTER_WORDS : wl);
  const servers = new Map<number, string>();
  for (const [k, v] of props) {
    const m = /^server\.(\d+)$/.exec(k);
    if (m) servers.set(Number(m[1]), v);
  }
  const dataDir = resolve(baseDir, dataDirRaw);
  const dataLogDirRaw = props.get('dataLogDir');
  const clientPort = int(props, 'clientPort', 2181);
  if (clientPort < 0 || clientPort > 65535) throw new KeeperConfigError(`clientPort ${clientPort} out of range`);
  return {
    tickTimeMs,
    dataDir,
    dataLogDir: dataLogDirRaw !== undefined && dataLogDirRaw !== '' ? resolve(baseDir, dataLogDirRaw) : dataDir,
    clientPort,
    clientPortAddress: props.get('clientPortAddress') ?? '0.0.0.0',
    maxClientCnxns: int(props, 'maxClientCnxns', 60),
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    snapCount: Math.max(2, int(props, 'snapCount', 100000)),
    preAllocSizeKb: int(props, 'preAllocSize', 65536),
    autopurgeSnapRetainCount: Math.max(3, int(props, 'autopurge.snapRetainCount', 3)),
    autopurgePurgeIntervalHours: int(props, 'autopurge.purgeInterval', 0),
    fourLetterWordWhitelist: whitelist,
    juteMaxBufferBytes: int(props, 'jute.maxbuffer', DEFAULT_JUTE_MAX_BUFFER_BYTES),
    extendedTypesEnabled: bool(props.get('extendedTypesEnabled'), false),
    superDigest: props.get('DigestAuthenticationProvider.superDigest'),
    containerCheckIntervalMs: int(props, 'znode.container.checkIntervalMs', 60000),
    containerMaxPerMinute: int(props, 'znode.container.maxPerMinute', 10000),
    globalOutstandingLimit: Math.max(1, int(props, 'globalOutstandingLimit', 1000)),
    sessionlessCnxnTimeoutMs: Math.max(1, int(props, 'nio.sessionlessCnxnTimeout', 10000)),
    servers,
  };
}

export function parseZooCfg(text: string, baseDir = '.'): KeeperConfig {
  return keeperConfigFrom(parseProperties(text), baseDir);
}

/** Config for embedded use and tests: zoo.cfg keys as an object. */
export function keeperConfig(values: Record<string, string | number | boolean>): KeeperConfig {
  return keeperConfigFrom(new Map(Object.entries(values).map(([k, v]) => [k, String(v)])));
}
