/**
 * A Kafka-compatible broker (Kafka's KafkaServer in ZooKeeper mode), assembled from its parts.
 *
 * Start-up order, as Kafka's: load the logs (recovery) -> bind the listeners (so an ephemeral
 * port is known before registering) -> connect to the keeper, register `/brokers/ids/<id>`,
 * join the controller election (MetadataService) -> follow leadership changes (open logs,
 * become leader/follower) -> start processing requests. Connections accepted before the last
 * step wait (their sockets are paused).
 *
 * Shutdown: controlled shutdown first (controlled.shutdown.enable: stop following, ask the
 * controller to move this broker's leadership to in-sync replicas while it still answers, see
 * controller/broker-shutdown.ts), then stop accepting, answer what waits in the purgatories,
 * close the keeper session (ephemeral znodes go; the controller moves what is left), flush and
 * checkpoint the logs with the clean-shutdown marker.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { logConfigDefs } from '../storage/log-config.js';
import { LogManager } from '../storage/log-manager.js';
import { systemClock, type Clock } from '../util/clock.js';
import { GregorError } from '../util/errors.js';
import { rootLogger, type Logger } from '../util/logger.js';
import type { BrokerServices } from './broker-services.js';
import { ConfigSource, parseProperties, type BrokerConfig } from './config/broker-config.js';
import { GroupCoordinator, groupConfigFrom } from './group/group-coordinator.js';
import { brokerHandlers } from './handlers/index.js';
import { buildHandlerTable } from './handlers/table.js';
import type { MetadataService, MetadataServiceConfig, Unsubscribe } from './metadata/metadata-service.js';
import { startMetadataService } from './metadata/start-metadata-service.js';
import { asStopped, controlledShutdown, followerStops, type ControlledShutdownOptions, type ControlledShutdownReport } from './controller/broker-shutdown.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { SocketServer, type BoundListener } from './network/socket-server.js';
import { FetchSessionCache } from './replica/fetch-session.js';
import { ProducerIdManager } from './replica/producer-id-manager.js';
import { ReplicaFetcherManager } from './replica/replica-fetcher-manager.js';
import { ReplicaManager, type LogProvider } from './replica/replica-manager.js';

export type MetadataServiceFactory = (config: MetadataServiceConfig) => Promise<MetadataService>;

export interface BrokerOptions {
  config: BrokerConfig;
  /** Builds the keeper-backed MetadataService (default: src/broker/metadata's startMetadataService). */
  metadataServiceFactory?: MetadataServiceFactory;
  clock?: Clock;
  logger?: Logger;
  /** Register default process metrics (CPU, memory) in this broker's registry. */
  processMetrics?: boolean;
}

export class BrokerStartError extends GregorError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('GREGOR_ERR_BROKER_START', message, options);
  }
}

/** Broker-level `log.*` keys that were set, mapped onto topic config names (LogManager's defaults). */
export function logDefaultsFrom(config: BrokerConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of logConfigDefs.values()) {
    const d = config.topicDefault(def.name);
    if (d !== undefined && d.source !== ConfigSource.DEFAULT_CONFIG) out[def.name] = d.value;
  }
  return out;
}

/** meta.properties (Kafka's ZK-mode format): refuses to start on a broker.id mismatch. */
function checkMetaProperties(logDirs: readonly string[], brokerId: number, clusterId: string): void {
  for (const dir of logDirs) {
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'meta.properties');
    if (existsSync(path)) {
      const props = parseProperties(readFileSync(path, 'utf8'));
      const stored = props.get('broker.id');
      if (stored !== undefined && Number(stored) !== brokerId) {
        throw new BrokerStartError(`configured broker.id ${brokerId} does not match stored broker.id ${stored} in ${path}`);
      }
      const storedCluster = props.get('cluster.id');
      if (storedCluster !== undefined && storedCluster !== '' && storedCluster !== clusterId) {
        throw new BrokerStartError(`the cluster id ${clusterId} does not match the stored cluster id ${storedCluster} in ${path}: this log dir belongs to another cluster`);
      }
      if (storedCluster !== undefined && storedCluster !== '') continue;
    }
    writeFileSync(path, `#\n#${new Date().toString()}\nversion=0\nbroker.id=${brokerId}\ncluster.id=${clusterId}\n`);
  }
}

export class Broker {
  readonly brokerId: number;
  readonly metrics: BrokerMetrics;
  readonly logger: Logger;
  private readonly unsubscribes: Unsubscribe[] = [];
  private stopped = false;

  private constructor(
    readonly config: BrokerConfig,
    readonly logs: LogManager,
    readonly socketServer: SocketServer,
    readonly metadata: MetadataService,
    readonly replicaManager: ReplicaManager,
    readonly services: BrokerServices,
    /** host:port clients should use (the first advertised listener). */
    readonly bootstrap: string,
    readonly listeners: readonly BoundListener[],
  ) {
    this.brokerId = services.brokerId;
    this.metrics = services.metrics;
    this.logger = services.logger;
  }

  static async start(options: BrokerOptions): Promise<Broker> {
    const config = options.config;
    const clock = options.clock ?? systemClock;
    const brokerId = config.brokerId();
    if (brokerId < 0) throw new BrokerStartError('broker.id must be set (generated broker ids are not supported)');
    const logger = (options.logger ?? rootLogger).child({ broker: brokerId });
    for (const k of config.unknownKeys) logger.warn({ key: k }, 'unknown broker config key (ignored)');
    const keeperConnect = config.raw('zookeeper.connect');
    if (keeperConnect === null) throw new BrokerStartError('zookeeper.connect is required (the keeper or a ZooKeeper ensemble)');

    const metrics = new BrokerMetrics(brokerId, { processMetrics: options.processMetrics });
    const logDirs = config.logDirs();
    const logs = await LogManager.open({
      logDirs,
      clock,
      logger: logger.child({ component: 'log' }),
      defaultConfig: logDefaultsFrom(config),
      retentionCheckIntervalMs: config.long('log.retention.check.interval.ms'),
    });

    // Services are filled in as the parts come up; requests are processed only once all are.
    const services = { brokerId, config, clock, logger, metrics, logDirs } as unknown as {
      -readonly [K in keyof BrokerServices]: BrokerServices[K];
    };
    services.handlers = buildHandlerTable(brokerHandlers);
    services.fetchSessions = new FetchSessionCache({ maxSlots: config.int('max.incremental.fetch.session.cache.slots') });
    services.logSize = (topic, partition) => logs.getLog({ topic, partition })?.size ?? -1;

    const socketServer = new SocketServer({
      listeners: config.listeners(),
      services,
      maxRequestBytes: config.int('socket.request.max.bytes'),
      idleTimeoutMs: config.long('connections.max.idle.ms'),
      maxConnections: config.int('max.connections'),
      maxQueuedRequests: config.int('queued.max.requests'),
      logger: logger.child({ component: 'network' }),
    });
    let metadata: MetadataService | undefined;
    try {
      const bound = await socketServer.start();
      const advertised = config.advertisedListeners().map((a) => {
        const b = bound.find((x) => x.name === a.name) ?? bound[0]!;
        return { ...a, host: a.host === '' || a.host === '0.0.0.0' || a.host === '::' ? hostname() : a.host, port: a.port === 0 ? b.port : a.port };
      });
      const adv = advertised[0]!;
      const metadataLogger = logger.child({ component: 'metadata' });
      const factory = options.metadataServiceFactory ?? ((c: MetadataServiceConfig) => startMetadataService({ ...c, logger: metadataLogger }));
      metadata = await factory({
        keeperConnect,
        brokerId,
        host: adv.host,
        port: adv.port,
        rack: config.raw('broker.rack'),
        sessionTimeoutMs: config.int('zookeeper.session.timeout.ms'),
        connectionTimeoutMs: config.raw('zookeeper.connection.timeout.ms') === null ? undefined : config.int('zookeeper.connection.timeout.ms'),
        numPartitions: config.int('num.partitions'),
        defaultReplicationFactor: config.int('default.replication.factor'),
        deleteTopicEnable: config.bool('delete.topic.enable'),
        uncleanLeaderElectionEnable: config.bool('unclean.leader.election.enable'),
        autoLeaderRebalanceEnable: config.bool('auto.leader.rebalance.enable'),
        leaderImbalanceCheckIntervalSeconds: config.long('leader.imbalance.check.interval.seconds'),
        leaderImbalancePerBrokerPercentage: config.int('leader.imbalance.per.broker.percentage'),
      });
      checkMetaProperties(logDirs, brokerId, metadata.snapshot().clusterId);
      // Clients (KafkaJS's admin) send controller requests at once: wait until the election has
      // a winner and this broker's registration is visible, as a started Kafka broker would have.
      const ready = await metadata.waitFor((md) => md.controllerId >= 0 && md.brokers.has(brokerId), config.int('zookeeper.session.timeout.ms'));
      if (!ready) logger.warn('no controller elected yet; starting anyway');
      const md = metadata;
      // Followers fetch from their leaders (replica.* keys); the fetchers find partitions through
      // the ReplicaManager built just below.
      const built: { replicaManager?: ReplicaManager } = {};
      const replicaFetchers = new ReplicaFetcherManager({
        localBrokerId: brokerId,
        numFetchers: config.int('num.replica.fetchers'),
        settings: {
          waitMaxMs: config.int('replica.fetch.wait.max.ms'),
          minBytes: config.int('replica.fetch.min.bytes'),
          partitionMaxBytes: config.int('replica.fetch.max.bytes'),
          responseMaxBytes: config.int('replica.fetch.response.max.bytes'),
          backoffMs: config.int('replica.fetch.backoff.ms'),
          socketTimeoutMs: config.int('replica.socket.timeout.ms'),
        },
        brokerEpoch: () => md.brokerEpoch,
        endpointOf: (id) => md.snapshot().brokers.get(id),
        partitionFor: (topic, partition) => built.replicaManager?.getPartition(topic, partition),
        clock,
        logger: logger.child({ component: 'replica-fetcher' }),
      });
      const replicaManager = new ReplicaManager({
        replicaFetchers,
        alterIsr: (update) => md.updateIsr(update),
        replicaLagTimeMaxMs: config.long('replica.lag.time.max.ms'),
        highWatermarkCheckpointIntervalMs: config.long('replica.high.watermark.checkpoint.interval.ms'),
        brokerId,
        logs: logs as unknown as LogProvider,
        clock,
        logger: logger.child({ component: 'replica' }),
        metrics,
        minInSyncReplicas: (topic) => {
          // Topic override, then dynamic per-broker, then dynamic cluster default, then server.properties.
          const snap = md.snapshot();
          const value =
            snap.topics.get(topic)?.configs['min.insync.replicas'] ??
            snap.brokerConfigs.get(String(brokerId))?.['min.insync.replicas'] ??
            snap.brokerConfigs.get('<default>')?.['min.insync.replicas'];
          return value !== undefined && /^\d+$/.test(value) ? Number(value) : config.int('min.insync.replicas');
        },
        topicConfigs: (topic) => md.snapshot().topics.get(topic)?.configs ?? {},
        topicPartitionExists: (topic, partition) => {
          const t = md.snapshot().topics.get(topic);
          return t !== undefined && partition >= 0 && partition < t.partitions.length;
        },
      });
      built.replicaManager = replicaManager;
      services.metadata = md;
      services.replicaManager = replicaManager;
      services.producerIds = new ProducerIdManager(() => md.allocateProducerIdBlock());
      services.groupCoordinator = new GroupCoordinator({
        brokerId,
        config: groupConfigFrom(config),
        offsetsTopicPartitions: config.int('offsets.topic.num.partitions'),
        offsetsTopicReplicationFactor: config.int('offsets.topic.replication.factor'),
        offsetsTopicSegmentBytes: config.int('offsets.topic.segment.bytes'),
        offsetsCommitTimeoutMs: config.int('offsets.commit.timeout.ms'),
        metadata: md,
        replicaManager,
        clock,
        logger: logger.child({ component: 'group-coordinator' }),
        metrics,
      });
      const broker = new Broker(config, logs, socketServer, md, replicaManager, services, `${adv.host}:${adv.port}`, bound);
      broker.followMetadata();
      // After the ReplicaManager's subscription: partitions' logs are open when the coordinator loads them.
      services.groupCoordinator.start();
      socketServer.enableRequestProcessing();
      await broker.awaitLeadership(config.int('zookeeper.session.timeout.ms'));
      logger.info({ brokerId, bootstrap: broker.bootstrap, clusterId: md.snapshot().clusterId }, 'broker started');
      return broker;
    } catch (err) {
      await socketServer.stop().catch(() => undefined);
      await metadata?.close().catch(() => undefined);
      await logs.shutdown().catch(() => undefined);
      throw err instanceof GregorError ? err : new BrokerStartError(`broker ${brokerId} failed to start: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  private followMetadata(): void {
    this.unsubscribes.push(
      this.metadata.onLeadershipChange((changes) => {
        try {
          this.replicaManager.applyLeadershipChanges(this.following ? changes : asStopped(changes));
        } catch (err) {
          this.logger.error({ err }, 'applying leadership changes failed');
        }
      }),
    );
    let lastConfigs = new Map<string, Readonly<Record<string, string>>>();
    for (const [name, t] of this.metadata.snapshot().topics) lastConfigs.set(name, t.configs);
    this.unsubscribes.push(
      this.metadata.onMetadataUpdate((md) => {
        const next = new Map<string, Readonly<Record<string, string>>>();
        for (const [name, t] of md.topics) {
          next.set(name, t.configs);
          const before = lastConfigs.get(name);
          if (before !== undefined && before !== t.configs && JSON.stringify(before) !== JSON.stringify(t.configs)) {
            this.replicaManager.updateTopicConfig(name, t.configs);
          }
        }
        lastConfigs = next;
        let offline = 0;
        for (const t of md.topics.values()) for (const p of t.partitions) if (p.leader === -1) offline++;
        this.metrics.offlinePartitionsCount.set(offline);
      }),
    );
  }

  /**
   * After a restart the keeper still names this broker leader of its partitions, but clients
   * get NOT_LEADER_OR_FOLLOWER until the controller has confirmed it (LeaderAndIsr). Start-up
   * waits (bounded) until every partition the metadata says this broker leads is served, so an
   * embedded cluster is usable as soon as start() returns.
   */
  private async awaitLeadership(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const pending = (): number => {
      let n = 0;
      for (const t of this.metadata.snapshot().topics.values()) {
        if (t.markedForDeletion) continue;
        for (const p of t.partitions) if (p.leader === this.brokerId && this.replicaManager.getPartition(t.name, p.partition)?.isLeader !== true) n++;
      }
      return n;
    };
    while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const left = pending();
    if (left > 0) this.logger.warn({ partitions: left }, 'serving before the controller confirmed leadership of every partition');
  }

  /**
   * Clean shutdown (Ctrl-C, SIGTERM, stop()). With `controlled.shutdown.enable` the controller
   * first moves this broker's leadership away while it still answers (clients are told
   * NOT_LEADER_OR_FOLLOWER); `controlledShutdown: false` skips that (a whole embedded cluster
   * stopping at once has nobody to move leadership to).
   */
  async stop(options: { controlledShutdown?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.logger.info('broker shutting down');
    if ((options.controlledShutdown ?? true) && this.config.bool('controlled.shutdown.enable')) {
      await this.controlledShutdown().catch((err: unknown) => this.logger.warn({ err }, 'controlled shutdown failed'));
    }
    for (const u of this.unsubscribes) u();
    this.services.groupCoordinator.stop();
    await this.socketServer.stop();
    this.replicaManager.shutdown();
    await this.metadata.close().catch((err: unknown) => this.logger.warn({ err }, 'closing the keeper session failed'));
    await this.logs.shutdown();
    this.logger.info('broker stopped');
  }

  /** False once controlled shutdown has begun: this broker follows no leader any more (see followerStops). */
  private following = true;

  /**
   * Kafka's controlled shutdown step on its own (stop() runs it first): for a broker about to
   * stop — it stops following for good. Bounded; an unreachable controller is reported, not thrown.
   */
  controlledShutdown(overrides: Partial<ControlledShutdownOptions> = {}): Promise<ControlledShutdownReport> {
    this.following = false;
    this.replicaManager.applyLeadershipChanges(followerStops(this.metadata.snapshot(), this.brokerId, (t, p) => {
      const partition = this.replicaManager.getPartition(t, p);
      return partition !== undefined && partition.isLeader !== true;
    }));
    return controlledShutdown({
      metadata: this.metadata,
      maxRetries: this.config.int('controlled.shutdown.max.retries'),
      retryBackoffMs: this.config.long('controlled.shutdown.retry.backoff.ms'),
      logger: this.logger,
      ...overrides,
    });
  }

  /** Leaves without a clean shutdown (tests of crash recovery): no flush, no marker, session left to expire. */
  async crash(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const u of this.unsubscribes) u();
    this.services.groupCoordinator.stop();
    await this.socketServer.stop();
    // Nobody is left to answer, but waiting operations' expiry timers would keep the process
    // (an embedding test, say) alive until they fire.
    this.replicaManager.shutdown();
    this.logs.abandon();
    await this.metadata.close().catch(() => undefined);
  }
}

