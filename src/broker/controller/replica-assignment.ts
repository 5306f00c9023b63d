/**
 * Kafka's replica assignment (AdminUtils.assignReplicasToBrokers). Rack-unaware:
 * spread partition leaders round-robin over the sorted brokers from a start index, and place
 * each partition's followers at a shift from its leader that grows every time the partition
 * number wraps around the broker list, so that followers of one broker's partitions do not all
 * land on the same other broker. Rack-aware (every broker has `broker.rack`): the same walk over
 * a rack-alternated broker list, skipping brokers whose rack already holds a replica. The random
 * start index and shift are inputs (the caller
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
  validateCounts(numPartitions, replicationFactor, brokers.length);
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

/** A live broker as the assignment sees it. */
export interface AssignableBroker {
  readonly id: number;
  readonly rack: string | null;
}

/**
 * Kafka's AdminUtils.assignReplicasToBrokers: rack-aware when every broker has a rack,
 * rack-unaware when none has; a mix is refused (Kafka's AdminOperationException).
 */
export function assignReplicas(brokers: readonly AssignableBroker[], input: Omit<AssignmentInput, 'brokerIds'>): Map<number, number[]> {
  const ids = brokers.map((b) => b.id);
  if (brokers.every((b) => b.rack === null)) return assignReplicasToBrokers({ ...input, brokerIds: ids });
  if (brokers.some((b) => b.rack === null)) {
    throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Not all brokers have rack information for replica rack aware assignment.');
  }
  return assignReplicasToBrokersRackAware(new Map(brokers.map((b) => [b.id, b.rack!])), input);
}

/**
 * Brokers ordered by alternating racks (racks sorted, brokers sorted within a rack):
 * rack1's first, rack2's first, ..., rack1's second, ... (Kafka's getRackAlternatedBrokerList).
 */
export function rackAlternatedBrokerList(brokerRacks: ReadonlyMap<number, string>): number[] {
  const byRack = new Map<string, number[]>();
  for (const [id, rack] of brokerRacks) {
    let list = byRack.get(rack);
    if (list === undefined) byRack.set(rack, (list = []));
    list.push(id);
  }
  const racks = [...byRack.keys()].sort();
  for (const r of racks) byRack.get(r)!.sort((a, b) => a - b);
  const cursors = new Map(racks.map((r) => [r, 0]));
  const out: number[] = [];
  for (let rackIndex = 0; out.length < brokerRacks.size; rackIndex = (rackIndex + 1) % racks.length) {
    const rack = racks[rackIndex]!;
    const i = cursors.get(rack)!;
    const list = byRack.get(rack)!;
    if (i < list.length) {
      out.push(list[i]!);
      cursors.set(rack, i + 1);
    }
  }
  return out;
}

/**
 * Kafka's rack-aware assignment: leaders round-robin over the rack-alternated list; each
 * follower is the next broker (by the shifted walk) whose rack has no replica yet — unless every
 * rack has one — and that is not already a replica — unless every broker is.
 */
export function assignReplicasToBrokersRackAware(brokerRacks: ReadonlyMap<number, string>, input: Omit<AssignmentInput, 'brokerIds'>): Map<number, number[]> {
  const { numPartitions, replicationFactor } = input;
  validateCounts(numPartitions, replicationFactor, brokerRacks.size);
  const numRacks = new Set(brokerRacks.values()).size;
  const arranged = rackAlternatedBrokerList(brokerRacks);
  const n = arranged.length;
  const startIndex = input.fixedStartIndex >= 0 ? input.fixedStartIndex : input.randomInt(n);
  let nextReplicaShift = input.fixedStartIndex >= 0 ? input.fixedStartIndex : input.randomInt(n);
  let partitionId = Math.max(0, input.startPartitionId);
  const out = new Map<number, number[]>();
  for (let i = 0; i < numPartitions; i++) {
    if (partitionId > 0 && partitionId % n === 0) nextReplicaShift += 1;
    const firstReplicaIndex = (partitionId + startIndex) % n;
    const leader = arranged[firstReplicaIndex]!;
    const replicas = [leader];
    const racksWithReplicas = new Set([brokerRacks.get(leader)!]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      // bounded: within n * n steps every broker has been visited for every rack state
      for (let guard = 0; guard <= n * n; guard++) {
        const broker = arranged[followerIndex(firstReplicaIndex, nextReplicaShift * numRacks, k, n)]!;
        const rack = brokerRacks.get(broker)!;
        k += 1;
        if ((!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks) && (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    out.set(partitionId, replicas);
    partitionId += 1;
  }
  return out;
}

function validateCounts(numPartitions: number, replicationFactor: number, brokers: number): void {
  if (numPartitions <= 0) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, 'Number of partitions must be larger than 0.');
  if (numPartitions > MAX_PARTITIONS_PER_TOPIC) throw new KafkaError(ErrorCode.INVALID_PARTITIONS, `Number of partitions must be at most ${MAX_PARTITIONS_PER_TOPIC}.`);
  if (replicationFactor <= 0) throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0.');
  if (replicationFactor > brokers) {
    throw new KafkaError(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${replicationFactor} larger than available brokers: ${brokers}.`);
  }
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
