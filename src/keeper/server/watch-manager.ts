/**
 * WatchManager: which watcher (a client connection) watches which path, and in which mode.
 * ZooKeeper keeps two of these in the DataTree, one for data/exist watches and one for child
 * watches; a persistent or persistent-recursive watch (addWatch) is registered in both.
 *
 * Triggering (WatchManager.triggerWatch): standard watches on exactly the path fire once and
 * are removed; persistent watches on the path fire and stay; persistent-recursive watches on
 * the path or any ancestor fire and stay, except for NodeChildrenChanged, which recursive
 * watches never receive. Each watcher gets at most one event per trigger.
 */
import { EventType } from '../../jute/constants.js';
import { selfAndAncestors } from './path-utils.js';

export type WatcherId = number;

export const WatchMode = {
  standard: 1,
  persistent: 2,
  persistentRecursive: 4,
} as const;
export type WatchMode = (typeof WatchMode)[keyof typeof WatchMode];

export class WatchManager {
  /** path -> watcher -> mode bits */
  private readonly table = new Map<string, Map<WatcherId, number>>();
  private readonly byWatcher = new Map<WatcherId, Set<string>>();
  private recursiveCount = 0;

  addWatch(path: string, watcher: WatcherId, mode: WatchMode): void {
    let watchers = this.table.get(path);
    if (watchers === undefined) {
      watchers = new Map();
      this.table.set(path, watchers);
    }
    const bits = watchers.get(watcher) ?? 0;
    if ((bits & mode) === 0 && mode === WatchMode.persistentRecursive) this.recursiveCount++;
    watchers.set(watcher, bits | mode);
    let paths = this.byWatcher.get(watcher);
    if (paths === undefined) {
      paths = new Set();
      this.byWatcher.set(watcher, paths);
    }
    paths.add(path);
  }

  private clearBits(path: string, watcher: WatcherId, mask: number): boolean {
    const watchers = this.table.get(path);
    const bits = watchers?.get(watcher);
    if (watchers === undefined || bits === undefined || (bits & mask) === 0) return false;
    if ((bits & mask & WatchMode.persistentRecursive) !== 0) this.recursiveCount--;
    const left = bits & ~mask;
    if (left === 0) {
      watchers.delete(watcher);
      if (watchers.size === 0) this.table.delete(path);
      this.byWatcher.get(watcher)?.delete(path);
    } else {
      watchers.set(watcher, left);
    }
    return true;
  }

  /** Fires the watches `type` on `path` triggers; returns the watchers to notify. */
  triggerWatch(path: string, type: number, suppress?: ReadonlySet<WatcherId>): Set<WatcherId> {
    const fired = new Set<WatcherId>();
    const paths = this.recursiveCount > 0 ? selfAndAncestors(path) : [path];
    for (let i = 0; i < paths.length; i++) {
      const watchers = this.table.get(paths[i]!);
      if (watchers === undefined) continue;
      for (const [watcher, bits] of [...watchers]) {
        if ((bits & WatchMode.persistentRecursive) !== 0) {
          if (type !== EventType.NodeChildrenChanged) fired.add(watcher);
        } else if (i === 0) {
          fired.add(watcher);
          if ((bits & WatchMode.standard) !== 0) this.clearBits(path, watcher, WatchMode.standard);
        }
      }
    }
    if (suppress !== undefined) for (const w of suppress) fired.delete(w);
    return fired;
  }

  /** removeWatches / checkWatches: does `watcher` have a watch of one of `modes` on `path`? */
  hasWatch(path: string, watcher: WatcherId, mask: number): boolean {
    return ((this.table.get(path)?.get(watcher) ?? 0) & mask) !== 0;
  }

  removeWatch(path: string, watcher: WatcherId, mask: number): boolean {
    return this.clearBits(path, watcher, mask);
  }

  /** A connection closed: all its watches go (clients re-register with setWatches). */
  removeWatcher(watcher: WatcherId): void {
    const paths = this.byWatcher.get(watcher);
    if (paths === undefined) return;
    for (const p of [...paths]) this.clearBits(p, watcher, 0xff);
    this.byWatcher.delete(watcher);
  }

  get watchCount(): number {
    let n = 0;
    for (const w of this.table.values()) n += w.size;
    return n;
  }

  /** path -> watchers, for the wchp four-letter word. */
  byPath(): Map<string, WatcherId[]> {
    return new Map([...this.table].map(([p, w]) => [p, [...w.keys()]]));
  }

  /** watcher -> paths, for wchc. */
  byWatcherId(): Map<WatcherId, string[]> {
    return new Map([...this.byWatcher].filter(([, p]) => p.size > 0).map(([w, p]) => [w, [...p]]));
  }
}
