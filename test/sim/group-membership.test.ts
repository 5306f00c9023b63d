/**
 * Seeded simulation of the group coordinator's deterministic core (GroupCoordinatorShard) with
 * simulated consumers (dynamic and static members) that join, sync, heartbeat, commit, leave,
 * crash and restart, over a network that delays requests and responses and a log whose appends
 * complete late (in order) or fail. Invariants are checked after every step:
 *
 *  - the generation id never goes back;
 *  - every successful JoinGroup of one generation names the same leader and protocol;
 *  - every successful SyncGroup delivers exactly what that generation's leader assigned to the
 *    member (the leader's assignment delivered to each);
 *  - members holding the current generation of a Stable group never share a partition;
 *  - the committed offset of a partition is the one of the last acknowledged commit, and a
 *    shard reloaded from the committed log has exactly the same offsets;
 *  - no request waits forever: every JoinGroup / SyncGroup is answered within a bound;
 *  - a crashed dynamic member leaves the group within a bound (session / rebalance timeouts).
 *
 * Then a liveness phase (no faults, everyone restarted) requires the group to become Stable with
 * every live consumer in the current generation and all partitions assigned exactly once.
 * A failure prints its seed; `GROUP_SIM_SEED=<n>` replays it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Append } from '../../src/broker/group/effects.js';
import { defaultGroupConfig, type GroupConfig } from '../../src/broker/group/group-config.js';
import { GroupCoordinatorShard } from '../../src/broker/group/group-coordinator-shard.js';
import { decodeCoordinatorRecord, encodeRecordKey, encodeRecordValue, type CoordinatorRecord } from '../../src/broker/group/records.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { prng } from '../helpers/prng.js';

const GROUP = 'sim-group';
const TOPIC = 'sim-topic';
const PARTITIONS = 6;
const TICK_MS = 100;
const SESSION_MS = 3000;
const REBALANCE_MS = 5000;
const HEARTBEAT_MS = 500;
/** Longest a JoinGroup may wait: rebalance timeout + initial delays + network slack. */
const MAX_WAIT_MS = REBALANCE_MS * 2 + 2000;

type Phase = 'idle' | 'join' | 'joining' | 'syncing' | 'stable' | 'stopped';

interface Client {
  name: string;
  instanceId: string | null;
  memberId: string;
  generationId: number;
  phase: Phase;
  alive: boolean;
  /** Incremented on crash: responses to an older incarnation are dropped. */
  incarnation: number;
  busy: boolean;
  nextHeartbeatMs: number;
  assignment: number[];
  idleUntilMs: number;
}

interface InFlight {
  atMs: number;
  run: () => void;
}

class Simulation {
  readonly rand: () => number;
  nowMs = 0;
  readonly config: GroupConfig = { ...defaultGroupConfig, initialRebalanceDelayMs: 300, minSessionTimeoutMs: 1000 };
  shard = new GroupCoordinatorShard(0, this.config, 0);
  readonly clients: Client[] = [];
  private queue: InFlight[] = [];
  private heldAppends: { append: Append; atMs: number; fail: boolean }[] = [];
  private readonly waiting = new Map<number, { client: Client; incarnation: number; sentMs: number; kind: string; onReply: (r: any) => void }>();
  private requestSeq = 0;
  private memberSeq = 0;
  readonly log: CoordinatorRecord[] = [];
  faults = true;
  // What the invariants remember.
  lastGeneration = 0;
  private readonly generationInfo = new Map<number, { leader: string; protocol: string | null }>();
  private readonly leaderAssignment = new Map<number, Map<string, number[]>>();
  private readonly ackedCommits = new Map<number, bigint>();
  private commitSeq = 0n;
  ackedCommitCount = 0;
  private readonly staleSinceMs = new Map<Client, number>();
  private readonly instanceAssignment = new Map<number, Map<string, number[]>>();
  private readonly instanceOf = new Map<string, string>();
  /** Member ids of crashed dynamic members -> when they crashed (the coordinator must drop them). */
  private readonly crashedMembers = new Map<string, number>();

  constructor(readonly seed: number, members: number, staticMembers: number) {
    this.rand = prng(seed);
    for (let i = 0; i < members; i++) {
      this.clients.push({ name: `c${i}`, instanceId: i < staticMembers ? `instance-${i}` : null, memberId: '', generationId: -1, phase: 'join', alive: true, incarnation: 0, busy: false, nextHeartbeatMs: 0, assignment: [], idleUntilMs: 0 });
    }
  }

  private delayMs(): number {
    return Math.floor(this.rand() * 3) * TICK_MS;
  }

  // ---------------------------------------------------------------- the coordinator side

  private apply(out: { replies: { requestId: number; response: object }[]; appends: Append[] }): void {
    for (const r of out.replies) {
      const w = this.waiting.get(r.requestId);
      if (w === undefined) continue;
      this.waiting.delete(r.requestId);
      this.queue.push({ atMs: this.nowMs + this.delayMs(), run: () => w.client.incarnation === w.incarnation && w.client.alive && w.onReply(r.response) });
    }
    for (const a of out.appends) this.heldAppends.push({ append: a, atMs: this.nowMs + this.delayMs(), fail: this.faults && this.rand() < 0.03 });
  }

  /** Appends complete in order (a later one waits for the ones before it). */
  private completeAppends(): void {
    while (this.heldAppends.length > 0 && this.heldAppends[0]!.atMs <= this.nowMs) {
      const { append, fail } = this.heldAppends.shift()!;
      if (!fail) for (const r of append.records) this.log.push(decodeCoordinatorRecord(encodeRecordKey(r), encodeRecordValue(r))!);
      this.apply(this.shard.appendCompleted(append.appendId, append.records, fail ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NONE, this.nowMs));
    }
  }

  private send(c: Client, kind: string, op: (requestId: number) => ReturnType<GroupCoordinatorShard['tick']>, onReply: (r: any) => void): void {
    const requestId = ++this.requestSeq;
    const incarnation = c.incarnation;
    c.busy = true;
    this.waiting.set(requestId, {
      client: c,
      incarnation,
      sentMs: this.nowMs,
      kind,
      onReply: (r) => {
        c.busy = false;
        onReply(r);
      },
    });
    this.queue.push({ atMs: this.nowMs + this.delayMs(), run: () => this.apply(op(requestId)) });
  }

  private origin(requestId: number, c: Client) {
    return { requestId, apiVersion: 9, clientId: c.name, clientHost: '/sim' };
  }

  // ---------------------------------------------------------------- the consumers

  private metadata(): Buffer {
    return Buffer.from(TOPIC);
  }

  private joinGroup(c: Client): void {
    c.phase = 'joining';
    const newMemberId = `${c.name}-${++this.memberSeq}`;
    this.send(
      c,
      'join',
      (id) =>
        this.shard.joinGroup(this.origin(id, c), { groupId: GROUP, sessionTimeoutMs: SESSION_MS, rebalanceTimeoutMs: REBALANCE_MS, memberId: c.memberId, groupInstanceId: c.instanceId, protocolType: 'consumer', protocols: [{ name: 'range', metadata: this.metadata() }], newMemberId }, this.nowMs),
      (r) => this.onJoin(c, r),
    );
  }

  private onJoin(c: Client, r: any): void {
    switch (r.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        c.memberId = r.memberId;
        c.phase = 'join';
        return;
      case ErrorCode.FENCED_INSTANCE_ID:
        c.phase = 'stopped';
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        c.memberId = '';
        c.phase = 'join';
        return;
      default:
        c.phase = 'join';
        return;
    }
    if (c.instanceId !== null) this.instanceOf.set(r.memberId, c.instanceId);
    const known = this.generationInfo.get(r.generationId);
    if (known === undefined) this.generationInfo.set(r.generationId, { leader: r.leader, protocol: r.protocolName });
    else {
      // A static leader that restarted keeps leading the generation under its new member id (KIP-345).
      const sameInstance = known.leader !== r.leader && this.instanceOf.get(known.leader) !== undefined && this.instanceOf.get(known.leader) === this.instanceOf.get(r.leader);
      if (sameInstance) known.leader = r.leader;
      assert.deepEqual({ leader: r.leader, protocol: r.protocolName }, known, `seed ${this.seed}: two leaders or protocols in generation ${r.generationId}`);
    }
    c.memberId = r.memberId;
    c.generationId = r.generationId;
    let assignments: { memberId: string; assignment: Buffer }[] = [];
    if (r.leader === r.memberId && r.members.length > 0) {
      const members = r.members as { memberId: string; groupInstanceId: string | null }[];
      const ids = members.map((m) => m.memberId).sort();
      const plan = new Map<string, number[]>(ids.map((id) => [id, []]));
      for (let p = 0; p < PARTITIONS; p++) plan.get(ids[p % ids.length]!)!.push(p);
      if (!this.leaderAssignment.has(r.generationId)) {
        this.leaderAssignment.set(r.generationId, plan);
        // A static member may come back under a new member id in the same generation and keep its share.
        this.instanceAssignment.set(r.generationId, new Map(members.filter((m) => m.groupInstanceId !== null).map((m) => [m.groupInstanceId!, plan.get(m.memberId)!])));
      }
      assignments = [...plan].map(([memberId, parts]) => ({ memberId, assignment: Buffer.from(JSON.stringify(parts)) }));
    }
    c.phase = 'syncing';
    this.send(
      c,
      'sync',
      (id) => this.shard.syncGroup(this.origin(id, c), { groupId: GROUP, generationId: c.generationId, memberId: c.memberId, groupInstanceId: c.instanceId, protocolType: 'consumer', protocolName: 'range', assignments }, this.nowMs),
      (s) => this.onSync(c, s),
    );
  }

  private onSync(c: Client, r: any): void {
    if (r.errorCode !== ErrorCode.NONE) {
      if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) c.memberId = '';
      if (r.errorCode === ErrorCode.FENCED_INSTANCE_ID) c.phase = 'stopped';
      else c.phase = 'join';
      return;
    }
    const parts: number[] = r.assignment.length === 0 ? [] : (JSON.parse(r.assignment.toString()) as number[]);
    const plan = this.leaderAssignment.get(c.generationId);
    assert.ok(plan !== undefined, `seed ${this.seed}: an assignment for generation ${c.generationId} no leader made`);
    const expected = plan.get(c.memberId) ?? (c.instanceId === null ? undefined : this.instanceAssignment.get(c.generationId)?.get(c.instanceId)) ?? [];
    assert.deepEqual(parts, expected, `seed ${this.seed}: ${c.name} got another assignment than its leader's`);
    c.assignment = parts;
    c.phase = 'stable';
    c.nextHeartbeatMs = this.nowMs + HEARTBEAT_MS;
  }

  private heartbeat(c: Client): void {
    this.send(
      c,
      'heartbeat',
      (id) => this.shard.heartbeat(this.origin(id, c), { groupId: GROUP, generationId: c.generationId, memberId: c.memberId, groupInstanceId: c.instanceId }, this.nowMs),
      (r) => {
        c.nextHeartbeatMs = this.nowMs + HEARTBEAT_MS;
        if (r.errorCode === ErrorCode.NONE || c.phase !== 'stable') return;
        c.assignment = [];
        if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) c.memberId = '';
        c.phase = r.errorCode === ErrorCode.FENCED_INSTANCE_ID ? 'stopped' : 'join';
      },
    );
  }

  private commit(c: Client): void {
    const partition = c.assignment[Math.floor(this.rand() * c.assignment.length)]!;
    const offset = ++this.commitSeq;
    this.send(
      c,
      'commit',
      (id) => this.shard.commitOffsets(this.origin(id, c), { groupId: GROUP, generationId: c.generationId, memberId: c.memberId, groupInstanceId: c.instanceId, retentionTimeMs: -1n, topics: [{ name: TOPIC, partitions: [{ partitionIndex: partition, committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null, errorCode: ErrorCode.NONE }] }] }, this.nowMs),
      (r) => {
        if (r.topics[0].partitions[0].errorCode !== ErrorCode.NONE) return;
        this.ackedCommits.set(partition, offset);
        this.ackedCommitCount++;
      },
    );
  }

  private leave(c: Client): void {
    this.send(
      c,
      'leave',
      (id) => this.shard.leaveGroup(this.origin(id, c), { groupId: GROUP, memberId: '', members: [{ memberId: c.memberId, groupInstanceId: c.instanceId, reason: 'sim' }] }, this.nowMs),
      () => undefined,
    );
    c.memberId = c.instanceId === null ? '' : c.memberId;
    c.phase = 'idle';
    c.assignment = [];
    c.idleUntilMs = this.nowMs + 1000 + Math.floor(this.rand() * 3000);
  }

  private crash(c: Client): void {
    if (c.instanceId === null && c.memberId !== '') this.crashedMembers.set(c.memberId, this.nowMs);
    c.alive = false;
    c.incarnation++;
    c.busy = false;
    c.assignment = [];
  }

  private restart(c: Client): void {
    c.alive = true;
    c.memberId = '';
    c.generationId = -1;
    c.phase = 'join';
    c.busy = false;
  }

  private stepClient(c: Client): void {
    if (!c.alive || c.busy) return;
    if (c.phase === 'idle' && this.nowMs >= c.idleUntilMs) c.phase = 'join';
    if (c.phase === 'join') return this.joinGroup(c);
    if (c.phase !== 'stable') return;
    if (this.faults && this.rand() < 0.004) return this.leave(c);
    if (c.assignment.length > 0 && this.rand() < 0.05) return this.commit(c);
    if (this.nowMs >= c.nextHeartbeatMs) this.heartbeat(c);
  }

  // ---------------------------------------------------------------- driving

  tick(): void {
    this.nowMs += TICK_MS;
    if (this.faults) {
      for (const c of this.clients) {
        if (c.alive && this.rand() < 0.003) this.crash(c);
        else if (!c.alive && this.rand() < 0.02) this.restart(c);
        else if (c.phase === 'stopped' && this.rand() < 0.02) this.restart(c);
      }
    }
    const due = this.queue.filter((m) => m.atMs <= this.nowMs);
    this.queue = this.queue.filter((m) => m.atMs > this.nowMs);
    for (const m of due) m.run();
    this.completeAppends();
    if (this.shard.nextDeadlineMs() <= this.nowMs) this.apply(this.shard.tick(this.nowMs));
    for (const c of this.clients) this.stepClient(c);
    this.checkInvariants();
  }

  checkInvariants(): void {
    const group = this.shard.groups.get(GROUP);
    const generation = group?.generationId ?? this.lastGeneration;
    assert.ok(generation >= this.lastGeneration, `seed ${this.seed}: generation went back ${this.lastGeneration} -> ${generation}`);
    this.lastGeneration = generation;
    if (group !== undefined && group.state === 'Stable') {
      const owners = new Map<number, string>();
      for (const c of this.clients) {
        if (!c.alive || c.phase !== 'stable' || c.generationId !== generation) continue;
        for (const p of c.assignment) {
          assert.ok(!owners.has(p), `seed ${this.seed}: partition ${p} held by ${owners.get(p)} and ${c.name} in generation ${generation}`);
          owners.set(p, c.name);
        }
      }
    }
    // A member of an older generation learns it must rejoin within a few heartbeats (or its
    // session ends): it must not keep consuming a stale assignment.
    for (const c of this.clients) {
      const stale = c.alive && c.phase === 'stable' && c.generationId < generation;
      if (!stale) this.staleSinceMs.delete(c);
      else if (!this.staleSinceMs.has(c)) this.staleSinceMs.set(c, this.nowMs);
      else assert.ok(this.nowMs - this.staleSinceMs.get(c)! <= SESSION_MS + 3 * HEARTBEAT_MS, `seed ${this.seed}: ${c.name} kept generation ${c.generationId} while the group is at ${generation}`);
    }
    for (const [partition, offset] of this.ackedCommits) {
      const got = this.shard.fetchOffsets(GROUP, [{ name: TOPIC, partitionIndexes: [partition] }], false)[0]!.partitions[0]!.committedOffset;
      assert.ok(got >= offset, `seed ${this.seed}: acknowledged commit ${offset} of partition ${partition} lost (have ${got})`);
    }
    // A crashed dynamic member is gone within its session timeout (Stable), or when the rebalance
    // it does not rejoin completes or its SyncGroup never comes: bounded either way.
    for (const [memberId, crashedMs] of this.crashedMembers) {
      if (group?.members.has(memberId) !== true) this.crashedMembers.delete(memberId);
      else assert.ok(this.nowMs - crashedMs <= SESSION_MS + MAX_WAIT_MS, `seed ${this.seed}: crashed member ${memberId} still in the group ${this.nowMs - crashedMs} ms later`);
    }
    for (const [, w] of this.waiting) {
      if (w.kind !== 'join' && w.kind !== 'sync') continue;
      if (w.client.incarnation !== w.incarnation) continue;
      assert.ok(this.nowMs - w.sentMs <= MAX_WAIT_MS, `seed ${this.seed}: a ${w.kind} of ${w.client.name} waited ${this.nowMs - w.sentMs} ms`);
    }
  }

  /** A shard loaded from the committed log has the same offsets as the live one. */
  checkReplay(): void {
    // Only once every append has completed: the log then holds everything acknowledged.
    if (this.heldAppends.length > 0) return;
    const reloaded = new GroupCoordinatorShard(0, this.config, this.nowMs);
    for (const r of this.log) reloaded.replay(r, this.nowMs, true);
    assert.deepEqual(reloaded.fetchOffsets(GROUP, null, false), this.shard.fetchOffsets(GROUP, null, false), `seed ${this.seed}: replayed offsets differ`);
  }

  heal(): void {
    this.faults = false;
    for (const c of this.clients) if (!c.alive || c.phase === 'stopped') this.restart(c);
    for (const c of this.clients) if (c.phase === 'idle') c.idleUntilMs = 0;
  }

  converged(): boolean {
    const group = this.shard.groups.get(GROUP);
    if (group === undefined || group.state !== 'Stable') return false;
    if (group.members.size !== this.clients.length) return false;
    if (!this.clients.every((c) => c.alive && c.phase === 'stable' && c.generationId === group.generationId)) return false;
    const parts = this.clients.flatMap((c) => c.assignment).sort((a, b) => a - b);
    return parts.length === PARTITIONS && parts.every((p, i) => p === i);
  }
}

function runSeed(seed: number): { generations: number; commits: number } {
  const members = 2 + (seed % 4);
  const sim = new Simulation(seed, members, seed % 3 === 0 ? 1 : 0);
  for (let i = 0; i < 1500; i++) {
    sim.tick();
    if (i % 100 === 99) sim.checkReplay();
  }
  sim.heal();
  let ticks = 0;
  while (!sim.converged()) {
    sim.tick();
    ticks++;
    assert.ok(ticks < 600, `seed ${seed}: no Stable generation with every consumer ${ticks} ticks after healing: ${JSON.stringify(sim.clients.map((c) => [c.name, c.phase, c.generationId, c.assignment]))} group ${sim.shard.groups.get(GROUP)?.state}`);
  }
  for (let i = 0; i < 50; i++) sim.tick();
  assert.ok(sim.converged(), `seed ${seed}: did not stay stable`);
  sim.checkReplay();
  return { generations: sim.lastGeneration, commits: sim.ackedCommitCount };
}

test('group membership under churn: invariants hold after every step, and the group converges', () => {
  const only = process.env.GROUP_SIM_SEED;
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: 40 }, (_, i) => i + 1);
  let generations = 0;
  let commits = 0;
  for (const seed of seeds) {
    const r = runSeed(seed);
    generations += r.generations;
    commits += r.commits;
  }
  // The churn is real: many rebalances and acknowledged commits were checked.
  console.log(`${seeds.length} seeds: ${generations} generations, ${commits} acknowledged commits`);
  assert.ok(generations >= seeds.length * 5, `only ${generations} generations`);
  assert.ok(commits >= seeds.length * 10, `only ${commits} commits`);
});
