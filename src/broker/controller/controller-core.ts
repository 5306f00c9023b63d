/**
 * The controller's deciding core (Kafka's KafkaController event handlers with their
 * ControllerContext and partition state machine), with no I/O: the shell feeds it what it read
 * from the keeper and carries out the actions it returns — keeper writes (each fenced by the
 * controller epoch) and leadership requests to brokers. Same inputs, same outputs: the unit
 * tests and the simulator drive it directly.
 *
 * State changes are applied when an action is planned (optimistically, with the zkVersion the
 * write will produce). If a partition-state write fails on its version, the shell re-reads the
 * state and feeds `partition-states-loaded`, which re-evaluates that partition.
 */
import { assert } from '../../util/assert.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { PartitionState } from '../zk/codecs.js';
import type { LeadershipChange } from '../metadata/metadata-service.js';
import { controlledShutdownLeaderElection, initialPartitionState, nextPartitionState, NO_LEADER } from './leader-election.js';

export interface ControllerBroker {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** The czxid of its registration (Kafka's broker epoch): a larger one means it restarted. */
  readonly brokerEpoch: bigint;
}

export interface ControllerTopic {
  readonly name: string;
  readonly topicId: Buffer;
  /** partition -> replicas, preferred leader first. */
  readonly partitions: ReadonlyMap<number, readonly number[]>;
}

export interface VersionedPartitionState {
  readonly state: PartitionState;
  /** The state znode's version (partition epoch). */
  readonly zkVersion: number;
  /**
   * The zxid of the state's last write; a leader whose broker epoch is newer restarted since
   * (it bounced) and gets re-elected. Omitted = written after every current registration.
   */
  readonly mzxid?: bigint;
}

export interface LoadedPartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Null when the state znode does not exist. */
  readonly state: VersionedPartitionState | null;
}

/** Everything a new controller reads before acting (Kafka's initializeControllerContext). */
export interface ControllerLoad {
  readonly epoch: number;
  readonly brokers: readonly ControllerBroker[];
  readonly topics: readonly ControllerTopic[];
  readonly partitionStates: readonly LoadedPartitionState[];
  /** Children of /admin/delete_topics. */
  readonly topicsToDelete: readonly string[];
  /** Topics whose config sets unclean.leader.election.enable (true or false). */
  readonly topicUncleanOverrides: ReadonlyMap<string, boolean>;
}

export interface ControllerSettings {
  readonly deleteTopicEnable: boolean;
  readonly uncleanLeaderElectionEnable: boolean;
}

export type ControllerEvent =
  /** /brokers/ids changed: the current live brokers. */
  | { readonly type: 'brokers-changed'; readonly brokers: readonly ControllerBroker[] }
  /** /brokers/topics or a topic's assignment changed: the current topics. */
  | { readonly type: 'topics-changed'; readonly topics: readonly ControllerTopic[] }
  /** /admin/delete_topics changed: its current children. */
  | { readonly type: 'topic-deletion-requested'; readonly topics: readonly string[] }
  /** States re-read after a conflict or an ISR change notification. */
  | { readonly type: 'partition-states-loaded'; readonly states: readonly LoadedPartitionState[] }
  /** /config/topics/<t> changed (only unclean.leader.election.enable matters here). */
  | { readonly type: 'topic-unclean-override'; readonly topic: string; readonly value: boolean | null };

/** ElectLeaders' election types (Kafka's ElectionType). */
export type ElectionType = 'preferred' | 'unclean';

export interface ElectionResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** ControlledShutdown's outcome (Kafka's doControlledShutdown). */
export interface ControlledShutdownOutcome {
  /** NONE, BROKER_NOT_AVAILABLE (not registered) or STALE_BROKER_EPOCH. */
  readonly errorCode: number;
  readonly actions: ControllerAction[];
  /**
   * Partitions with more than one replica that the broker still leads once `actions` are
   * carried out (no other live ISR replica): Kafka's partitionLeadersOnBroker.
   */
  readonly remaining: Array<[string, number]>;
}

/** LeaderAndIsr / StopReplica for one broker. */
export interface BrokerRequest {
  readonly brokerId: number;
  readonly changes: readonly LeadershipChange[];
}

export type ControllerAction =
  /**
   * Create (expectedVersion -1) or conditionally set a partition state znode, fenced by the
   * controller epoch; when it succeeds, send `notify` (LeaderAndIsr to the live replicas).
   */
  | {
      readonly kind: 'write-partition-state';
      readonly topic: string;
      readonly partition: number;
      readonly state: PartitionState;
      readonly expectedVersion: number;
      readonly notify: readonly BrokerRequest[];
    }
  /** A request whose delivery does not depend on a write. */
  | { readonly kind: 'send'; readonly request: BrokerRequest }
  /** Remove /brokers/topics/<t> (recursively), /config/topics/<t> and /admin/delete_topics/<t>. */
  | { readonly kind: 'delete-topic-znodes'; readonly topic: string }
  /** Remove only /admin/delete_topics/<t> (unknown topic, or deletion disabled). */
  | { readonly kind: 'delete-deletion-request'; readonly topic: string };

interface TopicEntry {
  readonly topicId: Buffer;
  readonly partitions: Map<number, readonly number[]>;
}

const key = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ControllerCore {
  readonly epoch: number;
  private readonly settings: ControllerSettings;
  private liveBrokers = new Map<number, ControllerBroker>();
  private readonly topics = new Map<string, TopicEntry>();
  private readonly states = new Map<string, VersionedPartitionState>();
  private readonly topicsToDelete = new Set<string>();
  private readonly uncleanOverrides = new Map<string, boolean>();
  /**
   * Brokers that asked for a controlled shutdown and are still registered (Kafka's
   * shuttingDownBrokerIds): no election picks them and no ISR keeps them. A broker leaves the set
   * when its registration goes or is replaced (it restarted).
   */
  private readonly shuttingDown = new Set<number>();

  constructor(settings: ControllerSettings, load: ControllerLoad) {
    this.settings = settings;
    this.epoch = load.epoch;
    for (const b of load.brokers) this.liveBrokers.set(b.id, b);
    for (const t of load.topics) this.topics.set(t.name, { topicId: t.topicId, partitions: new Map(t.partitions) });
    for (const s of load.partitionStates) if (s.state !== null) this.states.set(key(s.topic, s.partition), s.state);
    for (const t of load.topicsToDelete) this.topicsToDelete.add(t);
    for (const [t, v] of load.topicUncleanOverrides) this.uncleanOverrides.set(t, v);
  }

  /**
   * Kafka's onControllerFailover: tell every live broker the state of its partitions, elect
   * leaders for partitions without a live one, create missing states, resume deletions.
   */
  startup(): ControllerAction[] {
    const actions: ControllerAction[] = [];
    const written = this.electAll(actions, this.allPartitions());
    this.sendCurrentState(actions, [...this.liveBrokers.keys()], written);
    this.resumeDeletions(actions);
    return actions;
  }

  step(event: ControllerEvent): ControllerAction[] {
    const actions: ControllerAction[] = [];
    switch (event.type) {
      case 'brokers-changed': {
        const before = new Set(this.liveBrokers.keys());
        const previous = this.liveBrokers;
        this.liveBrokers = new Map(event.brokers.map((b) => [b.id, b]));
        for (const id of [...this.shuttingDown]) {
          const now = this.liveBrokers.get(id);
          if (now === undefined || now.brokerEpoch !== previous.get(id)?.brokerEpoch) this.shuttingDown.delete(id);
        }
        const started = [...this.liveBrokers.keys()].filter((id) => !before.has(id));
        const written = this.electAll(actions, this.allPartitions());
        this.sendCurrentState(actions, started, written);
        this.resumeDeletions(actions);
        break;
      }
      case 'topics-changed': {
        const changed: Array<[string, number]> = [];
        const current = new Set(event.topics.map((t) => t.name));
        for (const name of [...this.topics.keys()]) if (!current.has(name)) this.forgetTopic(name);
        for (const t of event.topics) {
          const entry = this.topics.get(t.name);
          if (entry === undefined || !entry.topicId.equals(t.topicId)) {
            if (entry !== undefined) this.forgetTopic(t.name);
            this.topics.set(t.name, { topicId: t.topicId, partitions: new Map(t.partitions) });
            for (const p of t.partitions.keys()) changed.push([t.name, p]);
            continue;
          }
          for (const [p, replicas] of t.partitions) {
            if (!entry.partitions.has(p)) changed.push([t.name, p]);
            entry.partitions.set(p, replicas);
          }
        }
        this.electAll(actions, changed);
        this.resumeDeletions(actions);
        break;
      }
      case 'topic-deletion-requested':
        for (const t of event.topics) this.topicsToDelete.add(t);
        this.resumeDeletions(actions);
        break;
      case 'partition-states-loaded': {
        const reevaluate: Array<[string, number]> = [];
        for (const s of event.states) {
          const k = key(s.topic, s.partition);
          if (s.state === null) this.states.delete(k);
          else this.states.set(k, s.state);
          if (this.topics.get(s.topic)?.partitions.has(s.partition) === true) reevaluate.push([s.topic, s.partition]);
        }
        this.electAll(actions, reevaluate);
        break;
      }
      case 'topic-unclean-override': {
        if (event.value === null) this.uncleanOverrides.delete(event.topic);
        else this.uncleanOverrides.set(event.topic, event.value);
        const entry = this.topics.get(event.topic);
        if (entry !== undefined && event.value === true) {
          this.electAll(actions, [...entry.partitions.keys()].map((p): [string, number] => [event.topic, p]));
        }
        break;
      }
    }
    return actions;
  }

  /**
   * ElectLeaders (Kafka's ReplicaLeaderElection event). Preferred: move leadership to the first
   * assigned replica if it is live and in the ISR. Unclean: only for partitions without a live
   * leader — a clean choice first, else any live replica. `partitions` null = every partition.
   */
  electLeaders(type: ElectionType, partitions: ReadonlyArray<readonly [string, number]> | null): { actions: ControllerAction[]; results: ElectionResult[] } {
    const actions: ControllerAction[] = [];
    const results: ElectionResult[] = [];
    const live = new Set(this.liveBrokers.keys());
    const eligible = this.eligibleBrokers();
    const result = (topic: string, partition: number, errorCode: number, errorMessage: string | null = null): void => {
      results.push({ topic, partition, errorCode, errorMessage });
    };
    for (const [topic, partition] of partitions ?? this.allPartitions()) {
      const entry = this.topics.get(topic);
      const replicas = entry?.partitions.get(partition);
      const current = this.states.get(key(topic, partition));
      if (entry === undefined || replicas === undefined || current === undefined) {
        result(topic, partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'The partition does not exist.');
        continue;
      }
      if (this.topicsToDelete.has(topic)) {
        result(topic, partition, ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is queued for deletion.');
        continue;
      }
      const s = current.state;
      let next: PartitionState | null = null;
      if (type === 'preferred') {
        const preferred = replicas[0]!;
        if (s.leader === preferred) {
          result(topic, partition, ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
          continue;
        }
        if (!eligible.has(preferred) || !s.isr.includes(preferred)) {
          result(topic, partition, ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, `Failed to elect leader for partition ${topic}-${partition} under strategy PreferredReplicaPartitionLeaderElectionStrategy`);
          continue;
        }
        next = { leader: preferred, leaderEpoch: s.leaderEpoch + 1, isr: s.isr.filter((r) => eligible.has(r)), controllerEpoch: this.epoch };
      } else {
        if (s.leader !== NO_LEADER && live.has(s.leader)) {
          result(topic, partition, ErrorCode.ELECTION_NOT_NEEDED, 'Leader election not needed for topic partition.');
          continue;
        }
        next = nextPartitionState(s, replicas, eligible, true, this.epoch);
        if (next === null || next.leader === NO_LEADER) {
          result(topic, partition, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, `Failed to elect leader for partition ${topic}-${partition} under strategy UncleanLeaderElectionStrategy`);
          continue;
        }
      }
      this.states.set(key(topic, partition), { state: next, zkVersion: current.zkVersion + 1 });
      const notify = this.leaderAndIsr(topic, entry.topicId, partition, replicas, next, current.zkVersion + 1, false, live, s.leader);
      actions.push({ kind: 'write-partition-state', topic, partition, state: next, expectedVersion: current.zkVersion, notify });
      result(topic, partition, ErrorCode.NONE);
    }
    return { actions, results };
  }

  /**
   * ControlledShutdown (Kafka's KafkaController.doControlledShutdown): `brokerId` is about to
   * stop. It joins the shutting-down set; every partition with more than one replica that it
   * leads gets a new leader by the controlled-shutdown election (first live, not shutting down
   * ISR replica; the ISR without it) — partitions nobody can take over stay with it and are
   * returned as remaining; every partition it follows gets StopReplica (no delete) and loses it
   * from the ISR (the leader stays; a lone ISR member is kept, as Kafka never empties an ISR).
   * Every write bumps the leader epoch. `brokerEpoch` -1 (requests before v2) is not checked;
   * an older one than the registration's is STALE_BROKER_EPOCH.
   */
  controlledShutdown(brokerId: number, brokerEpoch: bigint): ControlledShutdownOutcome {
    const actions: ControllerAction[] = [];
    const registered = this.liveBrokers.get(brokerId);
    if (registered === undefined) return { errorCode: ErrorCode.BROKER_NOT_AVAILABLE, actions, remaining: [] };
    if (brokerEpoch !== -1n && brokerEpoch < registered.brokerEpoch) return { errorCode: ErrorCode.STALE_BROKER_EPOCH, actions, remaining: [] };
    this.shuttingDown.add(brokerId);
    const live = new Set(this.liveBrokers.keys());
    const eligible = this.eligibleBrokers();
    const stopped: LeadershipChange[] = [];
    const isrShrinks: ControllerAction[] = [];
    for (const [topic, entry] of this.topics) {
      if (this.topicsToDelete.has(topic)) continue;
      for (const [partition, replicas] of entry.partitions) {
        const k = key(topic, partition);
        const current = this.states.get(k);
        if (replicas.length <= 1 || !replicas.includes(brokerId) || current === undefined) continue;
        const s = current.state;
        let next: PartitionState;
        if (s.leader === brokerId) {
          const elected = controlledShutdownLeaderElection(replicas, s.isr, eligible);
          if (elected === null) continue;
          next = { leader: elected.leader, leaderEpoch: s.leaderEpoch + 1, isr: elected.isr, controllerEpoch: this.epoch };
        } else {
          stopped.push({ kind: 'stop-replica', topic, topicId: entry.topicId, partition, deletePartition: false, controllerEpoch: this.epoch });
          if (!s.isr.includes(brokerId) || s.isr.length === 1) continue;
          next = { leader: s.leader, leaderEpoch: s.leaderEpoch + 1, isr: s.isr.filter((r) => r !== brokerId), controllerEpoch: this.epoch };
        }
        this.states.set(k, { state: next, zkVersion: current.zkVersion + 1 });
        const notify = this.leaderAndIsr(topic, entry.topicId, partition, replicas, next, current.zkVersion + 1, false, live, s.leader);
        const write: ControllerAction = { kind: 'write-partition-state', topic, partition, state: next, expectedVersion: current.zkVersion, notify };
        (s.leader === brokerId ? actions : isrShrinks).push(write);
      }
    }
    // Kafka's order: leaders move first, then StopReplica to the broker, then it leaves the ISRs.
    if (stopped.length > 0) actions.push({ kind: 'send', request: { brokerId, changes: stopped } });
    actions.push(...isrShrinks);
    return { errorCode: ErrorCode.NONE, actions, remaining: this.partitionLeadersOnBroker(brokerId) };
  }

  /**
   * Kafka's checkAndTriggerAutoLeaderRebalance: for each broker, the share of the partitions
   * it prefers (first replica) that someone else leads; above `imbalancePercentage`, those whose
   * preferred replica is live and in the ISR are returned for a preferred election.
   */
  imbalancedPartitions(imbalancePercentage: number): Array<[string, number]> {
    const byPreferred = new Map<number, Array<[string, number]>>();
    const totals = new Map<number, number>();
    for (const [topic, entry] of this.topics) {
      if (this.topicsToDelete.has(topic)) continue;
      for (const [partition, replicas] of entry.partitions) {
        const preferred = replicas[0];
        const s = this.states.get(key(topic, partition));
        if (preferred === undefined || s === undefined) continue;
        totals.set(preferred, (totals.get(preferred) ?? 0) + 1);
        if (s.state.leader === preferred) continue;
        let list = byPreferred.get(preferred);
        if (list === undefined) byPreferred.set(preferred, (list = []));
        list.push([topic, partition]);
      }
    }
    const out: Array<[string, number]> = [];
    for (const [broker, list] of [...byPreferred].sort((a, b) => a[0] - b[0])) {
      if (!this.liveBrokers.has(broker) || this.shuttingDown.has(broker)) continue;
      if ((list.length * 100) / totals.get(broker)! <= imbalancePercentage) continue;
      for (const [topic, partition] of list) {
        if (this.states.get(key(topic, partition))!.state.isr.includes(broker)) out.push([topic, partition]);
      }
    }
    return out;
  }

  // --- accessors (tests, the shell's logging) -------------------------------------------

  liveBrokerIds(): number[] {
    return [...this.liveBrokers.keys()].sort((a, b) => a - b);
  }

  partitionState(topic: string, partition: number): VersionedPartitionState | undefined {
    return this.states.get(key(topic, partition));
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  pendingDeletions(): string[] {
    return [...this.topicsToDelete].sort();
  }

  shuttingDownBrokerIds(): number[] {
    return [...this.shuttingDown].sort((a, b) => a - b);
  }

  /**
   * Kafka's partitionLeadersOnBroker: the partitions with more than one replica that `brokerId`
   * leads (topics queued for deletion left out) — what ControlledShutdown answers as remaining.
   */
  partitionLeadersOnBroker(brokerId: number): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [topic, entry] of this.topics) {
      if (this.topicsToDelete.has(topic)) continue;
      for (const [partition, replicas] of entry.partitions) {
        if (replicas.length > 1 && this.states.get(key(topic, partition))?.state.leader === brokerId) out.push([topic, partition]);
      }
    }
    return out;
  }

  // --- decisions ---------------------------------------------------------------------------

  private allPartitions(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [name, t] of this.topics) for (const p of t.partitions.keys()) out.push([name, p]);
    return out;
  }

  private unclean(topic: string): boolean {
    return this.uncleanOverrides.get(topic) ?? this.settings.uncleanLeaderElectionEnable;
  }

  /**
   * New partitions get their first state, partitions without a live leader an election, live
   * leaders lose dead followers from the ISR. Topics queued for deletion are left alone.
   * Returns the keys of the partitions written.
   */
  private electAll(actions: ControllerAction[], partitions: ReadonlyArray<readonly [string, number]>): Set<string> {
    const written = new Set<string>();
    const live = new Set(this.liveBrokers.keys());
    const eligible = this.eligibleBrokers();
    for (const [topic, partition] of partitions) {
      const entry = this.topics.get(topic);
      const replicas = entry?.partitions.get(partition);
      if (entry === undefined || replicas === undefined || this.topicsToDelete.has(topic)) continue;
      const k = key(topic, partition);
      const current = this.states.get(k);
      const next = current === undefined
        ? initialPartitionState(replicas, eligible, this.epoch)
        : this.bounced(current) ? this.reelectBounced(current.state, replicas, live, eligible, topic)
        : this.shuttingDown.has(current.state.leader) ? this.leaderShuttingDown(current.state, replicas, live, eligible)
        : nextPartitionState(current.state, replicas, eligible, this.unclean(topic), this.epoch);
      if (next === null) continue;
      const expectedVersion = current === undefined ? -1 : current.zkVersion;
      const zkVersion = expectedVersion + 1;
      this.states.set(k, { state: next, zkVersion });
      written.add(k);
      const notify = this.leaderAndIsr(topic, entry.topicId, partition, replicas, next, zkVersion, current === undefined, live, current?.state.leader ?? NO_LEADER);
      actions.push({ kind: 'write-partition-state', topic, partition, state: next, expectedVersion, notify });
    }
    return written;
  }

  /** The leader's broker registered again after this state was written (a restart). */
  private bounced(s: VersionedPartitionState): boolean {
    const leader = this.liveBrokers.get(s.state.leader);
    return leader !== undefined && s.mzxid !== undefined && leader.brokerEpoch > s.mzxid;
  }

  /**
   * Kafka treats a bounced broker as failed then started: elect without it (it lost its state),
   * and only if nobody else is eligible let it lead again — with a new leader epoch either way.
   */
  private reelectBounced(current: PartitionState, replicas: readonly number[], live: ReadonlySet<number>, eligible: ReadonlySet<number>, topic: string): PartitionState {
    const without = new Set([...eligible].filter((b) => b !== current.leader));
    const next = nextPartitionState(current, replicas, without, this.unclean(topic), this.epoch);
    if (next !== null && next.leader !== NO_LEADER) return next;
    return { leader: current.leader, leaderEpoch: current.leaderEpoch + 1, isr: current.isr.filter((r) => r === current.leader || eligible.has(r)), controllerEpoch: this.epoch };
  }

  /**
   * A partition whose leader is shutting down, re-evaluated by a later event (a conflicting write,
   * a broker change): the controlled-shutdown election when someone can take over; otherwise the
   * leader stays (it still serves until it stops) and only dead or shutting-down followers leave
   * the ISR. Null when nothing changes.
   */
  private leaderShuttingDown(current: PartitionState, replicas: readonly number[], live: ReadonlySet<number>, eligible: ReadonlySet<number>): PartitionState | null {
    assert(live.has(current.leader), `broker ${current.leader} is shutting down but not registered`);
    const elected = controlledShutdownLeaderElection(replicas, current.isr, eligible);
    if (elected !== null) return { leader: elected.leader, leaderEpoch: current.leaderEpoch + 1, isr: elected.isr, controllerEpoch: this.epoch };
    const isr = current.isr.filter((r) => r === current.leader || eligible.has(r));
    if (isr.length === current.isr.length) return null;
    return { leader: current.leader, leaderEpoch: current.leaderEpoch + 1, isr, controllerEpoch: this.epoch };
  }

  /** Live brokers that may lead or stay in an ISR (Kafka's liveBrokerIds: not shutting down). */
  private eligibleBrokers(): Set<number> {
    return new Set([...this.liveBrokers.keys()].filter((id) => !this.shuttingDown.has(id)));
  }

  /**
   * LeaderAndIsr for one partition to each of its live replicas. A shutting-down broker hears only
   * about partitions it leads or led until now (it must learn it is no longer the leader); the
   * ones it merely follows were stopped (StopReplica), as Kafka does.
   */
  private leaderAndIsr(
    topic: string, topicId: Buffer, partition: number, replicas: readonly number[], state: PartitionState,
    partitionEpoch: number, isNew: boolean, live: ReadonlySet<number>, previousLeader: number, only?: number,
  ): BrokerRequest[] {
    const out: BrokerRequest[] = [];
    for (const brokerId of replicas) {
      if (!live.has(brokerId) || (only !== undefined && brokerId !== only)) continue;
      if (this.shuttingDown.has(brokerId) && brokerId !== state.leader && brokerId !== previousLeader) continue;
      const kind = state.leader === brokerId && state.leader !== NO_LEADER ? 'become-leader' : 'become-follower';
      out.push({
        brokerId,
        changes: [{
          kind, topic, topicId, partition, leader: state.leader, leaderEpoch: state.leaderEpoch, isr: state.isr,
          replicas, partitionEpoch, controllerEpoch: this.epoch, isNew,
        }],
      });
    }
    return out;
  }

  /** Current leadership of every partition the given brokers replicate (not already written now). */
  private sendCurrentState(actions: ControllerAction[], brokerIds: readonly number[], skip: ReadonlySet<string>): void {
    const live = new Set(this.liveBrokers.keys());
    for (const brokerId of [...brokerIds].sort((a, b) => a - b)) {
      const changes: LeadershipChange[] = [];
      for (const [topic, entry] of this.topics) {
        if (this.topicsToDelete.has(topic)) continue;
        for (const [partition, replicas] of entry.partitions) {
          const s = this.states.get(key(topic, partition));
          if (s === undefined || skip.has(key(topic, partition)) || !replicas.includes(brokerId)) continue;
          for (const r of this.leaderAndIsr(topic, entry.topicId, partition, replicas, s.state, s.zkVersion, false, live, NO_LEADER, brokerId)) {
            changes.push(...r.changes);
          }
        }
      }
      if (changes.length > 0) actions.push({ kind: 'send', request: { brokerId, changes } });
    }
  }

  /**
   * Kafka's TopicDeletionManager: a queued topic is deleted once every replica is on a live
   * broker (StopReplica with delete to each, then the znodes go); with a replica on a dead
   * broker it waits (ineligible) until that broker returns. Unknown topics just lose their
   * request; with delete.topic.enable=false every request is dropped.
   */
  private resumeDeletions(actions: ControllerAction[]): void {
    for (const topic of [...this.topicsToDelete].sort()) {
      const entry = this.topics.get(topic);
      if (!this.settings.deleteTopicEnable || entry === undefined) {
        this.topicsToDelete.delete(topic);
        actions.push({ kind: 'delete-deletion-request', topic });
        continue;
      }
      const replicas = new Set<number>();
      for (const rs of entry.partitions.values()) for (const r of rs) replicas.add(r);
      if (![...replicas].every((r) => this.liveBrokers.has(r))) continue;
      for (const brokerId of [...replicas].sort((a, b) => a - b)) {
        const changes: LeadershipChange[] = [];
        for (const [partition, rs] of entry.partitions) {
          if (!rs.includes(brokerId)) continue;
          changes.push({ kind: 'stop-replica', topic, topicId: entry.topicId, partition, deletePartition: true, controllerEpoch: this.epoch });
        }
        actions.push({ kind: 'send', request: { brokerId, changes } });
      }
      actions.push({ kind: 'delete-topic-znodes', topic });
      this.forgetTopic(topic);
      this.topicsToDelete.delete(topic);
    }
  }

  private forgetTopic(topic: string): void {
    const entry = this.topics.get(topic);
    assert(entry !== undefined, `forgetTopic: unknown topic ${topic}`);
    for (const p of entry.partitions.keys()) this.states.delete(key(topic, p));
    this.topics.delete(topic);
  }
}
