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

/** ZooKeeper's PathUtils.validatePath: absolute, no empty / '.' / '..' segments, no trailing '/'. */
export function validatePath(path: string, sequential = false): void {
  if (path.length === 0) throw new InvalidConnectStringError('path must not be empty');
  if (path[0] !== '/') throw new InvalidConnectStringError(`path must start with / character: ${path}`);
  if (path.length === 1) return;
  if (path.endsWith('/') && !sequential) throw new InvalidConnectStringError(`path must not end with / character: ${path}`);
  const segments = path.split('/').slice(1);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '' && !(last && sequential)) throw new InvalidConnectStringError(`empty node name specified: ${path}`);
    if (s === '.' || s === '..') throw new InvalidConnectStringError(`relative paths not allowed: ${path}`);
  }
  if (path.includes('\u0000')) throw new InvalidConnectStringError(`null character not allowed: ${path}`);
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
