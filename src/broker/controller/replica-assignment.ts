/**
 * Kafka's rack-unaware replica assignment (AdminUtils.assignReplicasToBrokersRackUnaware):
 * spread partition leaders round-robin over the sorted brokers from a start index, and place
 * each partition's followers at a shift from its leader that grows every time the partition
 * number wraps around the broker list, so that followers of one broker's partitions do not all
 * land on the same other broker. The random start index and shift are inputs (the caller
 * supplies them: random in production, fixed in tests).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';

export interface AssignmentInput {
  /** Live broker ids (any order; sorted here). */
  readonly brokerIds: readonly number[];
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Index in the sorted broker list of partition `startPartitionId`'s leader; -1 = use `randomInt`. */
  readonly fixedStartIndex: number;
  /** First partition id to assign (existing partition count for CreatePartitions). */
  readonly startPartitionId: number;
  /** Uniform integer in [0, bound), for the start index and the first follower shift. */
  readonly randomInt: (bound: number) => number;
}

/** Max partitions one request may create (Kafka has no hard limit; this bounds memory and znode size). */
export const MAX_PARTITIONS_PER_TOPIC = 100_000;

export function assignReplicasToBrokers(input: AssignmentInput): Map<number, number[]> {
  const brokers = [...new Set(input.brokerIds)].sort((a, b) => a - b);
  const { numPartitions, replicationFactor } = input;
  if (numPartitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (numPartitions > MAX_PARTITIONS_PER_TOPIC) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`);
  if (replicationFactor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers.length) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`);
  }
  const n = brokers.length;
  const startIndex = input.fixedStartIndex >= 0 ? input.fixedStartIndex : input.randomInt(n);
  let nextReplicaShift = input.fixedStartIndex >= 0 ? input.fixedStartIndex : input.randomInt(n);
  let partitionId = Math.max(0, input.startPartitionId);
  const out = new Map<number, number[]>();
  for (let i = 0; i < numPartitions; i++) {
    if (partitionId > 0 && partitionId % n === 0) nextReplicaShift += 1;
    const firstReplicaIndex = (partitionId + startIndex) % n;
    const replicas = [brokers[firstReplicaIndex]!];
    for (let j = 0; j < replicationFactor - 1; j++) {
      replicas.push(brokers[followerIndex(firstReplicaIndex, nextReplicaShift, j, n)]!);
    }
    out.set(partitionId, replicas);
    partitionId += 1;
  }
  return out;
}

function followerIndex(firstReplicaIndex: number, shift: number, replicaIndex: number, n: number): number {
  const s = 1 + ((shift + replicaIndex) % (n - 1));
  return (firstReplicaIndex + s) % n;
}

/**
 * Checks a manual assignment (CreateTopics `assignments`, CreatePartitions): non-empty, no
 * duplicate brokers, every broker registered, the same replication factor everywhere.
 * Throws INVALID_REPLICA_ASSIGNMENT as Kafka does.
 */
export function validateManualAssignment(
  assignment: ReadonlyMap<number, readonly number[]>,
  liveBrokerIds: ReadonlySet<number>,
  expectedReplicationFactor: number | null,
): void {
  let factor = expectedReplicationFactor;
  for (const [partition, replicas] of assignment) {
    if (replicas.length === 0) throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${partition} has no replicas.`);
    if (new Set(replicas).size !== replicas.length) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Duplicate brokers not allowed in replica assignment: ${replicas.join(', ')} for partition id ${partition}.`);
    }
    const unknown = replicas.filter((b) => !liveBrokerIds.has(b));
    if (unknown.length > 0) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Unknown broker(s) ${unknown.join(', ')} in replica assignment for partition ${partition}.`);
    }
    if (factor === null) factor = replicas.length;
    else if (replicas.length !== factor) {
      throw new KafkaError(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${partition} has ${replicas.length} replicas, others have ${factor}.`);
    }
  }
}
