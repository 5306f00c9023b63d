/**
 * A classic consumer group (Kafka's ClassicGroup / GroupMetadata): its members, generation,
 * selected protocol and state. Plain data plus pure queries; every transition is made by the
 * shard (./group-coordinator-shard.ts), which owns control flow.
 *
 * States (Kafka's GroupState):
 *   Empty               no members; offsets may remain (expire after offsets.retention.minutes)
 *   PreparingRebalance  members are (re)joining; JoinGroup responses wait
 *   CompletingRebalance joined; waiting for the leader's assignment in SyncGroup
 *   Stable              assignment delivered; members heartbeat
 *   Dead                removed (DeleteGroups, expiry, partition unloaded)
 */
export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

/** Which state may follow which (Kafka's validPreviousStates, inverted). */
const validPrevious: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Empty', 'Stable', 'CompletingRebalance'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
};

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

export interface ClassicMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  protocolType: string;
  protocols: MemberProtocol[];
  assignment: Buffer;
  /** The JoinGroup request waiting for the rebalance to complete, or null. */
  awaitingJoin: { requestId: number; apiVersion: number } | null;
  /** The SyncGroup request waiting for the leader's assignment, or null. */
  awaitingSync: { requestId: number } | null;
  /** Session deadline (monotonic ms); refreshed by heartbeats, joins and syncs. */
  sessionDeadlineMs: number;
}

export class ClassicGroup {
  state: GroupState = GroupState.Empty;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Wall-clock ms of the last state change (GroupMetadataValue.currentStateTimestamp), -1 unknown. */
  currentStateTimestampMs = -1;
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id -> member id (static membership, KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, not joined yet -> deadline (KIP-394). */
  readonly pendingMembers = new Map<string, number>();
  /** Members that must send SyncGroup in this generation (KIP-814 style pending sync). */
  readonly pendingSyncMembers = new Set<string>();
  /** When the join phase ends (delayed join / rebalance timeout), or null. */
  joinDeadlineMs: number | null = null;
  /** The initial rebalance delay still in force (group.initial.rebalance.delay.ms). */
  initialDelay: { delayMs: number; remainingMs: number } | null = null;
  /** When members that have not synced are removed, or null. */
  syncDeadlineMs: number | null = null;
  /** A new member joined since the last delayed-join check. */
  newMemberAdded = false;

  constructor(readonly groupId: string) {}

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(next: GroupState, wallClockMs: number): void {
    if (!validPrevious[next].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${next}`);
    }
    this.state = next;
    this.currentStateTimestampMs = wallClockMs;
  }

  get size(): number {
    return this.members.size;
  }

  /** The largest rebalance timeout of the members (Kafka's group.rebalanceTimeoutMs). */
  rebalanceTimeoutMs(): number {
    let t = 0;
    for (const m of this.members.values()) t = Math.max(t, m.rebalanceTimeoutMs);
    return t;
  }

  hasAllMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }

  /** Protocols every member supports, in the order of the first member's preference. */
  candidateProtocols(): string[] {
    const all = [...this.members.values()];
    if (all.length === 0) return [];
    return all[0]!.protocols.map((p) => p.name).filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
  }

  /** Whether a member with these protocols may join (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const candidates = new Set(this.candidateProtocols());
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * The protocol of this generation: among those all members support, each member votes for the
   * first one it lists; the most votes wins (ties go to the first member's preference order).
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    if (candidates.length === 0) throw new Error(`group ${this.groupId}: no protocol supported by all members`);
    const votes = new Map<string, number>(candidates.map((c) => [c, 0]));
    for (const m of this.members.values()) {
      const vote = m.protocols.find((p) => votes.has(p.name))!.name;
      votes.set(vote, votes.get(vote)! + 1);
    }
    let best = candidates[0]!;
    for (const c of candidates) if (votes.get(c)! > votes.get(best)!) best = c;
    return best;
  }

  metadataFor(member: ClassicMember, protocol: string): Buffer {
    const p = member.protocols.find((x) => x.name === protocol);
    if (p === undefined) throw new Error(`member ${member.memberId} does not support ${protocol}`);
    return p.metadata;
  }

  /** Same protocol names and metadata as the member's current ones (a duplicate JoinGroup). */
  static sameProtocols(a: readonly MemberProtocol[], b: readonly MemberProtocol[]): boolean {
    return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
  }
}
