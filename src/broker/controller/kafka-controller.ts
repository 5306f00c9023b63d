/**
 * The controller shell (Kafka's KafkaController + ControllerEventManager): runs the election
 * through the keeper, and while this broker is the controller turns keeper watches into
 * ControllerCore events and carries out the core's actions — keeper writes fenced by the
 * controller epoch, leadership requests through a BrokerChannel.
 *
 * Election: the first broker to create the ephemeral `/controller` wins; in the same multi it
 * bumps `/controller_epoch` conditionally on its version, so two candidates can never both win
 * one epoch. Every later write checks that version: once another broker has been elected, an
 * old controller's writes fail and it resigns.
 *
 * Events are coalesced into dirty flags and processed one pass at a time (never concurrently),
 * reading the current keeper state at processing time, so a burst of watches costs one pass.
 */
import type { Logger } from '../../util/logger.js';
import { ZkErrorCode } from '../../jute/constants.js';
import { ErrorCode } from '../../protocol/errors.js';
import {
  decodeConfigChangeNotification, decodeConfigEntity, decodePreferredReplicaElection, decodeIsrChangeNotification, encodeController, encodeControllerEpoch, encodePartitionState,
  encodeTopicAssignment,
} from '../zk/codecs.js';
import { CreateMode, type KeeperSession } from '../zk/keeper-port.js';
import {
  ControllerMovedError, createRecursive, deleteRecursive, fencedMulti, isKeeperError, readBrokers, readControllerEpoch, readPartitionState, readTopic,
} from '../zk/kafka-zk-client.js';
import { randomUuid } from '../zk/uuid.js';
import { ZkPaths, deleteTopicPath, partitionStatePath, topicConfigPath, topicPartitionPath, topicPath } from '../zk/paths.js';
import {
  ControllerCore, type BrokerRequest, type ControllerAction, type ElectionResult, type ElectionType, type ControllerBroker, type ControllerSettings, type ControllerTopic, type LoadedPartitionState,
} from './controller-core.js';

/** Where leadership requests go (in-process today; the replication work adds the network form). */
export interface BrokerChannel {
  send(request: BrokerRequest, controllerEpoch: number): void;
}

export interface KafkaControllerOptions {
  readonly session: KeeperSession;
  readonly brokerId: number;
  readonly settings: ControllerSettings;
  readonly channel: BrokerChannel;
  readonly logger: Logger;
  readonly nowMs: () => number;
  /** Called when this broker becomes or stops being the controller. */
  readonly onControllerChange?: (isController: boolean, epoch: number) => void;
  /**
   * auto.leader.rebalance.enable: every `checkIntervalMs` (leader.imbalance.check.interval.seconds)
   * move leadership back to preferred replicas on brokers whose share of non-preferred leaders
   * exceeds `imbalancePercentage` (leader.imbalance.per.broker.percentage). Null = off.
   */
  readonly autoLeaderRebalance?: { readonly checkIntervalMs: number; readonly imbalancePercentage: number } | null;
}

/** ControlledShutdown as the controller answers it. */
export interface ControlledShutdownAnswer {
  readonly errorCode: number;
  /** Partitions the broker still leads (see ControllerCore.partitionLeadersOnBroker). */
  readonly remaining: ReadonlyArray<readonly [string, number]>;
}

interface PendingShutdown {
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
  readonly resolve: (answer: ControlledShutdownAnswer | null) => void;
}

interface PendingElection {
  readonly type: ElectionType;
  readonly partitions: ReadonlyArray<readonly [string, number]> | null;
  readonly resolve: (results: ElectionResult[] | null) => void;
}

/** Age after which /config/changes notifications are deleted (Kafka's changeExpirationMs). */
const CONFIG_CHANGE_EXPIRATION_MS = 15 * 60 * 1000;

/** Bound on re-read/re-write rounds after conflicting partition-state writes in one pass. */
const MAX_CONFLICT_ROUNDS = 10;

type Dirty = 'brokers' | 'topics' | 'deletions' | 'isr' | 'configs' | 'rebalance' | 'preferred';

export class KafkaController {
  private core: ControllerCore | null = null;
  /** The last /config/changes notification looked at (its sequence number). */
  private lastConfigChange = -1;
  private epochZkVersion = -1;
  private readonly dirty = new Set<Dirty>();
  private running: Promise<void> | null = null;
  private electPending = false;
  private readonly elections: PendingElection[] = [];
  private readonly shutdowns: PendingShutdown[] = [];
  private rebalanceTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly log: Logger;

  constructor(private readonly options: KafkaControllerOptions) {
    this.log = options.logger.child({ component: 'controller', brokerId: options.brokerId });
  }

  isActive(): boolean {
    return this.core !== null;
  }

  epoch(): number {
    return this.core?.epoch ?? -1;
  }

  /** Starts the election (Kafka's Startup event). */
  start(): void {
    this.electPending = true;
    this.schedule();
  }

  /** Stops acting; does not delete /controller (closing the session does). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.resign();
    await this.idle();
  }

  /** Resolves when no pass is running (tests). */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private schedule(): void {
    if (this.running !== null || this.stopped) return;
    this.running = (async () => {
      try {
        while (!this.stopped && (this.electPending || this.elections.length > 0 || this.shutdowns.length > 0 || (this.core !== null && this.dirty.size > 0))) await this.pass();
      } finally {
        this.running = null;
      }
    })();
  }

  /** One watcher object per flag, so that re-arming a watch never registers a duplicate. */
  private readonly watchers = new Map<Dirty, () => void>();

  private mark(d: Dirty): () => void {
    let w = this.watchers.get(d);
    if (w === undefined) {
      w = () => {
        this.dirty.add(d);
        this.schedule();
      };
      this.watchers.set(d, w);
    }
    return w;
  }

  private async pass(): Promise<void> {
    try {
      if (this.electPending) {
        this.electPending = false;
        await this.elect();
        return;
      }
      const dirty = [...this.dirty];
      this.dirty.clear();
      for (const d of dirty) await this.process(d);
      while (this.elections.length > 0) await this.runElection(this.elections.shift()!);
      while (this.shutdowns.length > 0) await this.runControlledShutdown(this.shutdowns.shift()!);
    } catch (err) {
      if (err instanceof ControllerMovedError) {
        this.log.info('controller epoch moved on: resigning');
        this.resign();
        this.electPending = true;
        return;
      }
      if (isKeeperError(err, ZkErrorCode.SESSIONEXPIRED) || isKeeperError(err, ZkErrorCode.SESSIONMOVED)) {
        this.log.warn('keeper session gone: controller stops');
        this.resign();
        this.stopped = true;
        return;
      }
      // connection loss and the like: retry the whole pass shortly
      this.log.warn({ err }, 'controller pass failed; retrying');
      if (this.core === null) this.electPending = true;
      else for (const d of ['brokers', 'topics', 'deletions', 'isr', 'configs', 'preferred'] as const) this.dirty.add(d);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * ElectLeaders, run by the controller between its other events. Resolves null when this broker
   * is not (or stops being) the controller — the handler answers NOT_CONTROLLER.
   */
  electLeaders(type: ElectionType, partitions: ReadonlyArray<readonly [string, number]> | null): Promise<ElectionResult[] | null> {
    if (this.core === null || this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.elections.push({ type, partitions, resolve });
      this.schedule();
    });
  }

  private async runElection(e: PendingElection): Promise<void> {
    const core = this.core;
    if (core === null) {
      e.resolve(null);
      return;
    }
    try {
      const { actions, results } = core.electLeaders(e.type, e.partitions);
      const conflicted = await this.execute(actions);
      e.resolve(results.map((r) => (conflicted.has(`${r.topic}\u0000${r.partition}`)
        ? { ...r, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'The partition state changed concurrently; retry.' }
        : r)));
    } catch (err) {
      e.resolve(null);
      throw err;
    }
  }

  /**
   * ControlledShutdown of `brokerId`, run by the controller between its other events (after any
   * pending broker change, so a just-registered broker is known). Resolves null when this broker
   * is not (or stops being) the controller — the handler answers NOT_CONTROLLER.
   */
  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownAnswer | null> {
    if (this.core === null || this.stopped) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.shutdowns.push({ brokerId, brokerEpoch, resolve });
      this.schedule();
    });
  }

  private async runControlledShutdown(r: PendingShutdown): Promise<void> {
    const core = this.core;
    if (core === null) {
      r.resolve(null);
      return;
    }
    try {
      const outcome = core.controlledShutdown(r.brokerId, r.brokerEpoch);
      if (outcome.errorCode !== ErrorCode.NONE) {
        this.log.info({ brokerId: r.brokerId, brokerEpoch: r.brokerEpoch, errorCode: outcome.errorCode }, 'controlled shutdown refused');
        r.resolve({ errorCode: outcome.errorCode, remaining: [] });
        return;
      }
      this.log.info({ brokerId: r.brokerId, shuttingDown: core.shuttingDownBrokerIds() }, 'shutting down broker');
      await this.execute(outcome.actions);
      // after conflicting writes were re-read and re-decided, the core's view is the answer
      const remaining = core.partitionLeadersOnBroker(r.brokerId);
      this.log.info({ brokerId: r.brokerId, remaining: remaining.length }, 'controlled shutdown done');
      r.resolve({ errorCode: ErrorCode.NONE, remaining });
    } catch (err) {
      // moved: another broker is the controller now; anything else (keeper connection loss): retriable
      r.resolve(err instanceof ControllerMovedError ? null : { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, remaining: [] });
      throw err;
    }
  }

  private resign(): void {
    for (const e of this.elections.splice(0)) e.resolve(null);
    for (const r of this.shutdowns.splice(0)) r.resolve(null);
    if (this.rebalanceTimer !== null) clearInterval(this.rebalanceTimer);
    this.rebalanceTimer = null;
    if (this.core === null) return;
    const epoch = this.core.epoch;
    this.core = null;
    this.epochZkVersion = -1;
    this.dirty.clear();
    this.options.onControllerChange?.(false, epoch);
  }

  private readonly onControllerZnode = (): void => {
    this.electPending = true;
    this.schedule();
  };

  /** Kafka's elect(): watch /controller; if it is free, try to take it and bump the epoch. */
  private async elect(): Promise<void> {
    const { session, brokerId } = this.options;
    for (let attempt = 0; attempt < 10 && !this.stopped; attempt++) {
      const stat = await session.exists(ZkPaths.controller, this.onControllerZnode);
      if (stat !== null) {
        const ours = stat.ephemeralOwner === session.sessionId();
        if (!ours) {
          this.resign();
          return;
        }
        if (this.core !== null) return;
        // our own znode from a failed start-up attempt: delete and retry
        await session.delete(ZkPaths.controller, -1).catch(() => undefined);
        continue;
      }
      let current = await readControllerEpoch(session);
      if (current === null) {
        try {
          await session.create(ZkPaths.controllerEpoch, encodeControllerEpoch(0), CreateMode.PERSISTENT);
        } catch (err) {
          if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
        }
        current = (await readControllerEpoch(session))!;
      }
      const newEpoch = current.epoch + 1;
      const outcome = await session.multi([
        { type: 'create', path: ZkPaths.controller, data: encodeController(brokerId, this.options.nowMs()), mode: CreateMode.EPHEMERAL },
        { type: 'setData', path: ZkPaths.controllerEpoch, data: encodeControllerEpoch(newEpoch), version: current.zkVersion },
      ]);
      if (!outcome.ok) {
        this.log.debug({ outcome }, 'lost the controller election');
        continue;
      }
      this.epochZkVersion = current.zkVersion + 1;
      await this.becomeController(newEpoch);
      return;
    }
  }

  /** Kafka's onControllerFailover: watch, load the context, start the core. */
  private async becomeController(epoch: number): Promise<void> {
    const { session } = this.options;
    this.log.info({ epoch }, 'became the controller');
    await session.getChildren(ZkPaths.isrChangeNotification, this.mark('isr'));
    const brokers = await this.readLiveBrokers();
    const topics = await this.readTopics();
    const partitionStates = await this.readStates(topics);
    const topicsToDelete = await session.getChildren(ZkPaths.deleteTopics, this.mark('deletions'));
    this.lastConfigChange = latestSequence(await session.getChildren(ZkPaths.configChanges, this.mark('configs')));
    const topicUncleanOverrides = new Map<string, boolean>();
    for (const t of topics) {
      const v = await this.readUncleanOverride(t.name);
      if (v !== null) topicUncleanOverrides.set(t.name, v);
    }
    this.core = new ControllerCore(this.options.settings, { epoch, brokers, topics, partitionStates, topicsToDelete, topicUncleanOverrides });
    this.options.onControllerChange?.(true, epoch);
    const rebalance = this.options.autoLeaderRebalance;
    if (rebalance !== null && rebalance !== undefined) {
      if (this.rebalanceTimer !== null) clearInterval(this.rebalanceTimer);
      this.rebalanceTimer = setInterval(this.mark('rebalance'), Math.max(1, rebalance.checkIntervalMs));
      this.rebalanceTimer.unref();
    }
    await this.execute(this.core.startup());
    this.dirty.add('isr');
    this.dirty.add('preferred');
  }

  private async process(d: Dirty): Promise<void> {
    const core = this.core;
    if (core === null) return;
    const { session } = this.options;
    switch (d) {
      case 'brokers':
        await this.execute(core.step({ type: 'brokers-changed', brokers: await this.readLiveBrokers() }));
        return;
      case 'topics': {
        const topics = await this.readTopics();
        for (const t of topics) {
          if (core.hasTopic(t.name)) continue;
          const v = await this.readUncleanOverride(t.name);
          if (v !== null) core.step({ type: 'topic-unclean-override', topic: t.name, value: v });
        }
        await this.execute(core.step({ type: 'topics-changed', topics }));
        return;
      }
      case 'deletions':
        await this.execute(core.step({ type: 'topic-deletion-requested', topics: await session.getChildren(ZkPaths.deleteTopics, this.mark('deletions')) }));
        return;
      case 'rebalance': {
        const imbalance = this.options.autoLeaderRebalance?.imbalancePercentage ?? 10;
        const partitions = core.imbalancedPartitions(imbalance);
        if (partitions.length === 0) return;
        this.log.info({ partitions: partitions.length }, 'auto leader rebalance: preferred replica election');
        await this.execute(core.electLeaders('preferred', partitions).actions);
        return;
      }
      case 'preferred': {
        // the legacy admin path (kafka-preferred-replica-election.sh --zookeeper): run it, then remove it
        let partitions: Array<{ topic: string; partition: number }>;
        try {
          partitions = decodePreferredReplicaElection((await session.getData(ZkPaths.preferredReplicaElection, this.mark('preferred'))).data);
        } catch (err) {
          if (isKeeperError(err, ZkErrorCode.NONODE)) {
            if ((await session.exists(ZkPaths.preferredReplicaElection, this.mark('preferred'))) !== null) this.dirty.add('preferred');
            return;
          }
          if ((err as Error).name !== 'DecodeError') throw err;
          partitions = [];
        }
        const { actions, results } = core.electLeaders('preferred', partitions.map((p) => [p.topic, p.partition] as const));
        await this.execute(actions);
        this.log.info({ elected: results.filter((r) => r.errorCode === ErrorCode.NONE).length, requested: results.length }, 'preferred replica election');
        await deleteRecursive(session, ZkPaths.preferredReplicaElection, this.epochZkVersion);
        return;
      }
      case 'configs': {
        // Kafka's TopicUncleanLeaderElectionEnable: a topic config change may allow an election now
        const children = await session.getChildren(ZkPaths.configChanges, this.mark('configs'));
        for (const child of children.filter((c) => sequenceOf(c) > this.lastConfigChange).sort()) {
          this.lastConfigChange = Math.max(this.lastConfigChange, sequenceOf(child));
          let entityPath: string;
          try {
            entityPath = decodeConfigChangeNotification((await session.getData(`${ZkPaths.configChanges}/${child}`)).data);
          } catch (err) {
            if (isKeeperError(err, ZkErrorCode.NONODE) || (err as Error).name === 'DecodeError') continue;
            throw err;
          }
          if (!entityPath.startsWith('topics/')) continue;
          const topic = entityPath.slice('topics/'.length);
          await this.execute(core.step({ type: 'topic-unclean-override', topic, value: await this.readUncleanOverride(topic) }));
        }
        await this.purgeConfigChanges(children);
        return;
      }
      case 'isr': {
        const children = await session.getChildren(ZkPaths.isrChangeNotification, this.mark('isr'));
        const states: LoadedPartitionState[] = [];
        for (const child of children.sort()) {
          const path = `${ZkPaths.isrChangeNotification}/${child}`;
          try {
            const partitions = decodeIsrChangeNotification((await session.getData(path)).data);
            for (const p of partitions) states.push({ ...p, state: await readPartitionState(session, p.topic, p.partition) });
          } catch (err) {
            if (!isKeeperError(err, ZkErrorCode.NONODE)) this.log.warn({ err, path }, 'bad ISR change notification');
          }
          await session.delete(path, -1).catch(() => undefined);
        }
        if (states.length > 0) await this.execute(core.step({ type: 'partition-states-loaded', states }));
        return;
      }
    }
  }

  /**
   * Kafka's ZkNodeChangeNotificationListener purges notifications older than 15 minutes (every
   * broker has read them by then); without it /config/changes would grow forever.
   */
  private async purgeConfigChanges(children: readonly string[]): Promise<void> {
    const { session } = this.options;
    const cutoffMs = BigInt(Math.floor(this.options.nowMs() - CONFIG_CHANGE_EXPIRATION_MS));
    for (const child of children) {
      const path = `${ZkPaths.configChanges}/${child}`;
      const stat = await session.exists(path);
      if (stat !== null && stat.ctime < cutoffMs) await session.delete(path, -1).catch(() => undefined);
    }
  }

  private async readLiveBrokers(): Promise<ControllerBroker[]> {
    const regs = await readBrokers(this.options.session, this.mark('brokers'));
    return regs.map((r) => ({ id: r.brokerId, host: r.host, port: r.port, rack: r.rack, brokerEpoch: r.brokerEpoch }));
  }

  /** /brokers/topics children and each assignment, watching both (new topics, partition additions). */
  private async readTopics(): Promise<ControllerTopic[]> {
    const { session } = this.options;
    const names = await session.getChildren(ZkPaths.topics, this.mark('topics'));
    const out: ControllerTopic[] = [];
    for (const name of names.sort()) {
      const t = await readTopic(session, name, this.mark('topics'));
      if (t === null) continue;
      let topicId = t.assignment.topicId;
      if (topicId === null) {
        // written by Kafka < 2.8: give it an id, as Kafka's controller does (fenced, conditional)
        topicId = randomUuid();
        const outcome = await fencedMulti(session, this.epochZkVersion, [
          { type: 'setData', path: topicPath(name), data: encodeTopicAssignment({ ...t.assignment, topicId }), version: t.stat.version },
        ]);
        if (!outcome.ok) {
          if (outcome.failedIndex === 0) throw new ControllerMovedError();
          this.dirty.add('topics');
          continue;
        }
        this.log.info({ topic: name }, 'assigned a topic id to a topic written without one');
      }
      out.push({ name, topicId, partitions: t.assignment.partitions });
    }
    return out;
  }

  private async readStates(topics: readonly ControllerTopic[]): Promise<LoadedPartitionState[]> {
    const out: LoadedPartitionState[] = [];
    for (const t of topics) {
      for (const p of t.partitions.keys()) out.push({ topic: t.name, partition: p, state: await readPartitionState(this.options.session, t.name, p) });
    }
    return out;
  }

  private async readUncleanOverride(topic: string): Promise<boolean | null> {
    try {
      const config = decodeConfigEntity((await this.options.session.getData(topicConfigPath(topic))).data);
      const v = config['unclean.leader.election.enable'];
      return v === undefined ? null : v.trim().toLowerCase() === 'true';
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) return null;
      if (err instanceof Error && err.name === 'DecodeError') return null;
      throw err;
    }
  }

  /**
   * Carries out the core's actions in order; consecutive partition-state writes go out
   * together. Conflicting writes are re-read and fed back (bounded rounds).
   */
  private async execute(actions: ControllerAction[], round = 0): Promise<Set<string>> {
    const conflictedKeys = new Set<string>();
    const core = this.core;
    if (core === null) return conflictedKeys;
    let i = 0;
    while (i < actions.length) {
      const a = actions[i]!;
      if (a.kind === 'write-partition-state') {
        const batch: Array<Extract<ControllerAction, { kind: 'write-partition-state' }>> = [];
        while (i < actions.length && actions[i]!.kind === 'write-partition-state') batch.push(actions[i++] as (typeof batch)[number]);
        const results = await Promise.all(batch.map((w) => this.writePartitionState(w)));
        const conflicts: LoadedPartitionState[] = [];
        const requests: BrokerRequest[] = [];
        for (let j = 0; j < batch.length; j++) {
          if (results[j]) requests.push(...batch[j]!.notify);
          else conflicts.push({ topic: batch[j]!.topic, partition: batch[j]!.partition, state: await readPartitionState(this.options.session, batch[j]!.topic, batch[j]!.partition) });
        }
        this.deliver(mergeRequests(requests), core.epoch);
        for (const c of conflicts) conflictedKeys.add(`${c.topic}\u0000${c.partition}`);
        if (conflicts.length > 0) {
          if (round >= MAX_CONFLICT_ROUNDS) this.log.warn({ conflicts: conflicts.length }, 'partition state writes keep conflicting; giving up for now');
          else await this.execute(core.step({ type: 'partition-states-loaded', states: conflicts }), round + 1);
        }
        continue;
      }
      i++;
      switch (a.kind) {
        case 'send':
          this.deliver([a.request], core.epoch);
          break;
        case 'delete-topic-znodes':
          this.log.info({ topic: a.topic }, 'deleting topic');
          await deleteRecursive(this.options.session, topicPath(a.topic), this.epochZkVersion);
          await deleteRecursive(this.options.session, topicConfigPath(a.topic), this.epochZkVersion);
          await deleteRecursive(this.options.session, deleteTopicPath(a.topic), this.epochZkVersion);
          break;
        case 'delete-deletion-request':
          await deleteRecursive(this.options.session, deleteTopicPath(a.topic), this.epochZkVersion);
          break;
      }
    }
    return conflictedKeys;
  }

  /** True when written; false on a version conflict; throws ControllerMovedError when fenced. */
  private async writePartitionState(w: Extract<ControllerAction, { kind: 'write-partition-state' }>): Promise<boolean> {
    const { session } = this.options;
    const path = partitionStatePath(w.topic, w.partition);
    const data = encodePartitionState(w.state);
    if (w.expectedVersion === -1) await this.ensurePartitionZnode(w.topic, w.partition);
    const op = w.expectedVersion === -1
      ? { type: 'create' as const, path, data, mode: CreateMode.PERSISTENT }
      : { type: 'setData' as const, path, data, version: w.expectedVersion };
    const outcome = await fencedMulti(session, this.epochZkVersion, [op]);
    if (outcome.ok) return true;
    if (outcome.failedIndex === 0) throw new ControllerMovedError();
    this.log.debug({ path, errorCode: outcome.errorCode }, 'partition state write conflicted');
    return false;
  }

  /** `/brokers/topics/<t>/partitions/<p>`, creating `partitions` only when missing (one create per partition usually). */
  private async ensurePartitionZnode(topic: string, partition: number): Promise<void> {
    const { session } = this.options;
    const path = topicPartitionPath(topic, partition);
    try {
      await session.create(path, null, CreateMode.PERSISTENT);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NODEEXISTS)) return;
      if (!isKeeperError(err, ZkErrorCode.NONODE)) throw err;
      await createRecursive(session, path);
    }
  }

  private deliver(requests: readonly BrokerRequest[], epoch: number): void {
    for (const r of requests) {
      try {
        this.options.channel.send(r, epoch);
      } catch (err) {
        this.log.error({ err, brokerId: r.brokerId }, 'delivering a leadership request failed');
      }
    }
  }
}

/** One request per broker, changes in order. */
function mergeRequests(requests: readonly BrokerRequest[]): BrokerRequest[] {
  const byBroker = new Map<number, BrokerRequest['changes'][number][]>();
  for (const r of requests) {
    let list = byBroker.get(r.brokerId);
    if (list === undefined) byBroker.set(r.brokerId, (list = []));
    list.push(...r.changes);
  }
  return [...byBroker].sort((a, b) => a[0] - b[0]).map(([brokerId, changes]) => ({ brokerId, changes }));
}

/** The sequence number of a sequential znode name (`config_change_0000000042` -> 42). */
function sequenceOf(name: string): number {
  const m = /(\d{10})$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

function latestSequence(names: readonly string[]): number {
  return names.reduce((max, n) => Math.max(max, sequenceOf(n)), -1);
}
