/**
 * Where a follower truncates its log when it starts following a leader (KIP-101 / KIP-279),
 * pure: Kafka's AbstractFetcherThread.getOffsetTruncationState.
 *
 * The follower asks the leader (OffsetForLeaderEpoch) for the end offset of its own latest
 * epoch. The leader answers with the largest epoch it knows that is <= the one asked and where
 * that epoch ends in its log. When the leader's epoch is the one asked, everything of ours up to
 * the leader's end offset agrees with the leader. When it is smaller, our log diverged earlier:
 * we cut back to where *our* copy of the leader's epoch ends (never past the leader's end offset)
 * and ask again with our new latest epoch (KIP-279's loop) until both sides agree on an epoch.
 */

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: bigint;
}

export interface TruncationDecision {
  /** Truncate the log to this offset (no-op when >= its LEO). */
  offset: bigint;
  /** False: truncated to an intermediate point; ask the leader again with the new latest epoch. */
  completed: boolean;
}

export interface FollowerLogView {
  logEndOffset: bigint;
  highWatermark: bigint;
  /** The follower's end offset for `epoch` (its largest epoch <= it, and where that epoch ends). */
  endOffsetForEpoch(epoch: number): EpochEndOffset | null | undefined;
}

/** The follower has no leader epochs (empty log or pre-KIP-101 data): the HW is all it can trust. */
export function truncationWithoutEpochs(log: FollowerLogView): TruncationDecision {
  return { offset: min(log.highWatermark, log.logEndOffset), completed: true };
}

export function truncationFor(leader: EpochEndOffset, log: FollowerLogView): TruncationDecision {
  // The leader knows no epoch <= ours (or is too old to answer): fall back to the HW.
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) return truncationWithoutEpochs(log);
  if (leader.leaderEpoch === UNDEFINED_EPOCH) return { offset: min(leader.endOffset, log.logEndOffset), completed: true };
  const ours = log.endOffsetForEpoch(leader.leaderEpoch);
  if (ours === null || ours === undefined || ours.endOffset === UNDEFINED_EPOCH_OFFSET) {
    // We have nothing at or below the leader's epoch: keep only what the leader has.
    return { offset: min(leader.endOffset, log.logEndOffset), completed: true };
  }
  if (ours.leaderEpoch !== leader.leaderEpoch) {
    // Our largest epoch <= the leader's is an older one: our log diverged before the leader's
    // epoch; cut to where ours ends and ask again (Kafka's intermediate truncation).
    return { offset: min(ours.endOffset, log.logEndOffset), completed: false };
  }
  return { offset: min(min(leader.endOffset, ours.endOffset), log.logEndOffset), completed: true };
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
