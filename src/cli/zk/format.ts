/**
 * zkCli.sh's output formats (ZooKeeper 3.8): StatPrinter, getAcl's ACL lines, the WATCHER::
 * block, KeeperException messages and CliWrapperException's friendlier ones, Java's
 * Date.toString. `gregor zk` prints exactly these so scripts written against zkCli.sh keep working.
 */
import { KeeperError, Perms, ZkErrorCode, type ACL, type Stat } from '../../jute/index.js';
import { InvalidPathError } from '../../keeper/client/connect-string.js';
import type { WatchedEvent } from '../../keeper/client/index.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** The local time zone's short name as Java prints it (UTC when TZ is unset or UTC). */
function zoneName(d: Date): string {
  if (d.getTimezoneOffset() === 0 && (process.env.TZ === undefined || /^(UTC|Etc\/UTC|GMT|:?UTC0?|)$/.test(process.env.TZ))) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? 'UTC';
}

/** java.util.Date#toString: `EEE MMM dd HH:mm:ss zzz yyyy` in the local time zone. */
export function javaDateString(ms: number | bigint): string {
  const d = new Date(Number(ms));
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zoneName(d)} ${d.getFullYear()}`;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

/** StatPrinter.printStat. */
export function formatStat(stat: Stat): string {
  return [
    `cZxid = ${hex(stat.czxid)}`,
    `ctime = ${javaDateString(stat.ctime)}`,
    `mZxid = ${hex(stat.mzxid)}`,
    `mtime = ${javaDateString(stat.mtime)}`,
    `pZxid = ${hex(stat.pzxid)}`,
    `cversion = ${stat.cversion}`,
    `dataVersion = ${stat.version}`,
    `aclVersion = ${stat.aversion}`,
    `ephemeralOwner = ${hex(stat.ephemeralOwner)}`,
    `dataLength = ${stat.dataLength}`,
    `numChildren = ${stat.numChildren}`,
  ].join('\n') + '\n';
}

/** ZKUtil.getPermString: c d r w a. */
export function permString(perms: number): string {
  let s = '';
  if (perms & Perms.CREATE) s += 'c';
  if (perms & Perms.DELETE) s += 'd';
  if (perms & Perms.READ) s += 'r';
  if (perms & Perms.WRITE) s += 'w';
  if (perms & Perms.ADMIN) s += 'a';
  return s;
}

/** getAcl's lines for one ACL entry. */
export function formatAcl(acl: ACL): string {
  return `'${acl.id.scheme},'${acl.id.id}\n: ${permString(acl.perms)}\n`;
}

/**
 * AclParser.parse: `scheme:id:perm[,scheme:id:perm...]`; malformed entries are reported on
 * `warn` and skipped (an empty result then fails as an invalid ACL, as in zkCli).
 */
export function parseAcl(text: string, warn: (line: string) => void): ACL[] {
  const out: ACL[] = [];
  for (const a of text.split(',')) {
    const first = a.indexOf(':');
    const last = a.lastIndexOf(':');
    if (first === -1 || last === -1 || first === last) {
      warn(`${a} does not have the form scheme:id:perm`);
      continue;
    }
    out.push({ perms: parsePerms(a.slice(last + 1), warn), id: { scheme: a.slice(0, first), id: a.slice(first + 1, last) } });
  }
  return out;
}

function parsePerms(text: string, warn: (line: string) => void): number {
  let perms = 0;
  for (const c of text) {
    switch (c) {
      case 'r': perms |= Perms.READ; break;
      case 'w': perms |= Perms.WRITE; break;
      case 'c': perms |= Perms.CREATE; break;
      case 'd': perms |= Perms.DELETE; break;
      case 'a': perms |= Perms.ADMIN; break;
      default: warn(`Unknown perm type: ${c}`);
    }
  }
  return perms;
}

/** The WATCHER:: block ZooKeeperMain's watcher prints for every event. */
export function formatWatchedEvent(e: WatchedEvent): string {
  return `\nWATCHER::\n\nWatchedEvent state:${e.state} type:${e.type} path:${e.path ?? 'null'}\n`;
}

/** KeeperException.Code#getCodeMessage... the text in `KeeperErrorCode = <text>`. */
const codeMessages: Record<number, string> = {
  [ZkErrorCode.OK]: 'ok',
  [ZkErrorCode.SYSTEMERROR]: 'SystemError',
  [ZkErrorCode.RUNTIMEINCONSISTENCY]: 'RuntimeInconsistency',
  [ZkErrorCode.DATAINCONSISTENCY]: 'DataInconsistency',
  [ZkErrorCode.CONNECTIONLOSS]: 'ConnectionLoss',
  [ZkErrorCode.MARSHALLINGERROR]: 'MarshallingError',
  [ZkErrorCode.UNIMPLEMENTED]: 'Unimplemented',
  [ZkErrorCode.OPERATIONTIMEOUT]: 'OperationTimeout',
  [ZkErrorCode.BADARGUMENTS]: 'BadArguments',
  [ZkErrorCode.NEWCONFIGNOQUORUM]: 'NewConfigNoQuorum',
  [ZkErrorCode.RECONFIGINPROGRESS]: 'ReconfigInProgress',
  [ZkErrorCode.UNKNOWNSESSION]: 'Unknown session',
  [ZkErrorCode.APIERROR]: 'APIError',
  [ZkErrorCode.NONODE]: 'NoNode',
  [ZkErrorCode.NOAUTH]: 'NoAuth',
  [ZkErrorCode.BADVERSION]: 'BadVersion',
  [ZkErrorCode.NOCHILDRENFOREPHEMERALS]: 'NoChildrenForEphemerals',
  [ZkErrorCode.NODEEXISTS]: 'NodeExists',
  [ZkErrorCode.NOTEMPTY]: 'Directory not empty',
  [ZkErrorCode.SESSIONEXPIRED]: 'Session expired',
  [ZkErrorCode.INVALIDCALLBACK]: 'Invalid callback',
  [ZkErrorCode.INVALIDACL]: 'InvalidACL',
  [ZkErrorCode.AUTHFAILED]: 'AuthFailed',
  [ZkErrorCode.SESSIONMOVED]: 'Session moved',
  [ZkErrorCode.NOTREADONLY]: 'Not a read-only call',
  [ZkErrorCode.EPHEMERALONLOCALSESSION]: 'Ephemeral node on local session',
  [ZkErrorCode.NOWATCHER]: 'No such watcher',
  [ZkErrorCode.REQUESTTIMEOUT]: 'Request timeout',
  [ZkErrorCode.RECONFIGDISABLED]: 'Reconfig is disabled',
  [ZkErrorCode.SESSIONCLOSEDREQUIRESASLAUTH]: 'Session closed because client failed to authenticate',
  [ZkErrorCode.QUOTAEXCEEDED]: 'Quota has exceeded',
  [ZkErrorCode.THROTTLEDOP]: 'Op throttled due to high load',
};

/** KeeperException#getMessage. */
export function keeperExceptionMessage(code: number, path: string | undefined): string {
  const text = codeMessages[code] ?? `Unknown error ${code}`;
  return path === undefined || path === '' ? `KeeperErrorCode = ${text}` : `KeeperErrorCode = ${text} for ${path}`;
}

/** What zkCli 3.8 prints for a failed command (CliWrapperException). */
export function cliErrorMessage(err: unknown): string {
  if (err instanceof KeeperError) {
    if (err.cause instanceof InvalidPathError) return err.cause.message;
    const path = err.path === '' ? undefined : err.path;
    switch (err.errorCode) {
      case ZkErrorCode.NONODE: return `Node does not exist: ${path}`;
      case ZkErrorCode.NOCHILDRENFOREPHEMERALS: return `Ephemerals cannot have children: ${path}`;
      case ZkErrorCode.NODEEXISTS: return `Node already exists: ${path}`;
      case ZkErrorCode.NOTEMPTY: return `Node not empty: ${path}`;
      case ZkErrorCode.NOTREADONLY: return `Not a read-only call: ${path}`;
      case ZkErrorCode.INVALIDACL: return `Acl is not valid : ${path ?? 'null'}`;
      case ZkErrorCode.NOAUTH: return `Insufficient permission : ${path}`;
      case ZkErrorCode.BADARGUMENTS: return `Arguments are not valid : ${path}`;
      case ZkErrorCode.BADVERSION: return `version No is not valid : ${path}`;
      default: return keeperExceptionMessage(err.errorCode, path);
    }
  }
  if (err instanceof InvalidPathError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
