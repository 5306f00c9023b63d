/**
 * ACLs as ZooKeeper checks them (PrepRequestProcessor.checkACL / fixupACL and the
 * world, auth, digest and ip AuthenticationProviders).
 *
 * An authenticated identity is an `Id` (scheme, id). A digest identity is
 * `user:base64(sha1("user:password"))`; an ip identity is the client address, matched against
 * an ACL id that is an address or a CIDR block. The `super` scheme passes every check.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Perms, ZkErrorCode } from '../../jute/constants.js';
import { KeeperError } from '../../jute/errors.js';
import type { ACL, Id } from '../../jute/generated/records.js';

export const OPEN_ACL_UNSAFE: readonly ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];
export const READ_ACL_UNSAFE: readonly ACL[] = [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }];

/** DigestAuthenticationProvider.generateDigest: "user:password" -> "user:base64(sha1(user:password))". */
export function generateDigest(idPassword: string): string {
  const colon = idPassword.indexOf(':');
  const user = colon < 0 ? idPassword : idPassword.slice(0, colon);
  const hash = createHash('sha1').update(idPassword, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

/** The identities a digest `auth` packet adds: the digest id, plus `super` when it matches superDigest. */
export function digestAuthIds(auth: Buffer, superDigest: string | undefined): Id[] {
  const digest = generateDigest(auth.toString('utf8'));
  const ids: Id[] = [{ scheme: 'digest', id: digest }];
  if (superDigest !== undefined && superDigest === digest) ids.push({ scheme: 'super', id: '' });
  return ids;
}

function ipToBytes(ip: string): Buffer | null {
  const v = isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped) return ipToBytes(mapped[1]!);
    const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
    const b = Buffer.alloc(16);
    groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
    return b;
  }
  return null;
}

/** IPAuthenticationProvider.matches: `aclExpr` is an address or address/bits. */
export function ipMatches(clientIp: string, aclExpr: string): boolean {
  const slash = aclExpr.indexOf('/');
  const addr = ipToBytes(slash < 0 ? aclExpr : aclExpr.slice(0, slash));
  const client = ipToBytes(clientIp);
  if (addr === null || client === null || addr.length !== client.length) return false;
  const bits = slash < 0 ? addr.length * 8 : Number(aclExpr.slice(slash + 1));
  if (!Number.isInteger(bits) || bits < 0 || bits > addr.length * 8) return false;
  for (let i = 0; i < addr.length; i++) {
    const maskBits = Math.max(0, Math.min(8, bits - i * 8));
    const mask = maskBits === 0 ? 0 : (0xff << (8 - maskBits)) & 0xff;
    if ((addr[i]! & mask) !== (client[i]! & mask)) return false;
  }
  return true;
}

function idMatches(authId: Id, aclId: Id): boolean {
  if (authId.scheme !== aclId.scheme) return false;
  if (aclId.scheme === 'ip') return ipMatches(authId.id, aclId.id);
  return authId.id === aclId.id;
}

/** True when `authInfo` grants `perm` on a node with `acl` (checkACL). */
export function aclAllows(acl: readonly ACL[], authInfo: readonly Id[], perm: number): boolean {
  if (acl.length === 0) return true;
  if (authInfo.some((id) => id.scheme === 'super')) return true;
  for (const a of acl) {
    if ((a.perms & perm) === 0) continue;
    if (a.id.scheme === 'world' && a.id.id === 'anyone') return true;
    if (authInfo.some((id) => idMatches(id, a.id))) return true;
  }
  return false;
}

export function checkACL(acl: readonly ACL[], authInfo: readonly Id[], perm: number, path: string): void {
  if (!aclAllows(acl, authInfo, perm)) throw new KeeperError(ZkErrorCode.NOAUTH, path);
}

function validId(id: Id): boolean {
  switch (id.scheme) {
    case 'world':
      return id.id === 'anyone';
    case 'digest':
      return id.id.split(':').length === 2;
    case 'ip': {
      const slash = id.id.indexOf('/');
      return ipToBytes(slash < 0 ? id.id : id.id.slice(0, slash)) !== null;
    }
    case 'super':
      return true;
    default:
      return false;
  }
}

/**
 * fixupACL: validates the ACL a client sends with create/setACL, expands `auth` entries into
 * the session's authenticated (digest/super) identities and drops duplicates. INVALIDACL on an
 * empty list, an unknown scheme, a malformed id, or `auth` with no authenticated identity.
 */
export function fixupACL(path: string, authInfo: readonly Id[], acl: readonly ACL[]): ACL[] {
  if (acl.length === 0) throw new KeeperError(ZkErrorCode.INVALIDACL, path);
  const out: ACL[] = [];
  const seen = new Set<string>();
  const push = (a: ACL): void => {
    const key = `${a.perms}|${a.id.scheme}|${a.id.id}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(a);
    }
  };
  for (const a of acl) {
    if (a.id.scheme === 'auth') {
      const authed = authInfo.filter((id) => id.scheme === 'digest' || id.scheme === 'super');
      if (authed.length === 0) throw new KeeperError(ZkErrorCode.INVALIDACL, path);
      for (const id of authed) push({ perms: a.perms, id: { scheme: id.scheme, id: id.id } });
    } else {
      if (!validId(a.id)) throw new KeeperError(ZkErrorCode.INVALIDACL, path);
      push({ perms: a.perms, id: { scheme: a.id.scheme, id: a.id.id } });
    }
  }
  return out;
}

/**
 * ReferenceCountedACLCache: nodes keep a long index into this table; snapshots store the
 * table (index -> ACL list) and the index per node. Index -1 means OPEN_ACL_UNSAFE.
 */
export class ACLCache {
  static readonly OPEN_UNSAFE_ACL_ID = -1n;
  private readonly byIndex = new Map<bigint, { acl: ACL[]; refs: number }>();
  private readonly byKey = new Map<string, bigint>();
  private lastIndex = 0n;

  private static key(acl: readonly ACL[]): string {
    return acl.map((a) => `${a.perms}|${a.id.scheme}|${a.id.id}`).join('\n');
  }

  /** The index for `acl`, adding a reference. */
  convertAcls(acl: readonly ACL[]): bigint {
    const key = ACLCache.key(acl);
    let index = this.byKey.get(key);
    if (index === undefined) {
      index = ++this.lastIndex;
      this.byKey.set(key, index);
      this.byIndex.set(index, { acl: acl.map((a) => ({ perms: a.perms, id: { ...a.id } })), refs: 0 });
    }
    this.byIndex.get(index)!.refs++;
    return index;
  }

  convertLong(index: bigint): readonly ACL[] {
    if (index === ACLCache.OPEN_UNSAFE_ACL_ID) return OPEN_ACL_UNSAFE;
    const e = this.byIndex.get(index);
    if (e === undefined) throw new Error(`no ACL for index ${index}`);
    return e.acl;
  }

  addUsage(index: bigint): void {
    if (index === ACLCache.OPEN_UNSAFE_ACL_ID) return;
    const e = this.byIndex.get(index);
    if (e !== undefined) e.refs++;
  }

  removeUsage(index: bigint): void {
    if (index === ACLCache.OPEN_UNSAFE_ACL_ID) return;
    const e = this.byIndex.get(index);
    if (e === undefined) return;
    if (--e.refs <= 0) {
      this.byIndex.delete(index);
      this.byKey.delete(ACLCache.key(e.acl));
    }
  }

  /** Loading a snapshot: the table as written, usages counted afterwards by addUsage. */
  load(index: bigint, acl: ACL[]): void {
    this.byIndex.set(index, { acl, refs: 0 });
    this.byKey.set(ACLCache.key(acl), index);
    if (index > this.lastIndex) this.lastIndex = index;
  }

  /** Drops entries no node uses (after a snapshot load). */
  purgeUnused(): void {
    for (const [index, e] of this.byIndex) {
      if (e.refs <= 0) {
        this.byIndex.delete(index);
        this.byKey.delete(ACLCache.key(e.acl));
      }
    }
  }

  entries(): Array<[bigint, readonly ACL[]]> {
    return [...this.byIndex].map(([i, e]) => [i, e.acl]);
  }

  get size(): number {
    return this.byIndex.size;
  }
}
