/** The client's public surface (re-exported from src/index.ts). */
export { KafkaCluster, type BrokerNode, type ClusterMetadata, type TopicMetadata, type PartitionMetadata } from './cluster.js';
export type { ClientConfig } from './config.js';
export { ClientError, type ClientErrorCode } from './errors.js';
export { KafkaError } from '../protocol/errors.js';
export {
  Admin, type NewTopic, type CreatedTopic, type TopicDescription, type TopicPartitionInfo, type ClusterDescription,
  type ListedGroup, type GroupDescription, type MemberDescription, type LogDirDescription, type AdminOptions,
  type ConfigResource, type ConfigResourceEntries, type ConfigEntry, type AlterConfigOp,
} from './admin/admin.js';
export { Producer, type ProducerRecord, type RecordMetadata, type DeliveryCallback, type SendOptions, type HeaderValue, type ProducerMetrics } from './producer/producer.js';
export type { ProducerConfig, Acks } from './producer/config.js';
export { Consumer, type ConsumerRecord, type RebalanceListener, type PollOptions } from './consumer/consumer.js';
export type { ConsumerConfig, AutoOffsetReset } from './consumer/config.js';
export { assignors, type Assignor, type AssignorName, type AssignorMember } from './consumer/assignors.js';
export { DefaultPartitioner, murmur2, toPositive, partitionForKey, type Partitioner } from './partitioner.js';
export { OffsetSpec, type TopicPartition, type IsolationLevel, type CommittedOffset, type ListedOffset, type OffsetToCommit } from './offsets.js';
