/**
 * MetadataService over the keeper (Kafka's ZooKeeper mode): registers the broker, runs the
 * controller election, keeps the metadata cache, and performs topic administration the way
 * Kafka's AdminZkClient does — the handler writes the znodes, the controller reacts.
 * Session expiry is survived as Kafka does: a new session, a new registration, a new election.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from '../../util/logger.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ZkErrorCode } from '../../jute/constants.js';
import { claimProducerIdBlock } from './producer-id-blocks.js';
import { applyIncremental, validateBrokerConfigs, validateTopicConfigs } from './config-changes.js';
import {
  decodeConfigEntity, decodePartitionState, encodeBrokerRegistration, encodeConfigChangeNotification,
  encodeConfigEntity, encodeIsrChangeNotification, encodePartitionState, encodeTopicAssignment,
} from '../zk/codecs.js';
import { CreateMode, type KeeperSession, type KeeperSessionFactory } from '../zk/keeper-port.js';
import {
  createRecursive, ensurePersistentPaths, getOrCreateClusterId, isKeeperError, readBrokers, readTopic, registerBroker,
} from '../zk/kafka-zk-client.js';
import {
  ZkPaths, brokerConfigPath, configChangeSequencePrefixPath, deleteTopicPath, isrChangeSequencePrefixPath, partitionStatePath, topicConfigPath, topicPath,
} from '../zk/paths.js';
import { randomUuid, uuidToBase64Url, ZERO_UUID } from '../zk/uuid.js';
import { assignReplicas, validateManualAssignment } from '../controller/replica-assignment.js';
import { KafkaController } from '../controller/kafka-controller.js';
import type { BrokerRequest } from '../controller/controller-core.js';
import { inProcessChannel, registerInProcessBroker, registerInProcessControllerEndpoint } from './in-process-channel.js';
import { validateTopicName, unifyCollisionChars } from './topic-validation.js';
import { ZkMetadataCache } from './zk-metadata-cache.js';
import type {
  AdminOptions, AlterConfigResult, ClusterMetadata, ConfigChange, ConfigResource, CreatableTopic, CreatePartitionsResult, CreatePartitionsTopic,
  ControlledShutdownResult, CreateTopicResult, DeletableTopic, DeleteTopicResult, ElectionType, ElectLeadersResult, IsrUpdate, IsrUpdateResult, LeadershipChange, MetadataService, MetadataServiceConfig,
  ProducerIdBlock, Unsubscribe,
} from './metadata-service.js';


/** Topic ids remembered as deleted, so that a lagging keeper view never revives their logs. */
const MAX_REMEMBERED_DELETIONS = 10_000;

export interface ZkMetadataServiceOptions extends MetadataServiceConfig {
  readonly sessionFactory: KeeperSessionFactory;
  readonly logger: Logger;
  readonly nowMs?: () => number;
  /**
   * Receive the controller's requests directly when it runs in this process (default true).
   * False makes this broker behave as if the controller were elsewhere (tests of that path).
   */
  readonly inProcessDelivery?: boolean;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errorResult(err: unknown): { errorCode: number; errorMessage: string } {
  if (err instanceof KafkaError) return { errorCode: err.errorCode, errorMessage: err.message };
  return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (err as Error).message ?? String(err) };
}

export class ZkMetadataService implements MetadataService {
  readonly brokerId: number;
  brokerEpoch = -1n;
  private session!: KeeperSession;
  private cache!: ZkMetadataCache;
  private controller!: KafkaController;
  private clusterId = '';
  private closed = false;
  private unregisterReceiver: () => void = () => undefined;
  private unsubscribeSession: () => void = () => undefined;
  private readonly metadataListeners = new Set<(m: ClusterMetadata) => void>();
  private readonly leadershipListeners = new Set<(changes: readonly LeadershipChange[]) => void>();
  /** Last leadership delivered per partition (dedup and replay for late subscribers). */
  private readonly leadership = new Map<string, LeadershipChange>();
  private readonly log: Logger;
  private readonly nowMs: () => number;

  private constructor(private readonly options: ZkMetadataServiceOptions) {
    this.brokerId = options.brokerId;
    this.log = options.logger.child({ component: 'metadata', brokerId: options.brokerId });
    this.nowMs = options.nowMs ?? Date.now;
  }

  static async start(options: ZkMetadataServiceOptions): Promise<ZkMetadataService> {
    const service = new ZkMetadataService(options);
    await service.startSession();
    return service;
  }

  /** Kafka's KafkaServer start-up against ZooKeeper: paths, cluster id, registration, election. */
  private async startSession(): Promise<void> {
    const o = this.options;
    const session = await o.sessionFactory();
    this.session = session;
    await ensurePersistentPaths(session);
    this.clusterId = await getOrCreateClusterId(session, uuidToBase64Url(randomUuid()));
    this.unregisterReceiver();
    if (o.inProcessDelivery ?? true) {
      const unregisterReceiver = registerInProcessBroker(this.clusterId, this.brokerId, (r) => this.receive(r));
      const unregisterEndpoint = registerInProcessControllerEndpoint(this.clusterId, this.brokerId, this);
      this.unregisterReceiver = () => {
        unregisterReceiver();
        unregisterEndpoint();
      };
    }
    const registration = encodeBrokerRegistration({
      host: o.host, port: o.port, rack: o.rack ?? null, endpoints: [`PLAINTEXT://${o.host}:${o.port}`],
      listenerSecurityProtocolMap: { PLAINTEXT: 'PLAINTEXT' }, jmxPort: -1, timestampMs: this.nowMs(),
    });
    this.brokerEpoch = await registerBroker(session, this.brokerId, registration, (o.sessionTimeoutMs ?? 18_000) + 2000, sleep, (owner) => {
      this.log.warn({ ownerSession: `0x${owner.toString(16)}` }, `broker id ${this.brokerId} is still registered by an earlier session (a previous run?); waiting for it to expire`);
    });
    this.cache = new ZkMetadataCache(session, this.clusterId, this.log);
    this.cache.onUpdate((m) => {
      this.deriveLeadership();
      for (const l of this.metadataListeners) l(m);
    });
    await this.cache.start();
    this.controller = new KafkaController({
      session, brokerId: this.brokerId, channel: inProcessChannel(this.clusterId), logger: this.log, nowMs: this.nowMs,
      settings: { deleteTopicEnable: o.deleteTopicEnable ?? true, uncleanLeaderElectionEnable: o.uncleanLeaderElectionEnable ?? false },
      autoLeaderRebalance: (o.autoLeaderRebalanceEnable ?? true)
        ? { checkIntervalMs: (o.leaderImbalanceCheckIntervalSeconds ?? 300) * 1000, imbalancePercentage: o.leaderImbalancePerBrokerPercentage ?? 10 }
        : null,
    });
    this.controller.start();
    // so that a started broker knows its controller (and a restarted one its leaders) before serving
    await this.cache.settled();
    await this.waitFor((m) => m.controllerId >= 0, o.connectionTimeoutMs ?? 10_000);
    this.unsubscribeSession = session.onStateChange((state) => {
      if (state === 'Expired' && !this.closed) void this.onSessionExpired(session);
    });
  }

  /** Pending while a replacement for an expired session is being set up. */
  private sessionReady: Promise<void> = Promise.resolve();

  /**
   * Runs a keeper operation; if the session expired underneath it, waits for the replacement
   * session (bounded) and runs it once more — as Kafka's ZooKeeperClient holds requests while it
   * re-creates its session, instead of failing them.
   */
  private async withSession<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.SESSIONEXPIRED) || this.closed) throw err;
      const timeoutMs = this.options.connectionTimeoutMs ?? 18_000;
      let timer: NodeJS.Timeout | undefined;
      const ready = await Promise.race([
        this.sessionReady.then(() => true),
        new Promise<boolean>((r) => { timer = setTimeout(() => r(false), timeoutMs); }),
      ]);
      clearTimeout(timer);
      if (!ready) throw err;
      return fn();
    }
  }

  private async onSessionExpired(expired: KeeperSession): Promise<void> {
    if (expired !== this.session) return;
    let resolveReady!: () => void;
    this.sessionReady = new Promise((r) => { resolveReady = r; });
    try {
      await this.replaceSession(expired);
    } finally {
      resolveReady();
    }
  }

  private async replaceSession(expired: KeeperSession): Promise<void> {
    this.log.warn('keeper session expired: re-registering');
    this.unsubscribeSession();
    this.cache.close();
    await this.controller.stop();
    await expired.close().catch(() => undefined);
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.startSession();
        return;
      } catch (err) {
        this.log.error({ err, attempt }, 'could not re-establish the keeper session');
        await sleep(Math.min(5000, 200 * (attempt + 1)));
      }
    }
  }

  // --- reads ---------------------------------------------------------------------------------

  snapshot(): ClusterMetadata {
    return this.cache.snapshot();
  }

  onMetadataUpdate(listener: (metadata: ClusterMetadata) => void): Unsubscribe {
    this.metadataListeners.add(listener);
    return () => this.metadataListeners.delete(listener);
  }

  onLeadershipChange(listener: (changes: readonly LeadershipChange[]) => void): Unsubscribe {
    this.leadershipListeners.add(listener);
    const current = [...this.leadership.values()];
    if (current.length > 0) listener(current);
    return () => this.leadershipListeners.delete(listener);
  }

  isController(): boolean {
    return this.controller.isActive();
  }

  /** The controller epoch while this broker is the controller, else -1 (tests, logs). */
  controllerEpoch(): number {
    return this.controller.epoch();
  }

  async waitFor(predicate: (metadata: ClusterMetadata) => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate(this.snapshot())) return true;
    if (this.closed) return false;
    return new Promise((resolve) => {
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        unsubscribe();
        this.waiters.delete(onClose);
        resolve(value);
      };
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(predicate(this.snapshot())), Math.max(0, timeoutMs));
      const unsubscribe = this.onMetadataUpdate((m) => {
        if (predicate(m)) finish(true);
      });
      this.waiters.add(onClose);
    });
  }

  /** Pending waitFor calls, answered false on close (so that no timer outlives the service). */
  private readonly waiters = new Set<() => void>();

  /** LeaderAndIsr / StopReplica for this broker, with stale and repeated ones dropped. */
  /**
   * LeaderAndIsr / StopReplica for this broker, with stale and repeated ones dropped. Two
   * sources: the controller's requests (in this process) and the partition states this broker
   * watches in the keeper (`source` 'keeper'), which is how a broker in another process than the
   * controller learns its leadership until LeaderAndIsr travels over the network. The keeper
   * source only ever announces a newer leader epoch (never an ISR-only change, never a deletion),
   * and never revives a topic id this broker was told to delete.
   */
  private receive(request: BrokerRequest, source: 'controller' | 'keeper' = 'controller'): void {
    const out: LeadershipChange[] = [];
    for (const c of request.changes) {
      const key = `${c.topic}\u0000${c.partition}`;
      const prev = this.leadership.get(key);
      if (c.kind === 'stop-replica') {
        if (source !== 'controller') continue;
        this.leadership.delete(key);
        if (c.deletePartition) this.rememberDeleted(c.topicId);
        out.push(c);
        continue;
      }
      if (this.deletedTopicIds.has(uuidToBase64Url(c.topicId))) continue;
      if (prev !== undefined && prev.kind !== 'stop-replica' && prev.topicId.equals(c.topicId)) {
        if (c.leaderEpoch < prev.leaderEpoch) continue;
        if (c.leaderEpoch === prev.leaderEpoch && (source === 'keeper' || (c.kind === prev.kind && c.partitionEpoch <= prev.partitionEpoch))) continue;
      }
      const change = source === 'keeper' ? { ...c, isNew: prev === undefined } : c;
      this.leadership.set(key, change);
      out.push(change);
    }
    if (out.length === 0) return;
    for (const l of this.leadershipListeners) {
      try {
        l(out);
      } catch (err) {
        this.log.error({ err }, 'leadership listener failed');
      }
    }
  }

  /** Topic ids this broker deleted (bounded, oldest forgotten first). */
  private readonly deletedTopicIds = new Set<string>();

  private rememberDeleted(topicId: Buffer): void {
    this.deletedTopicIds.add(uuidToBase64Url(topicId));
    if (this.deletedTopicIds.size > MAX_REMEMBERED_DELETIONS) this.deletedTopicIds.delete(this.deletedTopicIds.values().next().value!);
  }

  /** The keeper-derived leadership of this broker's partitions (see `receive`). */
  private deriveLeadership(): void {
    const changes = this.cache.leadershipFor(this.brokerId);
    if (changes.length > 0) this.receive({ brokerId: this.brokerId, changes }, 'keeper');
  }

  // --- topic administration ------------------------------------------------------------------

  async createTopics(topics: readonly CreatableTopic[], options: AdminOptions = {}): Promise<CreateTopicResult[]> {
    const results: CreateTopicResult[] = [];
    const seen = new Set<string>();
    for (const t of topics) {
      if (seen.has(t.name)) {
        results.push(this.failedCreate(t.name, new KafkaError(ErrorCode.INVALID_REQUEST, `Duplicate topic name ${t.name} in the request.`)));
        continue;
      }
      seen.add(t.name);
      try {
        results.push(await this.withSession(() => this.createTopic(t, options.validateOnly === true)));
      } catch (err) {
        results.push(this.failedCreate(t.name, err));
      }
    }
    const created = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.name);
    if (options.validateOnly !== true && created.length > 0 && (options.timeoutMs ?? 0) > 0) {
      const ok = await this.waitFor((m) => created.every((n) => m.topics.get(n)?.partitions.every((p) => p.leader >= 0) === true), options.timeoutMs!);
      if (!ok) {
        return results.map((r) => (created.includes(r.name)
          ? { ...r, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Timed out waiting for the topic\'s partitions to get leaders.' }
          : r));
      }
    }
    return results;
  }

  private failedCreate(name: string, err: unknown): CreateTopicResult {
    return { name, ...errorResult(err), topicId: ZERO_UUID, numPartitions: -1, replicationFactor: -1, configs: {} };
  }

  /** Kafka's AdminZkClient.createTopic: validate, write the config, then the assignment. */
  private async createTopic(t: CreatableTopic, validateOnly: boolean): Promise<CreateTopicResult> {
    validateTopicName(t.name);
    const s = this.session;
    if ((await readTopic(s, t.name)) !== null) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
    const unified = unifyCollisionChars(t.name);
    const collision = (await s.getChildren(ZkPaths.topics)).find((n) => n !== t.name && unifyCollisionChars(n) === unified);
    if (collision !== undefined) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${t.name}' collides with existing topic: ${collision}`);
    const configs = validateTopicConfigs(t.configs);
    const liveBrokers = (await readBrokers(s)).map((b) => ({ id: b.brokerId, rack: b.rack }));
    const live = liveBrokers.map((b) => b.id);
    let assignment: Map<number, number[]>;
    if (t.assignments !== undefined && t.assignments.size > 0) {
      if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
        throw new KafkaError(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
      }
      const partitions = [...t.assignments.keys()].sort((a, b) => a - b);
      if (!partitions.every((p, i) => p === i)) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be a consecutive 0-based integer sequence');
      validateManualAssignment(t.assignments, new Set(live), null);
      assignment = new Map([...t.assignments].map(([p, r]) => [p, [...r]]));
    } else {
      const numPartitions = t.numPartitions === -1 ? this.options.numPartitions ?? 1 : t.numPartitions;
      const replicationFactor = t.replicationFactor === -1 ? this.options.defaultReplicationFactor ?? 1 : t.replicationFactor;
      if (live.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'No live brokers.');
      assignment = assignReplicas(liveBrokers, { numPartitions, replicationFactor, fixedStartIndex: -1, startPartitionId: -1, randomInt: (n) => randomInt(n) });
    }
    const topicId = randomUuid();
    const result: CreateTopicResult = {
      name: t.name, errorCode: ErrorCode.NONE, errorMessage: null, topicId, numPartitions: assignment.size,
      replicationFactor: assignment.get(0)?.length ?? -1, configs,
    };
    if (validateOnly) return { ...result, topicId: ZERO_UUID };
    await this.writeEntityConfig(topicConfigPath(t.name), configs, null);
    try {
      await s.create(topicPath(t.name), encodeTopicAssignment({ topicId, partitions: assignment, addingReplicas: new Map(), removingReplicas: new Map() }), CreateMode.PERSISTENT);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw new KafkaError(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
      throw err;
    }
    this.log.info({ topic: t.name, partitions: assignment.size }, 'created topic');
    return result;
  }

  async deleteTopics(topics: readonly DeletableTopic[], options: AdminOptions = {}): Promise<DeleteTopicResult[]> {
    const results: DeleteTopicResult[] = [];
    const snapshot = this.snapshot();
    for (const t of topics) {
      const byId = t.topicId !== null && !t.topicId.equals(ZERO_UUID);
      const meta = byId ? snapshot.topicsById.get(uuidToBase64Url(t.topicId!)) : snapshot.topics.get(t.name ?? '');
      const base = { name: meta?.name ?? t.name, topicId: meta?.topicId ?? t.topicId ?? ZERO_UUID };
      try {
        if (!(this.options.deleteTopicEnable ?? true)) throw new KafkaError(ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
        if (meta === undefined) {
          if (byId) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_ID, 'This server does not host this topic ID.');
          if ((await readTopic(this.session, t.name ?? '')) === null) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
        }
        const name = meta?.name ?? t.name!;
        try {
          await this.withSession(() => this.session.create(deleteTopicPath(name), null, CreateMode.PERSISTENT));
        } catch (err) {
          if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
        }
        results.push({ ...base, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        results.push({ ...base, ...errorResult(err) });
      }
    }
    const deleting = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.name!);
    if (deleting.length > 0 && (options.timeoutMs ?? 0) > 0) {
      const ok = await this.waitFor((m) => deleting.every((n) => !m.topics.has(n)), options.timeoutMs!);
      if (!ok) {
        return results.map((r) => (r.errorCode === ErrorCode.NONE && deleting.includes(r.name!)
          ? { ...r, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Timed out waiting for the topic to be deleted.' }
          : r));
      }
    }
    return results;
  }

  async createPartitions(topics: readonly CreatePartitionsTopic[], options: AdminOptions = {}): Promise<CreatePartitionsResult[]> {
    const results: CreatePartitionsResult[] = [];
    for (const t of topics) {
      try {
        await this.withSession(() => this.createPartitionsFor(t, options.validateOnly === true));
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (err) {
        results.push({ name: t.name, ...errorResult(err) });
      }
    }
    const grown = topics.filter((t, i) => results[i]!.errorCode === ErrorCode.NONE);
    if (options.validateOnly !== true && grown.length > 0 && (options.timeoutMs ?? 0) > 0) {
      const ok = await this.waitFor((m) => grown.every((t) => {
        const meta = m.topics.get(t.name);
        return meta !== undefined && meta.partitions.length >= t.count && meta.partitions.every((p) => p.leader >= 0);
      }), options.timeoutMs!);
      if (!ok) {
        return results.map((r) => (r.errorCode === ErrorCode.NONE ? { ...r, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: 'Timed out waiting for the new partitions to get leaders.' } : r));
      }
    }
    return results;
  }

  /** Kafka's AdminZkClient.addPartitions: rewrite the assignment conditionally on its version. */
  private async createPartitionsFor(t: CreatePartitionsTopic, validateOnly: boolean): Promise<void> {
    const read = await readTopic(this.session, t.name);
    if (read === null || read.assignment.topicId === null) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${t.name}' does not exist.`);
    if (this.snapshot().topics.get(t.name)?.markedForDeletion === true) throw new KafkaError(ErrorCode.INVALID_TOPIC_EXCEPTION, `The topic '${t.name}' is queued for deletion.`);
    const existing = read.assignment.partitions;
    const current = existing.size;
    if (t.count < current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`);
    if (t.count === current) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
    const liveBrokers = (await readBrokers(this.session)).map((b) => ({ id: b.brokerId, rack: b.rack }));
    const live = liveBrokers.map((b) => b.id);
    const partition0 = existing.get(0) ?? [...existing.values()][0] ?? [];
    const added = new Map<number, number[]>();
    if (t.assignments !== null) {
      if (t.assignments.length !== t.count - current) {
        throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Increasing the number of partitions by ${t.count - current} but ${t.assignments.length} assignments provided.`);
      }
      t.assignments.forEach((r, i) => added.set(current + i, [...r]));
      validateManualAssignment(added, new Set(live), partition0.length);
    } else {
      // Kafka: start where partition 0's preferred leader sits in the sorted broker list
      const sorted = [...live].sort((a, b) => a - b);
      const startIndex = Math.max(0, sorted.findIndex((b) => b >= (partition0[0] ?? 0)));
      for (const [p, r] of assignReplicas(liveBrokers, {
        numPartitions: t.count - current, replicationFactor: partition0.length, fixedStartIndex: startIndex, startPartitionId: current, randomInt: (n) => randomInt(n),
      })) added.set(p, r);
    }
    if (validateOnly) return;
    const partitions = new Map([...existing, ...added]);
    try {
      await this.session.setData(topicPath(t.name), encodeTopicAssignment({ ...read.assignment, partitions }), read.stat.version);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.BADVERSION)) throw new KafkaError(ErrorCode.REASSIGNMENT_IN_PROGRESS, 'The topic assignment changed concurrently; retry.');
      throw err;
    }
  }

  async alterConfigs(resource: ConfigResource, change: ConfigChange, options: AdminOptions = {}): Promise<AlterConfigResult> {
    try {
      return await this.withSession(() => this.alterConfigsOnce(resource, change, options));
    } catch (err) {
      return errorResult(err);
    }
  }

  private async alterConfigsOnce(resource: ConfigResource, change: ConfigChange, options: AdminOptions): Promise<AlterConfigResult> {
    {
      const path = resource.type === 'topic' ? topicConfigPath(resource.name) : brokerConfigPath(resource.brokerId);
      if (resource.type === 'topic' && (await readTopic(this.session, resource.name)) === null) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${resource.name} does not exist.`);
      }
      let current: Record<string, string> = {};
      let version: number | null = null;
      try {
        const { data, stat } = await this.session.getData(path);
        current = decodeConfigEntity(data, path);
        version = stat.version;
      } catch (err) {
        if (!isKeeperError(err, ZkErrorCode.NONODE)) throw err;
      }
      const next = change.kind === 'replace' ? { ...change.configs } : applyIncremental(current, change.ops);
      const validated = resource.type === 'topic' ? validateTopicConfigs(next) : validateBrokerConfigs(next);
      if (options.validateOnly === true) return { errorCode: ErrorCode.NONE, errorMessage: null };
      await this.writeEntityConfig(path, validated, version);
      const entityPath = resource.type === 'topic' ? `topics/${resource.name}` : `brokers/${resource.brokerId === null ? '<default>' : resource.brokerId}`;
      await this.session.create(configChangeSequencePrefixPath(), encodeConfigChangeNotification(entityPath), CreateMode.PERSISTENT_SEQUENTIAL);
      return { errorCode: ErrorCode.NONE, errorMessage: null };
    }
  }

  /** Create or (conditionally) overwrite a config entity znode. */
  private async writeEntityConfig(path: string, config: Record<string, string>, version: number | null): Promise<void> {
    const data = encodeConfigEntity(config);
    if (version !== null) {
      await this.session.setData(path, data, version);
      return;
    }
    try {
      await this.session.create(path, data, CreateMode.PERSISTENT);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) {
        await createRecursive(this.session, path, data);
        return;
      }
      if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
      await this.session.setData(path, data, -1);
    }
  }

  async electLeaders(type: ElectionType, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<ElectLeadersResult> {
    const results = await this.controller.electLeaders(type, partitions === null ? null : partitions.map((p) => [p.topic, p.partition] as const));
    if (results === null) return { errorCode: ErrorCode.NOT_CONTROLLER, partitions: [] };
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  async controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult> {
    const answer = await this.controller.controlledShutdown(brokerId, brokerEpoch);
    if (answer === null) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
    return { errorCode: answer.errorCode, remainingPartitions: answer.remaining.map(([topic, partition]) => ({ topic, partition })) };
  }

  // --- producer ids, ISR ---------------------------------------------------------------------

  /**
   * Kafka's ZkProducerIdManager.getNewProducerIdBlock: read the latest block, claim the next
   * one with a setData conditional on the version read; on a conflict another broker got there
   * first — read again.
   */
  allocateProducerIdBlock(): Promise<ProducerIdBlock> {
    return this.withSession(() => claimProducerIdBlock(this.session, this.brokerId));
  }

  updateIsr(update: IsrUpdate): Promise<IsrUpdateResult> {
    return this.withSession(() => this.updateIsrOnce(update));
  }

  private async updateIsrOnce(update: IsrUpdate): Promise<IsrUpdateResult> {
    const path = partitionStatePath(update.topic, update.partition);
    const current = async (): Promise<IsrUpdateResult['partition']> => {
      await this.cache.refreshPartition(update.topic, update.partition);
      return this.snapshot().topics.get(update.topic)?.partitions[update.partition] ?? null;
    };
    let state;
    try {
      const { data, stat } = await this.session.getData(path);
      state = { ...decodePartitionState(data, path), zkVersion: stat.version };
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, partition: null };
      throw err;
    }
    if (state.leader !== this.brokerId) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, partition: await current() };
    if (state.leaderEpoch !== update.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH, partition: await current() };
    if (state.zkVersion !== update.partitionEpoch) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, partition: await current() };
    try {
      await this.session.setData(path, encodePartitionState({ ...state, isr: [...update.isr] }), update.partitionEpoch);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.BADVERSION)) return { errorCode: ErrorCode.INVALID_UPDATE_VERSION, partition: await current() };
      throw err;
    }
    await this.session.create(isrChangeSequencePrefixPath(), encodeIsrChangeNotification([{ topic: update.topic, partition: update.partition }]), CreateMode.PERSISTENT_SEQUENTIAL);
    return { errorCode: ErrorCode.NONE, partition: await current() };
  }

  // --- lifecycle -----------------------------------------------------------------------------

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w();
    this.unsubscribeSession();
    this.unregisterReceiver();
    this.cache.close();
    await this.controller.stop();
    await this.session.close().catch(() => undefined);
  }

  /** The keeper session (tests: expire it, read znodes). */
  keeperSession(): KeeperSession {
    return this.session;
  }
}
