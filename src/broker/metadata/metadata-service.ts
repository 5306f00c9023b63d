/**
 * The broker's view of the cluster and its door to cluster-wide changes — what broker-core's
 * handlers call instead of talking to the keeper themselves.
 *
 * In Kafka's ZooKeeper mode this is split between `MetadataCache` (filled by UpdateMetadata
 * from the controller), `KafkaZkClient`/`AdminZkClient` (topic creation writes znodes) and
 * `ReplicaManager.becomeLeaderOrFollower` (driven by LeaderAndIsr). Here one object plays the
 * broker-side part of all three: its snapshot is kept current from keeper watches, its
 * mutations write the same znodes Kafka writes (see src/broker/zk/paths.ts), and leadership for
 * the local broker arrives as `LeadershipChange` events (the in-process equivalent of
 * LeaderAndIsr / StopReplica; the multi-broker replication work adds the network form).
 *
 * Failures that are protocol outcomes come back as Kafka error codes in the per-item results
 * (never as thrown exceptions); `KafkaError` is thrown only where a whole call fails
 * (e.g. the keeper session is gone while allocating a producer-id block).
 */

/** A registered broker (from `/brokers/ids/<id>`). */
export interface BrokerEndpoint {
  readonly id: number;
  readonly host: string;
  readonly port: number;
  /** `broker.rack`, or null when unset. */
  readonly rack: string | null;
}

/** One partition as the controller last wrote it (`/brokers/topics/<t>/partitions/<p>/state`). */
export interface PartitionMetadata {
  readonly partition: number;
  /** Broker id of the leader, -1 when there is none (no live replica in the ISR yet). */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** The assigned replicas, preferred leader first (`/brokers/topics/<t>`). */
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Assigned replicas whose broker is not registered (dead). */
  readonly offlineReplicas: readonly number[];
  /** The state znode's version (Kafka's "partition epoch" / zkVersion), for conditional ISR writes. */
  readonly partitionEpoch: number;
}

export interface TopicMetadata {
  readonly name: string;
  /** 16-byte UUID (`topic_id` in `/brokers/topics/<t>`, base64url there). */
  readonly topicId: Buffer;
  /** `__consumer_offsets` and `__transaction_state`. */
  readonly isInternal: boolean;
  /**
   * Indexed by partition number. A partition whose state znode does not exist yet (the
   * controller has not processed the topic) has leader -1 and leaderEpoch -1.
   */
  readonly partitions: readonly PartitionMetadata[];
  /** Topic-level overrides from `/config/topics/<t>` (defaults are not included). */
  readonly configs: Readonly<Record<string, string>>;
  /** True while the topic is queued under `/admin/delete_topics` (Kafka hides those from Metadata). */
  readonly markedForDeletion: boolean;
}

/** An immutable picture of the cluster; a new object after every change (compare by identity). */
export interface ClusterMetadata {
  /** From `/cluster/id`: 22-character base64url of a random UUID. */
  readonly clusterId: string;
  /** Broker id holding `/controller`, -1 when there is none. */
  readonly controllerId: number;
  /** Live (registered) brokers. */
  readonly brokers: ReadonlyMap<number, BrokerEndpoint>;
  readonly topics: ReadonlyMap<string, TopicMetadata>;
  /** Same topics keyed by `uuidToBase64Url(topicId)`. */
  readonly topicsById: ReadonlyMap<string, TopicMetadata>;
  /**
   * Dynamic broker configs from `/config/brokers/<id>`; key `'<default>'` holds the cluster-wide
   * defaults (`/config/brokers/<default>`), other keys are broker ids as strings.
   */
  readonly brokerConfigs: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

// ---------------------------------------------------------------------------------------------
// Topic administration

export interface CreatableTopic {
  readonly name: string;
  /** -1 = `num.partitions`. Must be -1 when `assignments` is given. */
  readonly numPartitions: number;
  /** -1 = `default.replication.factor`. Must be -1 when `assignments` is given. */
  readonly replicationFactor: number;
  /** Manual assignment: partition -> broker ids (preferred leader first). Partitions must be 0..n-1. */
  readonly assignments?: ReadonlyMap<number, readonly number[]>;
  /** Topic config overrides, validated against the topic config table (src/storage/log-config.ts). */
  readonly configs: Readonly<Record<string, string>>;
}

export interface CreateTopicResult {
  readonly name: string;
  /** ErrorCode.NONE (0) on success. */
  readonly errorCode: number;
  readonly errorMessage: string | null;
  /** The new topic's id; all zeros on error. */
  readonly topicId: Buffer;
  /** -1 on error. */
  readonly numPartitions: number;
  /** -1 on error. */
  readonly replicationFactor: number;
  /** The overrides written to `/config/topics/<t>` (defaults not included). */
  readonly configs: Readonly<Record<string, string>>;
}

export interface AdminOptions {
  /** Validate only: no znode is written (CreateTopics / CreatePartitions `validateOnly`). */
  readonly validateOnly?: boolean;
  /**
   * The request's `timeoutMs`. <= 0: return as soon as the znodes are written. Otherwise wait
   * until the local metadata shows the change (leaders elected / topic gone), answering
   * REQUEST_TIMED_OUT if that takes longer — Kafka's behaviour.
   */
  readonly timeoutMs?: number;
}

/** Name or id (DeleteTopics v6 allows either; exactly one is set). */
export interface DeletableTopic {
  readonly name: string | null;
  readonly topicId: Buffer | null;
}

export interface DeleteTopicResult {
  readonly name: string | null;
  readonly topicId: Buffer;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface CreatePartitionsTopic {
  readonly name: string;
  /** The new total partition count. */
  readonly count: number;
  /** Replicas of each NEW partition, or null for automatic assignment. */
  readonly assignments: ReadonlyArray<readonly number[]> | null;
}

export interface CreatePartitionsResult {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

// ---------------------------------------------------------------------------------------------
// Configs

export type ConfigResource =
  | { readonly type: 'topic'; readonly name: string }
  /** brokerId null = the cluster-wide default (`/config/brokers/<default>`). */
  | { readonly type: 'broker'; readonly brokerId: number | null };

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType). */
export type AlterConfigOp =
  | { readonly op: 'set'; readonly name: string; readonly value: string }
  | { readonly op: 'delete'; readonly name: string }
  | { readonly op: 'append'; readonly name: string; readonly value: string }
  | { readonly op: 'subtract'; readonly name: string; readonly value: string };

export type ConfigChange =
  /** AlterConfigs: replaces all overrides of the resource. */
  | { readonly kind: 'replace'; readonly configs: Readonly<Record<string, string>> }
  /** IncrementalAlterConfigs. */
  | { readonly kind: 'incremental'; readonly ops: readonly AlterConfigOp[] };

export interface AlterConfigResult {
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

// ---------------------------------------------------------------------------------------------
// Leadership for the local broker

/** What LeaderAndIsr carries for one partition. */
export interface PartitionLeadership {
  readonly topic: string;
  readonly topicId: Buffer;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly replicas: readonly number[];
  readonly partitionEpoch: number;
  readonly controllerEpoch: number;
  /** True the first time this broker hears of the partition (Kafka's `isNew`). */
  readonly isNew: boolean;
}

export type LeadershipChange =
  /** This broker leads the partition at `leaderEpoch`: open/create its log and serve it. */
  | ({ readonly kind: 'become-leader' } & PartitionLeadership)
  /** Another broker (or nobody, leader -1) leads it; this broker is a replica and should follow. */
  | ({ readonly kind: 'become-follower' } & PartitionLeadership)
  /** StopReplica: stop serving; when `deletePartition`, delete the log (topic deletion). */
  | {
      readonly kind: 'stop-replica';
      readonly topic: string;
      readonly topicId: Buffer;
      readonly partition: number;
      readonly deletePartition: boolean;
      readonly controllerEpoch: number;
    };

export type Unsubscribe = () => void;

// ---------------------------------------------------------------------------------------------

export interface ProducerIdBlock {
  readonly brokerId: number;
  /** First id of the block (inclusive). */
  readonly firstProducerId: bigint;
  /** Number of ids in the block (1000, Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE). */
  readonly size: number;
}

/** ISR change written by a partition leader (ZooKeeper-mode `updateLeaderAndIsr` from the leader). */
export interface IsrUpdate {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** The partitionEpoch the leader last saw; the write fails with a conflict otherwise. */
  readonly partitionEpoch: number;
}

export interface IsrUpdateResult {
  /** NONE, or FENCED_LEADER_EPOCH / INVALID_UPDATE_VERSION / NOT_LEADER_OR_FOLLOWER / UNKNOWN_TOPIC_OR_PARTITION. */
  readonly errorCode: number;
  /** The state after the attempt (current state on conflict), null when the partition is unknown. */
  readonly partition: PartitionMetadata | null;
}

/** ElectLeaders (KIP-460). */
export type ElectionType = 'preferred' | 'unclean';

export interface ElectLeadersResult {
  /** NONE, or NOT_CONTROLLER when this broker is not the controller (a top-level error, as Kafka). */
  readonly errorCode: number;
  readonly partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number; readonly errorCode: number; readonly errorMessage: string | null }>;
}

/** ControlledShutdown as the controller answered it (Kafka's ControlledShutdownResponse). */
export interface ControlledShutdownResult {
  /** NONE, NOT_CONTROLLER, BROKER_NOT_AVAILABLE, STALE_BROKER_EPOCH or UNKNOWN_SERVER_ERROR (retriable keeper trouble). */
  readonly errorCode: number;
  /** Partitions (more than one replica) the broker still leads: nobody else in the ISR could take over. */
  readonly remainingPartitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>;
}

export interface MetadataService {
  /** This broker's id (`broker.id`). */
  readonly brokerId: number;
  /** The czxid of this broker's registration znode (Kafka's broker epoch); -1n before registration. */
  readonly brokerEpoch: bigint;

  /** The current metadata; cheap (returns the latest immutable object). */
  snapshot(): ClusterMetadata;

  /** Called with the new snapshot after every change. */
  onMetadataUpdate(listener: (metadata: ClusterMetadata) => void): Unsubscribe;

  /**
   * Leadership changes concerning the local broker, batched per controller decision. A new
   * subscriber first receives the current leadership of every partition this broker
   * replicates (so broker-core may subscribe after start without missing anything).
   * Sources: the controller's requests when it runs in this process, and the partition states
   * this broker watches in the keeper (so a broker in another process than the controller learns
   * new leader epochs too). Duplicates are dropped: a change is delivered only for a new leader
   * epoch (or, from the controller, a newer partition epoch); deletions (stop-replica with
   * deletePartition) come only from the controller.
   */
  onLeadershipChange(listener: (changes: readonly LeadershipChange[]) => void): Unsubscribe;

  /** True while this broker holds `/controller`. */
  isController(): boolean;

  /**
   * CreateTopics. Writes `/config/topics/<t>` then `/brokers/topics/<t>` (as Kafka's
   * AdminZkClient does); the controller notices and elects leaders. Results are in request order.
   */
  createTopics(topics: readonly CreatableTopic[], options?: AdminOptions): Promise<CreateTopicResult[]>;

  /** DeleteTopics: creates `/admin/delete_topics/<t>`; the controller stops replicas and removes the znodes. */
  deleteTopics(topics: readonly DeletableTopic[], options?: AdminOptions): Promise<DeleteTopicResult[]>;

  /** CreatePartitions: rewrites the assignment in `/brokers/topics/<t>`; the controller elects the new leaders. */
  createPartitions(topics: readonly CreatePartitionsTopic[], options?: AdminOptions): Promise<CreatePartitionsResult[]>;

  /**
   * AlterConfigs / IncrementalAlterConfigs for a topic or broker: writes `/config/<type>/<name>`
   * and a `/config/changes/config_change_` notification, as Kafka does.
   */
  alterConfigs(resource: ConfigResource, change: ConfigChange, options?: AdminOptions): Promise<AlterConfigResult>;

  /** A fresh block of producer ids through `/latest_producer_id_block` (conditional write, retried on conflict). */
  allocateProducerIdBlock(): Promise<ProducerIdBlock>;

  /**
   * ElectLeaders: only the controller runs it (others answer NOT_CONTROLLER). Preferred moves
   * leadership to the first assigned replica when it is live and in the ISR (else
   * PREFERRED_LEADER_NOT_AVAILABLE; ELECTION_NOT_NEEDED when it leads already); unclean elects
   * any live replica for partitions without a live leader (ELIGIBLE_LEADERS_NOT_AVAILABLE when
   * none). `partitions` null = all partitions. Optional so that test doubles need not have it.
   */
  electLeaders?(type: ElectionType, partitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }> | null): Promise<ElectLeadersResult>;

  /**
   * ControlledShutdown (Kafka's doControlledShutdown): only the controller runs it (others answer
   * NOT_CONTROLLER). Moves the leadership of `brokerId`'s partitions to other ISR members and
   * takes it out of the ISRs it is in; `brokerEpoch` -1 = not checked. Optional for test doubles.
   */
  controlledShutdown?(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult>;

  /** The partition leader's ISR write (conditional on partitionEpoch) plus `/isr_change_notification`. */
  updateIsr(update: IsrUpdate): Promise<IsrUpdateResult>;

  /**
   * Resolves once the snapshot satisfies `predicate` (checked now and after each update), or
   * with false after `timeoutMs`.
   */
  waitFor(predicate: (metadata: ClusterMetadata) => boolean, timeoutMs: number): Promise<boolean>;

  /** Resigns as controller, closes the keeper session (ephemeral znodes go away), stops watches. */
  close(): Promise<void>;
}

/**
 * How to build one (`startMetadataService` in ./start-metadata-service.ts): connects to the
 * keeper, ensures Kafka's persistent paths and `/cluster/id`, registers `/brokers/ids/<id>`,
 * runs the controller election and starts watching. Names follow server.properties.
 */
export interface MetadataServiceConfig {
  /** `zookeeper.connect`: "host:port[,host:port...][/chroot]". */
  readonly keeperConnect: string;
  /** `broker.id`. */
  readonly brokerId: number;
  /** Advertised host and port of the PLAINTEXT listener. */
  readonly host: string;
  readonly port: number;
  /** `broker.rack`. */
  readonly rack?: string | null;
  /** `zookeeper.session.timeout.ms` (Kafka default 18000). */
  readonly sessionTimeoutMs?: number;
  /** `zookeeper.connection.timeout.ms`: how long start waits for the first connection. */
  readonly connectionTimeoutMs?: number;
  /** `num.partitions` (default 1). */
  readonly numPartitions?: number;
  /** `default.replication.factor` (default 1). */
  readonly defaultReplicationFactor?: number;
  /** `delete.topic.enable` (default true). */
  readonly deleteTopicEnable?: boolean;
  /** `unclean.leader.election.enable` (default false); a topic override wins. */
  readonly uncleanLeaderElectionEnable?: boolean;
  /** `auto.leader.rebalance.enable` (default true). */
  readonly autoLeaderRebalanceEnable?: boolean;
  /** `leader.imbalance.check.interval.seconds` (default 300). */
  readonly leaderImbalanceCheckIntervalSeconds?: number;
  /** `leader.imbalance.per.broker.percentage` (default 10). */
  readonly leaderImbalancePerBrokerPercentage?: number;
}
