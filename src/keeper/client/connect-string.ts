/**
 * ZooKeeper connect strings: `host:port[,host:port...][/chroot]` (ConnectStringParser in the
 * Java client). A missing port means 2181; the chroot, when present, is prefixed to every path
 * the client sends and stripped from every path it receives.
 */
import { GregorError } from '../../util/errors.js';

export interface ServerAddress {
  host: string;
  port: number;
}

export interface ConnectString {
  servers: ServerAddress[];
  /** '' when absent; otherwise an absolute path without a trailing slash. */
  chroot: string;
}

export const DEFAULT_CLIENT_PORT = 2181;

export class InvalidConnectStringError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_ZK_CONNECT_STRING', message);
  }
}

export function parseConnectString(text: string): ConnectString {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const hosts = slash === -1 ? trimmed : trimmed.slice(0, slash);
  let chroot = slash === -1 ? '' : trimmed.slice(slash);
  if (chroot === '/') chroot = '';
  if (chroot !== '') validatePath(chroot);
  const servers: ServerAddress[] = [];
  for (const part of hosts.split(',')) {
    const entry = part.trim();
    if (entry === '') continue;
    servers.push(parseHostPort(entry));
  }
  if (servers.length === 0) throw new InvalidConnectStringError(`no servers in connect string '${text}'`);
  return { servers, chroot };
}

function parseHostPort(entry: string): ServerAddress {
  // [ipv6]:port, host:port, host
  let host: string;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close === -1) throw new InvalidConnectStringError(`bad IPv6 address '${entry}'`);
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    portText = rest.startsWith(':') ? rest.slice(1) : undefined;
  } else {
    const colon = entry.lastIndexOf(':');
    host = colon === -1 ? entry : entry.slice(0, colon);
    portText = colon === -1 ? undefined : entry.slice(colon + 1);
  }
  const port = portText === undefined ? DEFAULT_CLIENT_PORT : Number(portText);
  if (host === '' || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new InvalidConnectStringError(`bad server address '${entry}'`);
  }
  return { host, port };
}

/** A path ZooKeeper's PathUtils would refuse; the message is PathUtils' own. */
export class InvalidPathError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_ZK_PATH', message);
  }
}

/** ZooKeeper's PathUtils.validatePath, with its messages. */
export function validatePath(path: string, sequential = false): void {
  if (path.length === 0) throw new InvalidPathError('Path length must be > 0');
  if (path[0] !== '/') throw new InvalidPathError('Path must start with / character');
  if (path.length === 1) return;
  if (path.endsWith('/') && !sequential) throw new InvalidPathError('Path must not end with / character');
  let last = '/';
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    const code = path.charCodeAt(i);
    if (code === 0) throw new InvalidPathError(`null character not allowed @${i}`);
    if (c === '/' && last === '/') throw new InvalidPathError(`empty node name specified @${i}`);
    if (c === '.' && last === '.') {
      if (path[i - 2] === '/' && (i + 1 === path.length || path[i + 1] === '/')) throw new InvalidPathError(`relative paths not allowed @${i}`);
    } else if (c === '.') {
      if (path[i - 1] === '/' && (i + 1 === path.length || path[i + 1] === '/')) throw new InvalidPathError(`relative paths not allowed @${i}`);
    } else if ((code > 0x0000 && code <= 0x001f) || (code >= 0x007f && code <= 0x009f) || (code >= 0xd800 && code <= 0xf8ff) || (code >= 0xfff0 && code <= 0xffff)) {
      throw new InvalidPathError(`invalid character @${i}`);
    }
    last = c;
  }
}

/** Server path for a client path under `chroot`. */
export function prependChroot(chroot: string, clientPath: string): string {
  if (chroot === '') return clientPath;
  return clientPath === '/' ? chroot : chroot + clientPath;
}

/** Client path for a server path, or the server path unchanged if it is outside the chroot. */
export function stripChroot(chroot: string, serverPath: string): string {
  if (chroot === '') return serverPath;
  if (serverPath === chroot) return '/';
  if (serverPath.startsWith(chroot + '/')) return serverPath.slice(chroot.length);
  return serverPath;
}
