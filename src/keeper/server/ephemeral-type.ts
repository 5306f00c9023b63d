/**
 * ZooKeeper's EphemeralType: what a node's `ephemeralOwner` encodes.
 *   0                        persistent (VOID)
 *   0x8000000000000000       container (Long.MIN_VALUE)
 *   0xFF00_0000_0000_0000|ttl  TTL node (only when zookeeper.extendedTypesEnabled): the top
 *                           byte 0xff marks an extended type, the next two bytes are the
 *                           extended type (0x0000 = TTL), the low 40 bits the TTL in ms
 *   anything else            ephemeral, owned by that session id
 */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
const EXTENDED_MASK = -0x100000000000000n; // 0xff00000000000000 as a signed int64
const EXTENDED_TYPE_MASK = 0x00ffff0000000000n;
/** The largest TTL ZooKeeper accepts: 40 bits of milliseconds. */
export const MAX_TTL_MS = 0xffffffffffn;

export type EphemeralKind = 'void' | 'ephemeral' | 'container' | 'ttl';

export function ephemeralKind(owner: bigint, extendedTypesEnabled: boolean): EphemeralKind {
  if (owner === 0n) return 'void';
  if (owner === CONTAINER_EPHEMERAL_OWNER) return 'container';
  if (extendedTypesEnabled && (owner & EXTENDED_MASK) === EXTENDED_MASK && (owner & EXTENDED_TYPE_MASK) === 0n) return 'ttl';
  return 'ephemeral';
}

export function ttlToEphemeralOwner(ttlMs: bigint): bigint {
  if (ttlMs <= 0n || ttlMs > MAX_TTL_MS) throw new RangeError(`ttl ${ttlMs} out of range`);
  return EXTENDED_MASK | ttlMs;
}

export function ttlOf(owner: bigint): bigint {
  return owner & MAX_TTL_MS;
}
