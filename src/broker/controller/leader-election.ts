/**
 * Kafka's partition leader election rules (PartitionLeaderElectionAlgorithms and the
 * replica-offline ISR handling of ZooKeeper-mode KafkaController), as pure functions.
 */
import type { PartitionState } from '../zk/codecs.js';

/** Kafka's LeaderAndIsr.NoLeader. */
export const NO_LEADER = -1;

/**
 * The first state of a new partition (NewPartition -> OnlinePartition): the live assigned
 * replicas form the ISR and the first of them leads. Null when no replica is alive (the
 * partition stays new until one registers, as in Kafka).
 */
export function initialPartitionState(replicas: readonly number[], live: ReadonlySet<number>, controllerEpoch: number): PartitionState | null {
  const liveReplicas = replicas.filter((r) => live.has(r));
  if (liveReplicas.length === 0) return null;
  return { leader: liveReplicas[0]!, leaderEpoch: 0, isr: liveReplicas, controllerEpoch };
}

/**
 * OfflinePartition -> OnlinePartition: the first assigned replica (preferred order) that is
 * alive and in the ISR; only when unclean election is enabled, any alive assigned replica,
 * whose ISR is then just itself. Returns null when nobody is eligible.
 */
export function offlinePartitionLeaderElection(
  replicas: readonly number[],
  isr: readonly number[],
  live: ReadonlySet<number>,
  uncleanLeaderElectionEnable: boolean,
): { leader: number; isr: number[]; unclean: boolean } | null {
  const clean = replicas.find((r) => live.has(r) && isr.includes(r));
  if (clean !== undefined) return { leader: clean, isr: isr.filter((r) => live.has(r)), unclean: false };
  if (!uncleanLeaderElectionEnable) return null;
  const unclean = replicas.find((r) => live.has(r));
  return unclean === undefined ? null : { leader: unclean, isr: [unclean], unclean: true };
}

/**
 * What the controller writes for a partition given the live brokers, or null when nothing
 * changes. A new state always bumps the leader epoch (Kafka's newLeaderAndIsr), whether the
 * leader moved or dead followers left the ISR. When nobody can lead, the leader becomes -1 and
 * the ISR keeps its last member (Kafka never empties the ISR, so that a clean leader can come
 * back).
 */
export function nextPartitionState(
  current: PartitionState,
  replicas: readonly number[],
  live: ReadonlySet<number>,
  uncleanLeaderElectionEnable: boolean,
  controllerEpoch: number,
): PartitionState | null {
  const leaderAlive = current.leader !== NO_LEADER && live.has(current.leader);
  if (leaderAlive) {
    const isr = current.isr.filter((r) => live.has(r));
    if (isr.length === current.isr.length) return null;
    if (!isr.includes(current.leader)) isr.unshift(current.leader);
    return { leader: current.leader, leaderEpoch: current.leaderEpoch + 1, isr, controllerEpoch };
  }
  const elected = offlinePartitionLeaderElection(replicas, current.isr, live, uncleanLeaderElectionEnable);
  if (elected !== null) return { leader: elected.leader, leaderEpoch: current.leaderEpoch + 1, isr: elected.isr, controllerEpoch };
  if (current.leader === NO_LEADER) return null;
  const survivors = current.isr.filter((r) => live.has(r));
  const isr = survivors.length > 0 ? survivors : current.isr.includes(current.leader) ? [current.leader] : current.isr.slice(0, 1);
  return { leader: NO_LEADER, leaderEpoch: current.leaderEpoch + 1, isr, controllerEpoch };
}

/**
 * Kafka's ControlledShutdownPartitionLeaderElectionStrategy: the leader is shutting down, so
 * the first assigned replica (preferred order) that is alive, in the ISR and not shutting down
 * takes over, and the ISR loses every shutting-down broker. `eligible` = live brokers that are
 * not shutting down. Null when nobody qualifies (the partition keeps its leader).
 */
export function controlledShutdownLeaderElection(
  replicas: readonly number[],
  isr: readonly number[],
  eligible: ReadonlySet<number>,
): { leader: number; isr: number[] } | null {
  const leader = replicas.find((r) => eligible.has(r) && isr.includes(r));
  if (leader === undefined) return null;
  return { leader, isr: isr.filter((r) => eligible.has(r)) };
}
