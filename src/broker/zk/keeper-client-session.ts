/**
 * The production KeeperSession: src/keeper/client's ZooKeeperClient (works against the keeper
 * and against a real Apache ZooKeeper). Translates multi failures into a MultiOutcome and
 * session state events into the port's states.
 */
import { MultiError, op, parseConnectString, ZooKeeperClient, type Op, type Watcher } from '../../keeper/client/index.js';
import { createRecursive } from './kafka-zk-client.js';
import type { KeeperSession, KeeperSessionFactory, MultiOutcome, SessionState, ZkOp, ZkWatcher } from './keeper-port.js';

export interface KeeperClientSessionOptions {
  readonly sessionTimeoutMs?: number;
  /** How long to wait for the first SyncConnected. */
  readonly connectionTimeoutMs?: number;
}

function toClientOp(o: ZkOp): Op {
  switch (o.type) {
    case 'create': return op.create(o.path, o.data, { mode: o.mode });
    case 'setData': return op.setData(o.path, o.data, o.version);
    case 'delete': return op.delete(o.path, o.version);
    case 'check': return op.check(o.path, o.version);
  }
}

export class KeeperClientSession implements KeeperSession {
  /** The client's watcher for each of ours: the same object each time, so the client's sets dedupe. */
  private readonly adapted = new WeakMap<ZkWatcher, Watcher>();

  constructor(private readonly client: ZooKeeperClient) {}

  private adapt(watch: ZkWatcher | undefined): { watch?: Watcher } {
    if (watch === undefined) return {};
    let w = this.adapted.get(watch);
    if (w === undefined) {
      // The client (as ZooKeeper's Java client) also tells every watcher of session state changes
      // (type 'None', path null); the port's watchers see node events only (states: onStateChange).
      w = (ev) => {
        if (ev.type !== 'None') watch({ type: ev.type, path: ev.path ?? '' });
      };
      this.adapted.set(watch, w);
    }
    return { watch: w };
  }

  static async connect(connectString: string, options: KeeperClientSessionOptions = {}): Promise<KeeperClientSession> {
    const client = new ZooKeeperClient(connectString, { sessionTimeoutMs: options.sessionTimeoutMs ?? 18_000 });
    const timeoutMs = options.connectionTimeoutMs ?? 18_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Timed out waiting for connection to the keeper at ${connectString} after ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return new KeeperClientSession(client);
  }

  /**
   * Sessions for `connectString`. With a chroot (`host:port/kafka`), the first session creates
   * the chroot path if it is missing, as Kafka's broker does (KafkaZkClient.createChrootIfNecessary).
   */
  static factory(connectString: string, options: KeeperClientSessionOptions = {}): KeeperSessionFactory {
    let chrootEnsured = false;
    return async () => {
      const { chroot } = parseConnectString(connectString);
      if (chroot !== '' && !chrootEnsured) {
        const hosts = connectString.trim().slice(0, connectString.trim().indexOf('/'));
        const root = await KeeperClientSession.connect(hosts, options);
        try {
          await createRecursive(root, chroot);
        } finally {
          await root.close().catch(() => undefined);
        }
        chrootEnsured = true;
      }
      return KeeperClientSession.connect(connectString, options);
    };
  }

  sessionId(): bigint {
    return this.client.sessionId;
  }

  create(path: string, data: Buffer | null, mode: number): Promise<string> {
    return this.client.create(path, data, { mode });
  }

  getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer | null; stat: import('./keeper-port.js').Stat }> {
    return this.client.getData(path, this.adapt(watch));
  }

  getChildren(path: string, watch?: ZkWatcher): Promise<string[]> {
    return this.client.getChildren(path, this.adapt(watch));
  }

  exists(path: string, watch?: ZkWatcher): Promise<import('./keeper-port.js').Stat | null> {
    return this.client.exists(path, this.adapt(watch));
  }

  setData(path: string, data: Buffer, version: number): Promise<import('./keeper-port.js').Stat> {
    return this.client.setData(path, data, version);
  }

  delete(path: string, version: number): Promise<void> {
    return this.client.delete(path, version);
  }

  async multi(ops: readonly ZkOp[]): Promise<MultiOutcome> {
    try {
      const results = await this.client.multi(ops.map(toClientOp));
      return {
        ok: true,
        results: results.map((r) => ('stat' in r || 'path' in r ? { path: 'path' in r ? r.path : undefined, stat: 'stat' in r ? r.stat : undefined } : {})),
      };
    } catch (err) {
      if (!(err instanceof MultiError)) throw err;
      // ZooKeeper marks the ops after the failing one RUNTIMEINCONSISTENCY (-2) and earlier ones OK (0).
      const failedIndex = err.results.findIndex((r) => r.type === 'error' && r.err !== 0 && r.err !== -2);
      return { ok: false, failedIndex: failedIndex === -1 ? 0 : failedIndex, errorCode: err.errorCode };
    }
  }

  onStateChange(listener: (state: SessionState) => void): () => void {
    const handler = (state: string): void => {
      if (state === 'SyncConnected' || state === 'Disconnected' || state === 'Expired' || state === 'Closed' || state === 'AuthFailed') listener(state);
    };
    this.client.on('state', handler);
    return () => this.client.off('state', handler);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
