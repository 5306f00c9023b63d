/**
 * ContainerManager's choice of nodes to delete (pure): containers that have had a child
 * (cversion > 0) and now have none, and TTL nodes with no children whose mtime is older than
 * their TTL. The server submits a deleteContainer request for each, at most
 * `maxPerMinute` per check, every `znode.container.checkIntervalMs`.
 */
import type { DataTree } from './data-tree.js';
import { ttlOf } from './ephemeral-type.js';

export function containerCandidates(tree: DataTree, nowMs: number, limit: number): string[] {
  const out: string[] = [];
  for (const path of tree.containers) {
    if (out.length >= limit) return out;
    const node = tree.getNode(path);
    if (node !== undefined && node.stat.cversion > 0 && node.children.size === 0) out.push(path);
  }
  for (const path of tree.ttls) {
    if (out.length >= limit) return out;
    const node = tree.getNode(path);
    if (node === undefined || node.children.size > 0) continue;
    const ttl = ttlOf(node.stat.ephemeralOwner);
    if (ttl > 0n && BigInt(nowMs) - node.stat.mtime > ttl) out.push(path);
  }
  return out;
}
