/**
 * The leader's in-sync replica decisions, pure (ARCHITECTURE rule 4): Kafka's
 * `Partition.maybeIncrementLeaderHW`, `ReplicaState.updateFetchState`, `isFollowerInSync`
 * (ISR expansion) and `getOutOfSyncReplicas` (ISR shrink), on plain values and an injected time.
 *
 * The ISR that decides the high watermark is the *maximal* one (Kafka's `maximalIsr`): while
 * an ISR change is being written to the keeper, the committed ISR united with the proposed one.
 * A shrink therefore only lets the HW move once the smaller ISR is committed, and an expansion
 * makes the joining replica count at once (it is caught up to the HW already) — either way an
 * acknowledged acks=all record is on every replica that may become leader.
 */

/** What the leader knows of one follower (Kafka's ReplicaState). */
export interface ReplicaState {
  /** The follower's log end offset as reported by its last fetch; -1n before the first. */
  logEndOffset: bigint;
  /** The last time the follower was known to be caught up with the leader's LEO. */
  lastCaughtUpTimeMs: number;
  /** The leader's LEO when the follower last fetched (-1n before the first fetch). */
  lastFetchLeaderLogEndOffset: bigint;
  /** When the follower last fetched. */
  lastFetchTimeMs: number;
}

export function initialReplicaState(nowMs: number): ReplicaState {
  return { logEndOffset: -1n, lastCaughtUpTimeMs: nowMs, lastFetchLeaderLogEndOffset: -1n, lastFetchTimeMs: nowMs };
}

/**
 * Kafka's ReplicaState.updateFetchState: a fetch from `fetchOffset` means the follower has every
 * offset below it. It is caught up at this fetch when it asked for the leader's LEO; it was
 * caught up at its previous fetch when it now asks for at least what the leader's LEO was then.
 */
export function afterFollowerFetch(r: ReplicaState, fetchOffset: bigint, leaderLogEndOffset: bigint, nowMs: number): ReplicaState {
  let lastCaughtUpTimeMs = r.lastCaughtUpTimeMs;
  if (fetchOffset >= leaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
  else if (r.lastFetchLeaderLogEndOffset >= 0n && fetchOffset >= r.lastFetchLeaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, r.lastFetchTimeMs);
  return { logEndOffset: fetchOffset, lastCaughtUpTimeMs, lastFetchLeaderLogEndOffset: leaderLogEndOffset, lastFetchTimeMs: nowMs };
}

/** The committed ISR united with an in-flight proposal (leader first, order kept). */
export function maximalIsr(isr: readonly number[], pendingIsr: readonly number[] | null): readonly number[] {
  if (pendingIsr === null) return isr;
  const out = [...isr];
  for (const id of pendingIsr) if (!out.includes(id)) out.push(id);
  return out;
}

/**
 * The high watermark the ISR allows: the smallest LEO over the (maximal) ISR, the leader's own
 * included. -1n while an ISR follower has not fetched yet (its LEO is unknown): the HW must wait.
 */
export function highWatermarkOf(leaderLeo: bigint, isr: readonly number[], leaderId: number, remotes: ReadonlyMap<number, { readonly logEndOffset: bigint }>): bigint {
  let hw = leaderLeo;
  for (const id of isr) {
    if (id === leaderId) continue;
    const leo = remotes.get(id)?.logEndOffset ?? -1n;
    if (leo < 0n) return -1n;
    if (leo < hw) hw = leo;
  }
  return hw;
}

/**
 * Kafka's isFollowerInSync (ISR expansion): a replica outside the ISR may join once it has
 * everything below the HW and everything the previous leaders wrote (the LEO at which this
 * leader's epoch started) — so it could serve as leader without losing a committed record.
 */
export function isFollowerInSync(r: ReplicaState, highWatermark: bigint, leaderEpochStartOffset: bigint): boolean {
  return r.logEndOffset >= 0n && r.logEndOffset >= highWatermark && r.logEndOffset >= leaderEpochStartOffset;
}

/**
 * Kafka's getOutOfSyncReplicas (ISR shrink): ISR followers that are behind the leader's LEO and
 * have not been caught up for longer than `replica.lag.time.max.ms`. A follower with the whole
 * log stays (it may just have nothing to fetch).
 */
export function outOfSyncReplicas(
  isr: readonly number[], leaderId: number, remotes: ReadonlyMap<number, ReplicaState>, leaderLogEndOffset: bigint, nowMs: number, lagTimeMaxMs: number,
): number[] {
  const out: number[] = [];
  for (const id of isr) {
    if (id === leaderId) continue;
    const r = remotes.get(id);
    if (r === undefined) {
      out.push(id);
      continue;
    }
    if (r.logEndOffset !== leaderLogEndOffset && nowMs - r.lastCaughtUpTimeMs > lagTimeMaxMs) out.push(id);
  }
  return out;
}

/**
 * What the leader proposes after a follower's fetch: the ISR with that follower added when it is
 * assigned, not yet in the (maximal) ISR and in sync. null = nothing to change.
 */
export function proposeIsrExpansion(
  s: { isr: readonly number[]; pendingIsr: readonly number[] | null; replicas: readonly number[]; highWatermark: bigint; leaderEpochStartOffset: bigint },
  replicaId: number, r: ReplicaState,
): number[] | null {
  if (s.pendingIsr !== null) return null; // one ISR write at a time (Kafka's PendingPartitionChange)
  if (!s.replicas.includes(replicaId) || s.isr.includes(replicaId)) return null;
  if (!isFollowerInSync(r, s.highWatermark, s.leaderEpochStartOffset)) return null;
  return [...s.isr, replicaId];
}

/** What the leader proposes on its periodic check: the ISR without lagging followers. null = nothing to change. */
export function proposeIsrShrink(
  s: { isr: readonly number[]; pendingIsr: readonly number[] | null; leaderId: number; remotes: ReadonlyMap<number, ReplicaState>; leaderLogEndOffset: bigint },
  nowMs: number, lagTimeMaxMs: number,
): number[] | null {
  if (s.pendingIsr !== null) return null;
  const lagging = outOfSyncReplicas(s.isr, s.leaderId, s.remotes, s.leaderLogEndOffset, nowMs, lagTimeMaxMs);
  if (lagging.length === 0) return null;
  return s.isr.filter((id) => !lagging.includes(id));
}
