/**
 * Partition assignors run by the group leader (Kafka's ConsumerPartitionAssignor): range,
 * roundrobin, sticky and cooperative-sticky. Pure functions of the members' subscriptions and
 * the partition counts. Members are ordered as Kafka orders them (static members first by
 * group.instance.id, then the others by member id) so that every client computes the same assignment.
 *
 * cooperative-sticky (KIP-429) computes the sticky assignment and then withholds every
 * partition that another member still owns: that member revokes it first and rejoins, and the
 * partition is handed over in the following rebalance.
 */
import type { TopicPartition } from '../offsets.js';
import type { Subscription } from './protocol.js';
import { decodeStickyUserData, encodeStickyUserData } from './sticky-user-data.js';

export type AssignorName = 'range' | 'roundrobin' | 'sticky' | 'cooperative-sticky';
export type RebalanceProtocol = 'eager' | 'cooperative';

export interface AssignorMember {
  memberId: string;
  groupInstanceId: string | null;
  subscription: Subscription;
}

export type GroupAssignment = Map<string, TopicPartition[]>;

export interface Assignor {
  name: AssignorName;
  protocol: RebalanceProtocol;
  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: AssignorMember[]): GroupAssignment;
  /** What this member puts in its subscription's userData for this assignor (null: nothing). */
  subscriptionUserData?(previousAssignment: readonly TopicPartition[], generationId: number): Buffer | null;
}

/** Kafka's MemberInfo.compareTo: static members first, by group.instance.id; then dynamic ones by member id. */
function compareMembers(a: AssignorMember, b: AssignorMember): number {
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return cmp(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return cmp(a.memberId, b.memberId);
}

function emptyAssignment(members: AssignorMember[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

function sortTps(tps: TopicPartition[]): TopicPartition[] {
  return tps.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}

/** RangeAssignor: per topic, consecutive ranges; the first (n % m) members get one more. */
export const rangeAssignor: Assignor = {
  name: 'range',
  protocol: 'eager',
  assign(partitionsPerTopic, members) {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    for (const [topic, n] of [...partitionsPerTopic].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const subscribers = sorted.filter((m) => m.subscription.topics.includes(topic));
      if (subscribers.length === 0) continue;
      const per = Math.floor(n / subscribers.length);
      const extra = n % subscribers.length;
      subscribers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        for (let p = start; p < start + length; p++) out.get(m.memberId)!.push({ topic, partition: p });
      });
    }
    return out;
  },
};

function allPartitions(partitionsPerTopic: ReadonlyMap<string, number>, members: AssignorMember[]): TopicPartition[] {
  const subscribed = new Set(members.flatMap((m) => m.subscription.topics));
  const tps: TopicPartition[] = [];
  for (const [topic, n] of partitionsPerTopic) {
    if (!subscribed.has(topic)) continue;
    for (let p = 0; p < n; p++) tps.push({ topic, partition: p });
  }
  return sortTps(tps);
}

/** RoundRobinAssignor: every partition in (topic, partition) order, dealt to members in turn. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  protocol: 'eager',
  assign(partitionsPerTopic, members) {
    const out = emptyAssignment(members);
    const sorted = [...members].sort(compareMembers);
    if (sorted.length === 0) return out;
    let i = 0;
    for (const tp of allPartitions(partitionsPerTopic, members)) {
      for (let tries = 0; tries < sorted.length; tries++) {
        const m = sorted[i % sorted.length]!;
        i++;
        if (m.subscription.topics.includes(tp.topic)) {
          out.get(m.memberId)!.push(tp);
          break;
        }
      }
    }
    return out;
  },
};

const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

/**
 * Who owns what before this rebalance, from the members' claims: a cooperative member's
 * ownedPartitions (with its subscription's generation), else a sticky member's user data (its
 * previous assignment and generation). A partition claimed by several members goes to the claim
 * of the highest generation; a tie at the highest generation means no valid owner (Kafka's
 * AbstractStickyAssignor: two members of one generation cannot both own it, so neither is
 * trusted) — a member that lost its membership and rejoined cannot keep a partition that way.
 */
export function resolveOwnership(partitions: readonly TopicPartition[], members: readonly AssignorMember[]): Map<string, string> {
  const valid = new Set(partitions.map(key));
  const best = new Map<string, { memberId: string | null; generation: number }>();
  for (const m of members) {
    const sub = m.subscription;
    let claims: TopicPartition[] = sub.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    let generation = sub.generationId;
    if (claims.length === 0) {
      const sticky = decodeStickyUserData(sub.userData);
      if (sticky !== null) {
        claims = sticky.previousAssignment;
        generation = sticky.generation;
      }
    }
    for (const tp of claims) {
      const k = key(tp);
      if (!valid.has(k) || !sub.topics.includes(tp.topic)) continue;
      const prev = best.get(k);
      if (prev === undefined || generation > prev.generation) best.set(k, { memberId: m.memberId, generation });
      else if (generation === prev.generation && prev.memberId !== m.memberId) best.set(k, { memberId: null, generation });
    }
  }
  const owner = new Map<string, string>();
  for (const [k, b] of best) if (b.memberId !== null) owner.set(k, b.memberId);
  return owner;
}

/**
 * The sticky assignment: balanced (counts differ by at most one among members with the same
 * subscription) while keeping as many owned partitions as balance allows.
 */
export function stickyAssign(partitionsPerTopic: ReadonlyMap<string, number>, members: AssignorMember[]): GroupAssignment {
  const out = emptyAssignment(members);
  const sorted = [...members].sort(compareMembers);
  if (sorted.length === 0) return out;
  const partitions = allPartitions(partitionsPerTopic, members);
  const owner = resolveOwnership(partitions, sorted);
  const total = partitions.length;
  const minQuota = Math.floor(total / sorted.length);
  let maxQuotaSlots = total % sorted.length;
  const byKey = new Map(partitions.map((tp) => [key(tp), tp]));
  const assigned = new Set<string>();
  // Keep owned partitions up to the quota (members with more owned get the larger quotas first).
  const owned = new Map<string, TopicPartition[]>(sorted.map((m) => [m.memberId, []]));
  for (const [k, memberId] of owner) owned.get(memberId)!.push(byKey.get(k)!);
  for (const m of [...sorted].sort((a, b) => owned.get(b.memberId)!.length - owned.get(a.memberId)!.length)) {
    const mine = sortTps(owned.get(m.memberId)!);
    let quota = minQuota;
    if (mine.length > minQuota && maxQuotaSlots > 0) {
      quota++;
      maxQuotaSlots--;
    }
    for (const tp of mine.slice(0, quota)) {
      out.get(m.memberId)!.push(tp);
      assigned.add(key(tp));
    }
  }
  // The rest to the eligible member with the fewest partitions.
  for (const tp of partitions) {
    if (assigned.has(key(tp))) continue;
    let best: AssignorMember | null = null;
    for (const m of sorted) {
      if (!m.subscription.topics.includes(tp.topic)) continue;
      if (best === null || out.get(m.memberId)!.length < out.get(best.memberId)!.length) best = m;
    }
    if (best === null) continue;
    out.get(best.memberId)!.push(tp);
    assigned.add(key(tp));
  }
  for (const list of out.values()) sortTps(list);
  return out;
}

export const stickyAssignor: Assignor = {
  name: 'sticky',
  protocol: 'eager',
  assign: stickyAssign,
  subscriptionUserData: (previous, generationId) => (previous.length === 0 ? null : encodeStickyUserData(previous, generationId)),
};

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  protocol: 'cooperative',
  assign(partitionsPerTopic, members) {
    const target = stickyAssign(partitionsPerTopic, members);
    const owner = resolveOwnership(allPartitions(partitionsPerTopic, members), members);
    for (const [memberId, list] of target) {
      target.set(memberId, list.filter((tp) => {
        const o = owner.get(key(tp));
        return o === undefined || o === memberId;
      }));
    }
    return target;
  },
};

export const assignors: Readonly<Record<AssignorName, Assignor>> = {
  range: rangeAssignor,
  roundrobin: roundRobinAssignor,
  sticky: stickyAssignor,
  'cooperative-sticky': cooperativeStickyAssignor,
};
