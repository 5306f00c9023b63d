/**
 * The connections to a cluster and its metadata: bootstrap, a connection per broker id, the
 * metadata cache (brokers, controller, topics with partition leaders), refreshed on demand,
 * when older than metadata.max.age.ms and after the errors that mean it is stale
 * (NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION, a lost connection).
 * Shared by admin, producer and consumer.
 */
import { ErrorCode, KafkaError, errorInfo } from '../protocol/errors.js';
import type { ApiName, RequestOf, ResponseOf } from '../protocol/api.js';
import { createFindCoordinatorRequest } from '../protocol/generated/find-coordinator.js';
import { createMetadataRequest, createMetadataRequestTopic, type MetadataResponse } from '../protocol/generated/metadata.js';
import { BrokerConnection, type RequestOptions } from './connection.js';
import { backoffMs, resolveClientConfig, type ClientConfig, type ResolvedClientConfig } from './config.js';
import { ClientError, sleep, throwIfAborted } from './errors.js';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  partition: number;
  errorCode: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  errorCode: number;
  isInternal: boolean;
  partitions: PartitionMetadata[];
}

export interface ClusterMetadata {
  clusterId: string | null;
  controllerId: number;
  brokers: Map<number, BrokerNode>;
  topics: Map<string, TopicMetadata>;
  fetchedAtMs: number;
}

/** Errors after which the cached metadata must be refreshed before retrying. */
export const METADATA_STALE_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.BROKER_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
]);

export function isRetriable(err: unknown): boolean {
  if (err instanceof KafkaError) return err.retriable || METADATA_STALE_ERRORS.has(err.errorCode);
  if (err instanceof ClientError) return err.retriable;
  return false;
}

export type CoordinatorType = 'group' | 'transaction';

export class KafkaCluster {
  readonly config: ResolvedClientConfig;
  private readonly connections = new Map<number, Promise<BrokerConnection>>();
  private readonly fetchConnections = new Map<number, Promise<BrokerConnection>>();
  private bootstrapConnection: Promise<BrokerConnection> | null = null;
  private metadata: ClusterMetadata = { clusterId: null, controllerId: -1, brokers: new Map(), topics: new Map(), fetchedAtMs: 0 };
  /** Topics whose metadata we keep current (those the caller used). */
  private readonly interest = new Set<string>();
  private refreshing: Promise<ClusterMetadata> | null = null;
  private closed = false;
  /** Metadata requests ask the broker to create unknown topics (producers and consumers do, as in Java; admin does not). */
  allowAutoTopicCreation = false;

  constructor(config: ClientConfig) {
    this.config = resolveClientConfig(config);
  }

  get current(): ClusterMetadata {
    return this.metadata;
  }

  private newConnection(host: string, port: number): Promise<BrokerConnection> {
    const c = new BrokerConnection({
      host, port, clientId: this.config.clientId, connectTimeoutMs: this.config.connectTimeoutMs, requestTimeoutMs: this.config.requestTimeoutMs,
    });
    return c.connect().then(() => c);
  }

  /** Any live connection: a known broker's, else a bootstrap server's (tried in turn). */
  async anyConnection(): Promise<BrokerConnection> {
    if (this.closed) throw new ClientError('GREGOR_ERR_CLOSED', 'client is closed');
    for (const [id, p] of this.connections) {
      const c = await p.catch(() => null);
      if (c?.alive === true) return c;
      this.connections.delete(id);
    }
    if (this.bootstrapConnection !== null) {
      const c = await this.bootstrapConnection.catch(() => null);
      if (c?.alive === true) return c;
      this.bootstrapConnection = null;
    }
    const candidates = [...this.metadata.brokers.values(), ...this.config.bootstrapServers];
    let lastError: unknown = null;
    for (const s of candidates) {
      try {
        this.bootstrapConnection = this.newConnection(s.host, s.port);
        return await this.bootstrapConnection;
      } catch (err) {
        this.bootstrapConnection = null;
        lastError = err;
      }
    }
    throw new ClientError('GREGOR_ERR_CONNECTION', `no broker reachable (${this.config.bootstrapServers.map((s) => `${s.host}:${s.port}`).join(',')})`, { cause: lastError, retriable: true });
  }

  /**
   * The connection to broker `nodeId` (opened on first use, reopened when it died). `fetch`: a
   * second connection that carries only the consumer's Fetch requests. A broker answers the
   * requests of one connection in order, so a Fetch parked for fetch.max.wait.ms would otherwise
   * hold up the heartbeats, commits and JoinGroups queued behind it (the Java consumer keeps its
   * coordinator traffic on a separate connection for the same reason).
   */
  async connectionTo(nodeId: number, use: 'default' | 'fetch' = 'default'): Promise<BrokerConnection> {
    if (this.closed) throw new ClientError('GREGOR_ERR_CLOSED', 'client is closed');
    const connections = use === 'fetch' ? this.fetchConnections : this.connections;
    const existing = connections.get(nodeId);
    if (existing !== undefined) {
      const c = await existing.catch(() => null);
      if (c?.alive === true) return c;
      if (connections.get(nodeId) === existing) connections.delete(nodeId);
    }
    let node = this.metadata.brokers.get(nodeId);
    if (node === undefined) {
      await this.refreshMetadata();
      node = this.metadata.brokers.get(nodeId);
      if (node === undefined) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the metadata`);
    }
    const p = this.newConnection(node.host, node.port);
    connections.set(nodeId, p);
    p.catch(() => {
      if (connections.get(nodeId) === p) connections.delete(nodeId);
    });
    return p;
  }

  /** Sends to broker `nodeId` (or any broker when undefined). */
  async send<N extends ApiName>(nodeId: number | undefined, name: N, body: RequestOf<N>, options?: RequestOptions): Promise<ResponseOf<N>> {
    const c = nodeId === undefined ? await this.anyConnection() : await this.connectionTo(nodeId);
    return c.request(name, body, options);
  }

  /** Remembers topics to include in every refresh. */
  addTopics(topics: Iterable<string>): void {
    for (const t of topics) this.interest.add(t);
  }

  /**
   * Fetches metadata for the topics of interest (plus `topics`), or for every topic when
   * `allTopics`. Concurrent callers share one request.
   */
  async refreshMetadata(options: { topics?: string[]; allTopics?: boolean; allowAutoTopicCreation?: boolean; retries?: number } = {}): Promise<ClusterMetadata> {
    if (options.topics !== undefined) this.addTopics(options.topics);
    if (this.refreshing !== null && options.allTopics !== true) return this.refreshing;
    const run = (async () => {
      const names = options.allTopics === true ? null : [...this.interest];
      const body = createMetadataRequest({
        topics: names === null ? null : names.map((name) => createMetadataRequestTopic({ name })),
        allowAutoTopicCreation: options.allowAutoTopicCreation ?? this.allowAutoTopicCreation,
      });
      // refresh: false — a failed refresh must not wait on another refresh (itself).
      const res = await this.withRetries(async () => (await this.anyConnection()).request('Metadata', body), { refresh: false, retries: options.retries });
      this.apply(res, names === null);
      return this.metadata;
    })();
    if (options.allTopics !== true) this.refreshing = run;
    try {
      return await run;
    } finally {
      if (this.refreshing === run) this.refreshing = null;
    }
  }

  private apply(res: MetadataResponse, complete: boolean): void {
    const brokers = new Map<number, BrokerNode>();
    for (const b of res.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    const topics = complete ? new Map<string, TopicMetadata>() : new Map(this.metadata.topics);
    for (const t of res.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0 && t.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
        topics.set(t.name, { name: t.name, topicId: t.topicId, errorCode: t.errorCode, isInternal: t.isInternal, partitions: [] });
        continue;
      }
      topics.set(t.name, {
        name: t.name,
        topicId: t.topicId,
        errorCode: t.errorCode,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex, errorCode: p.errorCode, leader: p.leaderId, leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes, isr: p.isrNodes, offlineReplicas: p.offlineReplicas,
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    // Connections to brokers that left the cluster are closed (both kinds).
    for (const connections of [this.connections, this.fetchConnections]) {
      for (const [id, p] of connections) {
        if (!brokers.has(id)) {
          connections.delete(id);
          void p.then((c) => c.close(), () => undefined);
        }
      }
    }
    this.metadata = { clusterId: res.clusterId, controllerId: res.controllerId, brokers, topics, fetchedAtMs: Date.now() };
  }

  /**
   * A topic's metadata; refreshes when unknown or stale. Throws the topic's error
   * (UNKNOWN_TOPIC_OR_PARTITION...) after retries.
   */
  async topic(name: string, options: { allowAutoTopicCreation?: boolean; signal?: AbortSignal; retries?: number } = {}): Promise<TopicMetadata> {
    this.interest.add(name);
    const cached = this.metadata.topics.get(name);
    if (cached !== undefined && cached.errorCode === 0 && cached.partitions.length > 0 && !this.isStale()) return cached;
    return this.withRetries(async () => {
      const md = await this.refreshMetadata({ topics: [name], allowAutoTopicCreation: options.allowAutoTopicCreation });
      const t = md.topics.get(name);
      if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name);
      if (t.errorCode !== 0) throw new KafkaError(t.errorCode, name);
      if (t.partitions.length === 0) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, name);
      return t;
    }, {
      signal: options.signal,
      retries: options.retries,
      refresh: false,
      // Lost connections were already retried inside refreshMetadata: only the topic's own
      // errors (LEADER_NOT_AVAILABLE while it is created, ...) are retried here.
      retryIf: (err) => err instanceof KafkaError && isRetriable(err),
    });
  }

  isStale(): boolean {
    return Date.now() - this.metadata.fetchedAtMs > this.config.metadataMaxAgeMs;
  }

  /** The leader of a partition from the cache (-1 when unknown). */
  leaderOf(topic: string, partition: number): number {
    return this.metadata.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /**
   * Runs `fn` until it succeeds, retrying retriable errors with exponential backoff (up to
   * `retries` times); errors that mean the metadata is stale refresh it first.
   */
  async withRetries<T>(
    fn: (attempt: number) => Promise<T>,
    options: { retries?: number; signal?: AbortSignal; refresh?: boolean; retryIf?: (err: unknown) => boolean } = {},
  ): Promise<T> {
    const retries = options.retries ?? this.config.retries;
    const retryIf = options.retryIf ?? isRetriable;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(options.signal);
      try {
        return await fn(attempt);
      } catch (err) {
        if (!retryIf(err) || attempt >= retries || this.closed) throw err;
        await sleep(backoffMs(attempt, this.config.retryBackoffMs, this.config.retryBackoffMaxMs), options.signal);
        if (options.refresh !== false && (err instanceof ClientError || (err instanceof KafkaError && METADATA_STALE_ERRORS.has(err.errorCode)))) {
          // One attempt: this loop already retries (nested retries would multiply the wait).
          await this.refreshMetadata({ retries: 0 }).catch(() => undefined);
        }
      }
    }
  }

  /** The coordinator broker for a group or transactional id (FindCoordinator, retried). */
  async findCoordinator(key: string, type: CoordinatorType = 'group', signal?: AbortSignal): Promise<number> {
    return this.withRetries(async () => {
      const c = await this.anyConnection();
      const version = c.versionOf('FindCoordinator') ?? 0;
      const keyType = type === 'group' ? 0 : 1;
      const body = createFindCoordinatorRequest(version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType });
      const res = await c.request('FindCoordinator', body);
      const entry = version >= 4 ? res.coordinators[0] : { nodeId: res.nodeId, host: res.host, port: res.port, errorCode: res.errorCode, errorMessage: res.errorMessage };
      if (entry === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, key);
      if (entry.errorCode !== 0) throw new KafkaError(entry.errorCode, entry.errorMessage ?? key);
      if (!this.metadata.brokers.has(entry.nodeId)) {
        this.metadata.brokers.set(entry.nodeId, { nodeId: entry.nodeId, host: entry.host, port: entry.port, rack: null });
      }
      return entry.nodeId;
    }, { signal });
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values(), ...this.fetchConnections.values()];
    if (this.bootstrapConnection !== null) all.push(this.bootstrapConnection);
    this.connections.clear();
    this.fetchConnections.clear();
    this.bootstrapConnection = null;
    for (const p of all) {
      const c = await p.catch(() => null);
      c?.close();
    }
  }
}

/** Throws a KafkaError for a non-zero code. */
export function check(errorCode: number, detail?: string | null): void {
  if (errorCode !== 0) throw new KafkaError(errorCode, detail ?? errorInfo(errorCode).message);
}
