/**
 * The znode paths of Kafka's ZooKeeper mode (kafka.zk.ZkData), so that anyone who knows Kafka
 * recognises the tree and Kafka's own tools could read it.
 *
 *   /cluster/id                                  {"version":"1","id":"<22-char base64url>"}
 *   /controller                    (ephemeral)   {"version":2,"brokerid":1,"timestamp":"…","kraftControllerEpoch":-1}
 *   /controller_epoch                            "3"  (integer as text)
 *   /brokers/ids/<id>              (ephemeral)   broker registration, version 5
 *   /brokers/topics/<t>                          {"version":3,"partitions":{"0":[1,2]},"topic_id":"…",…}
 *   /brokers/topics/<t>/partitions/<p>/state     {"controller_epoch":N,"leader":1,"version":1,"leader_epoch":E,"isr":[1,2]}
 *   /brokers/seqid                               (reserved: broker id generation)
 *   /config/topics/<t>, /config/brokers/<id>     {"version":1,"config":{…}}
 *   /config/changes/config_change_<seq>          {"version":2,"entity_path":"topics/<t>"}
 *   /admin/delete_topics/<t>                     (empty) topic deletion request
 *   /admin/reassign_partitions                   (reserved: reassignment)
 *   /admin/preferred_replica_election            {"version":1,"partitions":[{"topic":…,"partition":…}]}
 *   /isr_change_notification/isr_change_<seq>    {"version":1,"partitions":[{"topic":…,"partition":…}]}
 *   /latest_producer_id_block                    {"version":1,"broker":1,"block_start":"0","block_end":"999"}
 *   /log_dir_event_notification                  (reserved)
 */

export const ZkPaths = {
  cluster: '/cluster',
  clusterId: '/cluster/id',
  controller: '/controller',
  controllerEpoch: '/controller_epoch',
  brokers: '/brokers',
  brokerIds: '/brokers/ids',
  topics: '/brokers/topics',
  brokerSeqId: '/brokers/seqid',
  config: '/config',
  configChanges: '/config/changes',
  admin: '/admin',
  deleteTopics: '/admin/delete_topics',
  reassignPartitions: '/admin/reassign_partitions',
  preferredReplicaElection: '/admin/preferred_replica_election',
  isrChangeNotification: '/isr_change_notification',
  latestProducerIdBlock: '/latest_producer_id_block',
  logDirEventNotification: '/log_dir_event_notification',
  consumers: '/consumers',
  feature: '/feature',
} as const;

/** Kafka's ConfigType names: the children of /config. */
export const ConfigEntityType = {
  topics: 'topics',
  clients: 'clients',
  users: 'users',
  brokers: 'brokers',
  ips: 'ips',
} as const;
export type ConfigEntityType = (typeof ConfigEntityType)[keyof typeof ConfigEntityType];

/** Kafka's `/config/brokers/<default>` entity name for cluster-wide broker defaults. */
export const DEFAULT_BROKER_ENTITY = '<default>';

/** Prefix of sequential config change notifications (`/config/changes/config_change_0000000001`). */
export const CONFIG_CHANGE_PREFIX = 'config_change_';
/** Prefix of sequential ISR change notifications. */
export const ISR_CHANGE_PREFIX = 'isr_change_';

/**
 * The persistent paths a Kafka broker creates on start-up (ZkData.PersistentZkPaths: the old
 * consumer path, broker ids and topics, config changes, topic deletions, broker sequence ids,
 * ISR changes, producer-id blocks, log-dir events, and one folder per config entity type).
 */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  ZkPaths.consumers,
  ZkPaths.brokerIds,
  ZkPaths.topics,
  ZkPaths.configChanges,
  ZkPaths.deleteTopics,
  ZkPaths.brokerSeqId,
  ZkPaths.isrChangeNotification,
  ZkPaths.latestProducerIdBlock,
  ZkPaths.logDirEventNotification,
  ...Object.values(ConfigEntityType).map((t) => configEntityTypePath(t)),
];

export function brokerIdPath(brokerId: number): string {
  return `${ZkPaths.brokerIds}/${brokerId}`;
}

export function topicPath(topic: string): string {
  return `${ZkPaths.topics}/${topic}`;
}

export function topicPartitionsPath(topic: string): string {
  return `${topicPath(topic)}/partitions`;
}

export function topicPartitionPath(topic: string, partition: number): string {
  return `${topicPartitionsPath(topic)}/${partition}`;
}

export function partitionStatePath(topic: string, partition: number): string {
  return `${topicPartitionPath(topic, partition)}/state`;
}

export function configEntityTypePath(entityType: ConfigEntityType): string {
  return `${ZkPaths.config}/${entityType}`;
}

export function configEntityPath(entityType: ConfigEntityType, entityName: string): string {
  return `${configEntityTypePath(entityType)}/${entityName}`;
}

export function topicConfigPath(topic: string): string {
  return configEntityPath(ConfigEntityType.topics, topic);
}

/** `brokerId` null = the cluster-wide default entity. */
export function brokerConfigPath(brokerId: number | null): string {
  return configEntityPath(ConfigEntityType.brokers, brokerId === null ? DEFAULT_BROKER_ENTITY : String(brokerId));
}

export function deleteTopicPath(topic: string): string {
  return `${ZkPaths.deleteTopics}/${topic}`;
}

export function configChangeSequencePrefixPath(): string {
  return `${ZkPaths.configChanges}/${CONFIG_CHANGE_PREFIX}`;
}

export function isrChangeSequencePrefixPath(): string {
  return `${ZkPaths.isrChangeNotification}/${ISR_CHANGE_PREFIX}`;
}
