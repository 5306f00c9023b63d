/**
 * Client-side watch bookkeeping, as ZooKeeper's ZKWatchManager: which watchers are registered
 * for which path and kind, which of them an event fires (one-shot ones are removed as they
 * fire; persistent ones stay), and what to re-register with setWatches after a reconnect.
 * Pure: no I/O, no timers.
 */

export type EventTypeName =
  | 'None'
  | 'NodeCreated'
  | 'NodeDeleted'
  | 'NodeDataChanged'
  | 'NodeChildrenChanged'
  | 'DataWatchRemoved'
  | 'ChildWatchRemoved'
  | 'PersistentWatchRemoved';

export type KeeperStateName =
  | 'Unknown'
  | 'Disconnected'
  | 'NoSyncConnected'
  | 'SyncConnected'
  | 'AuthFailed'
  | 'ConnectedReadOnly'
  | 'SaslAuthenticated'
  | 'Expired'
  | 'Closed';

/** A watch notification, as ZooKeeper's WatchedEvent (path is null for state changes). */
export interface WatchedEvent {
  type: EventTypeName;
  state: KeeperStateName;
  path: string | null;
}

export type Watcher = (event: WatchedEvent) => void;

/** Kinds of registration; the first three are one-shot, the last two persistent (addWatch). */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

/** What removeWatches removes: ZooKeeper's WatcherType (CHILDREN=1, DATA=2, ANY=3). */
export type WatcherTypeName = 'children' | 'data' | 'any';

export interface WatchSet {
  dataWatches: string[];
  existWatches: string[];
  childWatches: string[];
  persistentWatches: string[];
  persistentRecursiveWatches: string[];
}

export class WatchRegistry {
  private readonly byKind: Record<WatchKind, Map<string, Set<Watcher>>> = {
    data: new Map(),
    exist: new Map(),
    child: new Map(),
    persistent: new Map(),
    persistentRecursive: new Map(),
  };

  add(kind: WatchKind, path: string, watcher: Watcher): void {
    const map = this.byKind[kind];
    let set = map.get(path);
    if (set === undefined) {
      set = new Set();
      map.set(path, set);
    }
    set.add(watcher);
  }

  has(kind: WatchKind, path: string, watcher?: Watcher): boolean {
    const set = this.byKind[kind].get(path);
    if (set === undefined) return false;
    return watcher === undefined ? set.size > 0 : set.has(watcher);
  }

  /** Whether any watch (of the kinds `type` covers) exists for `path`, optionally for one watcher. */
  hasAny(path: string, type: WatcherTypeName, watcher?: Watcher): boolean {
    return this.kindsFor(type).some((k) => this.has(k, path, watcher));
  }

  /**
   * Removes registrations for `path` of the kinds `type` covers (all watchers, or just `watcher`)
   * and returns the removed watchers with the event type each should be told (DataWatchRemoved, ...).
   */
  remove(path: string, type: WatcherTypeName, watcher?: Watcher): Array<{ watcher: Watcher; type: EventTypeName }> {
    const removed: Array<{ watcher: Watcher; type: EventTypeName }> = [];
    for (const kind of this.kindsFor(type)) {
      const map = this.byKind[kind];
      const set = map.get(path);
      if (set === undefined) continue;
      const eventType: EventTypeName =
        kind === 'child' ? 'ChildWatchRemoved' : kind === 'data' || kind === 'exist' ? 'DataWatchRemoved' : 'PersistentWatchRemoved';
      for (const w of [...set]) {
        if (watcher !== undefined && w !== watcher) continue;
        set.delete(w);
        removed.push({ watcher: w, type: eventType });
      }
      if (set.size === 0) map.delete(path);
    }
    return removed;
  }

  /** As the Java client (3.6+): persistent watches count as both data and child watches. */
  private kindsFor(type: WatcherTypeName): WatchKind[] {
    if (type === 'children') return ['child', 'persistent', 'persistentRecursive'];
    if (type === 'data') return ['data', 'exist', 'persistent', 'persistentRecursive'];
    return ['data', 'exist', 'child', 'persistent', 'persistentRecursive'];
  }

  /**
   * The watchers `event` fires, in registration order, removing the one-shot ones
   * (ZKWatchManager.materialize). A state event (type None) fires nothing here: the client
   * delivers it to its default watcher, and on Expired/Closed calls `clearAll()`.
   */
  materialize(event: WatchedEvent): Watcher[] {
    const out = new Set<Watcher>();
    if (event.type === 'None' || event.path === null) return [];
    const path = event.path;
    const take = (kind: WatchKind): void => {
      const set = this.byKind[kind].get(path);
      if (set === undefined) return;
      for (const w of set) out.add(w);
      this.byKind[kind].delete(path);
    };
    switch (event.type) {
      case 'NodeDataChanged':
      case 'NodeCreated':
        take('data');
        take('exist');
        break;
      case 'NodeChildrenChanged':
        take('child');
        break;
      case 'NodeDeleted':
        take('data');
        take('exist');
        take('child');
        break;
      default:
        break;
    }
    for (const w of this.byKind.persistent.get(path) ?? []) out.add(w);
    // Recursive watches see every change below them except child-list changes (implied by create/delete).
    if (event.type !== 'NodeChildrenChanged') {
      for (let p: string | null = path; p !== null; p = parentPath(p)) {
        for (const w of this.byKind.persistentRecursive.get(p) ?? []) out.add(w);
      }
    }
    return [...out];
  }

  /** Every distinct registered watcher (state changes are told to each once). */
  all(): Watcher[] {
    const out = new Set<Watcher>();
    for (const map of Object.values(this.byKind)) for (const set of map.values()) for (const w of set) out.add(w);
    return [...out];
  }

  /** Every distinct watcher (for Expired / Closed: each is told once, then all are dropped). */
  clearAll(): Watcher[] {
    const out = new Set<Watcher>();
    for (const map of Object.values(this.byKind)) {
      for (const set of map.values()) for (const w of set) out.add(w);
      map.clear();
    }
    return [...out];
  }

  /** The paths to re-register after a reconnect (SetWatches / SetWatches2). */
  watchSet(): WatchSet {
    return {
      dataWatches: [...this.byKind.data.keys()],
      existWatches: [...this.byKind.exist.keys()],
      childWatches: [...this.byKind.child.keys()],
      persistentWatches: [...this.byKind.persistent.keys()],
      persistentRecursiveWatches: [...this.byKind.persistentRecursive.keys()],
    };
  }

  get size(): number {
    let n = 0;
    for (const map of Object.values(this.byKind)) n += map.size;
    return n;
  }
}

/** '/a/b' -> '/a', '/a' -> '/', '/' -> null. */
export function parentPath(path: string): string | null {
  if (path === '/') return null;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
