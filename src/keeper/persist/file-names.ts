/**
 * ZooKeeper's file names in `<dataDir>/version-2`: `log.<zxid>` (zxid of the first txn) and
 * `snapshot.<zxid>` (last zxid applied to the tree when the snapshot began), the zxid in
 * lower-case hex without padding (Long.toHexString).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export const VERSION_DIR = 'version-2';

export function versionDir(dir: string): string {
  return join(dir, VERSION_DIR);
}

export function zxidHex(zxid: bigint): string {
  return BigInt.asUintN(64, zxid).toString(16);
}

export function makeLogName(zxid: bigint): string {
  return `log.${zxidHex(zxid)}`;
}

export function makeSnapshotName(zxid: bigint): string {
  return `snapshot.${zxidHex(zxid)}`;
}

/** Files `<prefix>.<hex>` in `dir`, sorted by zxid ascending. */
export function listByZxid(dir: string, prefix: 'log' | 'snapshot'): Array<{ name: string; zxid: bigint }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Array<{ name: string; zxid: bigint }> = [];
  for (const name of names) {
    // Snapshots may carry the suffix of zookeeper.snapshot.compression.method (.gz, .snappy).
    const m = new RegExp(`^${prefix}\\.([0-9a-fA-F]{1,16})${prefix === 'snapshot' ? '(\\.gz|\\.snappy)?' : ''}$`).exec(name);
    if (m) out.push({ name, zxid: BigInt.asIntN(64, BigInt(`0x${m[1]}`)) });
  }
  return out.sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
}
