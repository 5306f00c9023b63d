/**
 * The consumer (Kafka's KafkaConsumer): manual assignment or group subscription, positions
 * from committed offsets or auto.offset.reset, fetching with fetch sessions (one request in
 * flight per leader, prefetching while the application works), poll() and an async iterator,
 * seek / pause / resume, commits (auto every auto.commit.interval.ms, or manual), and a clean
 * LeaveGroup on close.
 *
 * Rebalances: with the eager protocol every partition is revoked (after a commit) before
 * rejoining; with the cooperative protocol (every configured assignor cooperative) partitions
 * are kept across the rebalance, only the revoked ones are given up, and the member rejoins
 * at once when it revoked any (KIP-429's second round).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createFetchRequest, type FetchResponse } from '../../protocol/generated/fetch.js';
import { KafkaCluster, METADATA_STALE_ERRORS } from '../cluster.js';
import { backoffMs } from '../config.js';
import { ClientError, sleep } from '../errors.js';
import {
  OffsetSpec, commitOffsets, fetchCommittedOffsets, listOffsets, tpKey, type OffsetToCommit, type TopicPartition,
} from '../offsets.js';
import { resolveConsumerConfig, type ConsumerConfig, type ResolvedConsumerConfig } from './config.js';
import { FetchSessionHandler, type FetchPartitionState } from './fetch-session.js';
import { GroupMember, LOST_ERRORS, type JoinResult } from './group-member.js';
import { nextFetchOffsetOf, parseFetchedRecords, type ConsumerRecord } from './records.js';

export type { ConsumerRecord } from './records.js';

export interface RebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (membership expired). */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface PollOptions {
  /** How long to wait for records (default 1000 ms). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

interface PartitionState {
  topic: string;
  partition: number;
  /** The next offset poll() returns; null until known. */
  position: bigint | null;
  /** The next offset to fetch (ahead of position by what is buffered). */
  fetchPosition: bigint | null;
  buffered: ConsumerRecord[];
  /** Fetched bytes not decoded yet (decoded when poll() reaches them, after the next fetch is out). */
  raw: { bytes: Buffer; fetchOffset: bigint; aborted: { producerId: bigint; firstOffset: bigint }[] | null }[];
  paused: boolean;
  /** Bumped by seek: a fetch answered for an older epoch is dropped. */
  seekEpoch: number;
  inFlight: boolean;
  reset: 'earliest' | 'latest' | 'none' | null;
  highWatermark: bigint;
  leaderEpoch: number;
}

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly cluster: KafkaCluster;
  private readonly config: ResolvedConsumerConfig;
  private readonly partitions = new Map<string, PartitionState>();
  private subscription: string[] | null = null;
  private listener: RebalanceListener = {};
  private group: GroupMember | null = null;
  private readonly sessions = new Map<number, FetchSessionHandler>();
  private readonly fetches = new Map<number, Promise<void>>();
  /**
   * Brokers whose last fetch failed (connection refused, request lost) or named stale metadata:
   * no fetch before `untilMs` (performance.now()), retry.backoff.ms doubling up to
   * retry.backoff.max.ms (the Java consumer's reconnect backoff), cleared by a clean response.
   */
  private readonly fetchBackoff = new Map<number, { untilMs: number; failures: number }>();
  private nextAutoCommitMs = 0;
  private closed = false;
  private needPositions = false;
  /** Partition counts of the subscribed topics when the group last assigned (the leader watches them). */
  private assignedCounts: Map<string, number> | null = null;
  private nextMetadataCheckMs = 0;
  /** A JoinGroup/SyncGroup round still in flight (poll returned before it finished). */
  private pendingJoin: { join: Promise<JoinResult>; subscription: string[] } | null = null;
  /** Aborts a pending join when the consumer closes or leaves the group. */
  private closeSignal = new AbortController();

  constructor(config: ConsumerConfig) {
    this.config = resolveConsumerConfig(config);
    this.cluster = new KafkaCluster(config);
    this.cluster.allowAutoTopicCreation = config.allowAutoCreateTopics ?? true;
  }

  /** Joins the group (group.id) and consumes the partitions it assigns for `topics`. */
  subscribe(topics: string[], listener: RebalanceListener = {}): void {
    if (this.config.groupId === null) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'subscribe() needs a group.id');
    if (topics.length === 0) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'subscribe() needs at least one topic');
    if (this.subscription === null && this.partitions.size > 0) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'assign() and subscribe() cannot be mixed');
    const previous = this.subscription;
    this.subscription = [...new Set(topics)];
    this.listener = listener;
    this.cluster.addTopics(this.subscription);
    this.group ??= new GroupMember(this.cluster, this.config.groupId, this.config);
    // As Java: only a changed subscription is a reason to rebalance (a join in flight with the
    // old topics is followed by another, see ensureGroup).
    if (previous === null || !sameTopics(previous, this.subscription)) this.group.rejoinNeeded = true;
  }

  /** Consumes exactly these partitions, without group membership (commits still need group.id). */
  assign(partitions: TopicPartition[]): void {
    if (this.subscription !== null) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'assign() and subscribe() cannot be mixed');
    const wanted = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
    for (const k of this.partitions.keys()) if (!wanted.has(k)) this.partitions.delete(k);
    for (const tp of partitions) this.addPartition(tp);
    this.cluster.addTopics(partitions.map((tp) => tp.topic));
  }

  /** Leaves the group (if subscribed) and drops every partition. */
  async unsubscribe(): Promise<void> {
    try {
      if (this.group !== null) await this.leaveGroup(this.group);
    } finally {
      this.group = null;
      this.subscription = null;
      this.partitions.clear();
    }
  }

  assignment(): TopicPartition[] {
    return [...this.partitions.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  private addPartition(tp: TopicPartition): void {
    const k = tpKey(tp.topic, tp.partition);
    if (this.partitions.has(k)) return;
    this.partitions.set(k, {
      topic: tp.topic, partition: tp.partition, position: null, fetchPosition: null, buffered: [], raw: [], paused: false, seekEpoch: 0,
      inFlight: false, reset: null, highWatermark: -1n, leaderEpoch: -1,
    });
    this.needPositions = true;
  }

  private state(tp: TopicPartition): PartitionState {
    const s = this.partitions.get(tpKey(tp.topic, tp.partition));
    if (s === undefined) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', `${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return s;
  }

  /** The next poll returns records from `offset` of this partition. */
  seek(tp: TopicPartition, offset: bigint | number): void {
    const s = this.state(tp);
    s.position = BigInt(offset);
    s.fetchPosition = s.position;
    s.buffered = [];
    s.raw = [];
    s.reset = null;
    s.seekEpoch++;
  }

  seekToBeginning(tps: TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.requestReset(this.state(tp), 'earliest');
  }

  seekToEnd(tps: TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.requestReset(this.state(tp), 'latest');
  }

  private requestReset(s: PartitionState, to: 'earliest' | 'latest' | 'none'): void {
    s.position = null;
    s.fetchPosition = null;
    s.buffered = [];
    s.raw = [];
    s.reset = to;
    s.seekEpoch++;
    this.needPositions = true;
  }

  /** The offset of the next record poll() will return for `tp` (resolving it if unknown). */
  async position(tp: TopicPartition): Promise<bigint> {
    await this.updatePositions();
    const p = this.state(tp).position;
    if (p === null) throw new ClientError('GREGOR_ERR_NO_OFFSET', `no position for ${tp.topic}-${tp.partition}`);
    return p;
  }

  pause(tps: TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = true;
  }

  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.state(tp).paused = false;
  }

  paused(): TopicPartition[] {
    return [...this.partitions.values()].filter((p) => p.paused).map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** The earliest offset whose timestamp is >= the given one, per partition (null: none). */
  async offsetsForTimes(query: (TopicPartition & { timestamp: bigint | number })[]): Promise<(TopicPartition & { offset: bigint | null; timestamp: bigint | null })[]> {
    const res = await listOffsets(this.cluster, query.map((q) => ({ topic: q.topic, partition: q.partition, timestamp: BigInt(q.timestamp) })), this.config.isolationLevel);
    return res.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset < 0n ? null : r.offset, timestamp: r.offset < 0n ? null : r.timestamp }));
  }

  async beginningOffsets(tps: TopicPartition[]): Promise<(TopicPartition & { offset: bigint })[]> {
    return (await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp: OffsetSpec.earliest })), this.config.isolationLevel)).map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
  }

  async endOffsets(tps: TopicPartition[]): Promise<(TopicPartition & { offset: bigint })[]> {
    return (await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp: OffsetSpec.latest })), this.config.isolationLevel)).map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset }));
  }

  /** The group's committed offsets for `tps` (null where none is committed). */
  async committed(tps: TopicPartition[] = this.assignment()): Promise<(TopicPartition & { offset: bigint | null })[]> {
    const groupId = this.requireGroupId();
    const res = await this.withCoordinator(groupId, (coordinator) => fetchCommittedOffsets(this.cluster, coordinator, groupId, tps, true));
    return res.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset < 0n ? null : r.offset }));
  }

  private requireGroupId(): string {
    if (this.config.groupId === null) throw new ClientError('GREGOR_ERR_INVALID_CONFIG', 'offsets are committed to a group: set group.id');
    return this.config.groupId;
  }

  private async coordinator(groupId: string): Promise<number> {
    if (this.group !== null) return this.group.ensureCoordinator();
    return this.cluster.findCoordinator(groupId);
  }

  /**
   * Runs a coordinator request with retries; when the coordinator has moved (NOT_COORDINATOR,
   * COORDINATOR_NOT_AVAILABLE) or cannot be reached, the next attempt looks it up again (as Java's
   * commitSync), rather than asking the old one until the retries run out.
   */
  private withCoordinator<T>(groupId: string, fn: (coordinator: number) => Promise<T>): Promise<T> {
    return this.cluster.withRetries(async () => {
      try {
        return await fn(await this.coordinator(groupId));
      } catch (err) {
        const moved = err instanceof KafkaError && (err.errorCode === ErrorCode.NOT_COORDINATOR || err.errorCode === ErrorCode.COORDINATOR_NOT_AVAILABLE);
        if (moved || (err instanceof ClientError && err.retriable)) this.group?.markCoordinatorUnknown();
        throw err;
      }
    });
  }

  /** Commits `offsets` (default: the current positions of every partition). */
  async commit(offsets?: OffsetToCommit[]): Promise<void> {
    const groupId = this.requireGroupId();
    const list = offsets ?? this.currentPositions();
    if (list.length === 0) return;
    const group = this.group;
    if (group?.fatalError != null) throw group.fatalError;
    if (group !== null && this.subscription !== null && (group.generationId < 0 || group.lost)) {
      // Java's CommitFailedException: partitions assigned by the group are committed only within
      // a generation (a commit without one is taken by an empty group: a kicked-out member's).
      throw new KafkaError(ErrorCode.UNKNOWN_MEMBER_ID, `commit cannot be completed: this consumer is not part of an active generation of group ${groupId} (it was removed, or a rebalance is under way); poll() rejoins`);
    }
    const member = group !== null && group.generationId >= 0
      ? { generationId: group.generationId, memberId: group.memberId, groupInstanceId: group.groupInstanceId }
      : undefined;
    try {
      await this.withCoordinator(groupId, (coordinator) => commitOffsets(this.cluster, coordinator, groupId, list, member));
    } catch (err) {
      // Only an answer about the generation the commit was made in speaks about the membership.
      if (err instanceof KafkaError && member !== undefined && group !== null && this.group === group) group.onGroupError(err.errorCode, member.generationId);
      throw err;
    }
  }

  private currentPositions(): OffsetToCommit[] {
    const out: OffsetToCommit[] = [];
    for (const s of this.partitions.values()) if (s.position !== null) out.push({ topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.leaderEpoch });
    return out;
  }

  private async commitIfAuto(): Promise<void> {
    if (!this.config.enableAutoCommit || this.config.groupId === null) return;
    await this.commit().catch(() => undefined);
  }

  /** Returns the records available now, waiting up to timeoutMs when there are none. */
  async poll(options: PollOptions = {}): Promise<ConsumerRecord[]> {
    if (this.closed) return [];
    const deadline = performance.now() + (options.timeoutMs ?? 1000);
    for (;;) {
      if (this.closed || options.signal?.aborted === true) return [];
      if (this.group !== null) {
        this.group.polled();
        await this.ensureGroup(deadline, options.signal);
      }
      this.maybeAutoCommit();
      if (this.needPositions) await this.updatePositions();
      const records = this.drainBuffered();
      this.sendFetches();
      if (records.length > 0) return records;
      const remaining = deadline - performance.now();
      if (remaining <= 0) return [];
      if (this.fetches.size === 0) {
        await sleep(Math.min(remaining, 100), options.signal).catch(() => undefined);
        continue;
      }
      // Wait for a fetch to answer, the timeout, or the signal (a held fetch may take fetch.max.wait.ms).
      await settlesBefore(Promise.race(this.fetches.values()), deadline, options.signal);
    }
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    yield* this.messages();
  }

  /**
   * Records one at a time until close() or `signal` aborts. Leaving the loop early (break,
   * throw) rewinds to the first record not yet yielded, so nothing polled is skipped.
   */
  async *messages(options: { signal?: AbortSignal } = {}): AsyncGenerator<ConsumerRecord> {
    let batch: ConsumerRecord[] = [];
    let i = 0;
    try {
      while (!this.closed && options.signal?.aborted !== true) {
        batch = await this.poll({ timeoutMs: 1000, signal: options.signal });
        for (i = 0; i < batch.length; i++) yield batch[i]!;
      }
    } finally {
      this.rewind(batch.slice(i + 1));
    }
  }

  /** Seeks each partition back to the first of `unconsumed` (records handed out but not used). */
  private rewind(unconsumed: ConsumerRecord[]): void {
    if (this.closed) return;
    const first = new Map<string, ConsumerRecord>();
    for (const r of unconsumed) if (!first.has(tpKey(r.topic, r.partition))) first.set(tpKey(r.topic, r.partition), r);
    for (const r of first.values()) if (this.partitions.has(tpKey(r.topic, r.partition))) this.seek(r, r.offset);
  }

  private maybeAutoCommit(): void {
    if (!this.config.enableAutoCommit || this.config.groupId === null) return;
    const now = performance.now();
    if (now < this.nextAutoCommitMs) return;
    if (this.nextAutoCommitMs === 0) {
      this.nextAutoCommitMs = now + this.config.autoCommitIntervalMs;
      return;
    }
    this.nextAutoCommitMs = now + this.config.autoCommitIntervalMs;
    if (this.group !== null && (this.group.rejoinNeeded || this.group.generationId < 0)) return;
    void this.commit().catch(() => undefined);
  }

  private drainBuffered(): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const s of this.partitions.values()) {
      if (s.paused) continue;
      while (s.buffered.length === 0 && s.raw.length > 0) this.decodeRaw(s);
      if (s.buffered.length === 0) {
        // Only control records or aborted data were fetched: the position still moves on.
        if (s.fetchPosition !== null && !s.inFlight && s.raw.length === 0) s.position = s.fetchPosition;
        continue;
      }
      const room = this.config.maxPollRecords - out.length;
      if (room <= 0) break;
      const take = s.buffered.length <= room ? s.buffered : s.buffered.slice(0, room);
      s.buffered = s.buffered.length <= room ? [] : s.buffered.slice(room);
      for (const r of take) out.push(r);
      s.position = take[take.length - 1]!.offset + 1n;
      if (s.buffered.length === 0 && s.raw.length === 0 && s.fetchPosition !== null && s.fetchPosition > s.position) s.position = s.fetchPosition;
    }
    return out;
  }

  private decodeRaw(s: PartitionState): void {
    const chunk = s.raw.shift()!;
    const parsed = parseFetchedRecords(s.topic, s.partition, chunk.bytes, chunk.fetchOffset, this.config.isolationLevel === 'read_committed', chunk.aborted);
    if (parsed.records.length > 0) {
      s.buffered = parsed.records;
      s.leaderEpoch = parsed.records[parsed.records.length - 1]!.leaderEpoch;
    }
  }

  /** Positions for partitions without one: the committed offset, else auto.offset.reset. */
  private async updatePositions(): Promise<void> {
    this.needPositions = false;
    // 'none' keeps looking for a committed offset on every poll (Java: the partition stays INITIALIZING).
    const unknown = [...this.partitions.values()].filter((s) => s.position === null && (s.reset === null || s.reset === 'none'));
    if (unknown.length > 0) {
      if (this.config.groupId !== null) {
        const committed = await this.committed(unknown.map((s) => ({ topic: s.topic, partition: s.partition })));
        for (const c of committed) {
          const s = this.partitions.get(tpKey(c.topic, c.partition));
          if (s === undefined || s.position !== null) continue;
          if (c.offset !== null) {
            s.position = c.offset;
            s.fetchPosition = c.offset;
            s.reset = null;
          }
        }
      }
      for (const s of unknown) if (s.position === null) s.reset = this.config.autoOffsetReset;
    }
    const toReset = [...this.partitions.values()].filter((s) => s.position === null && s.reset !== null);
    if (toReset.length === 0) return;
    const none = toReset.find((s) => s.reset === 'none');
    if (none !== undefined) {
      this.needPositions = true;
      throw new ClientError('GREGOR_ERR_NO_OFFSET', `no committed offset for ${none.topic}-${none.partition} and auto.offset.reset is none`);
    }
    const res = await listOffsets(
      this.cluster,
      toReset.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.reset === 'earliest' ? OffsetSpec.earliest : OffsetSpec.latest })),
      this.config.isolationLevel,
    );
    for (const r of res) {
      const s = this.partitions.get(tpKey(r.topic, r.partition));
      if (s === undefined || s.position !== null) continue;
      s.position = r.offset;
      s.fetchPosition = r.offset;
      s.reset = null;
    }
  }

  /** One Fetch per leader that has fetchable partitions and no fetch in flight. */
  private sendFetches(): void {
    const byLeader = new Map<number, PartitionState[]>();
    const md = this.cluster.current;
    const nowMs = performance.now();
    let refresh = false;
    for (const s of this.partitions.values()) {
      // Prefetch: at most one undecoded response ahead of what poll() is handing out.
      if (s.paused || s.fetchPosition === null || s.inFlight || s.raw.length > 1 || s.buffered.length >= this.config.maxPollRecords) continue;
      const leader = md.topics.get(s.topic)?.partitions[s.partition]?.leader ?? -1;
      if (leader < 0) {
        refresh = true;
        continue;
      }
      if (this.fetches.has(leader) || (this.fetchBackoff.get(leader)?.untilMs ?? 0) > nowMs) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), s]);
    }
    if (refresh) void this.cluster.refreshMetadata().catch(() => undefined);
    for (const [leader, states] of byLeader) {
      const p = this.fetchFrom(leader, states).finally(() => {
        this.fetches.delete(leader);
        // The next fetch goes out before the application decodes this one.
        if (!this.closed) this.sendFetches();
      });
      this.fetches.set(leader, p);
    }
  }

  private async fetchFrom(leader: number, states: PartitionState[]): Promise<void> {
    let session = this.sessions.get(leader);
    if (session === undefined) {
      session = new FetchSessionHandler();
      this.sessions.set(leader, session);
    }
    const md = this.cluster.current;
    const wanted: FetchPartitionState[] = states.map((s) => ({
      topic: s.topic, topicId: md.topics.get(s.topic)?.topicId ?? ZERO_UUID, partition: s.partition,
      fetchOffset: s.fetchPosition!, maxBytes: this.config.maxPartitionFetchBytes, currentLeaderEpoch: -1,
    }));
    const epochs = new Map(states.map((s) => [tpKey(s.topic, s.partition), { s, seekEpoch: s.seekEpoch, fetchOffset: s.fetchPosition! }]));
    for (const s of states) s.inFlight = true;
    try {
      const conn = await this.cluster.connectionTo(leader, 'fetch');
      const version = conn.versionOf('Fetch') ?? 4;
      const req = session.build(wanted);
      const byTopic = (list: FetchPartitionState[]): Map<string, FetchPartitionState[]> => {
        const m = new Map<string, FetchPartitionState[]>();
        for (const p of list) m.set(p.topic, [...(m.get(p.topic) ?? []), p]);
        return m;
      };
      const body = createFetchRequest({
        replicaId: -1,
        maxWaitMs: this.config.fetchMaxWaitMs,
        minBytes: this.config.fetchMinBytes,
        maxBytes: this.config.fetchMaxBytes,
        isolationLevel: this.config.isolationLevel === 'read_committed' ? 1 : 0,
        sessionId: version >= 7 ? req.sessionId : 0,
        sessionEpoch: version >= 7 ? req.sessionEpoch : -1,
        topics: [...byTopic(version >= 7 ? req.toSend : wanted)].map(([topic, ps]) => ({
          topic, topicId: ps[0]!.topicId,
          partitions: ps.map((p) => ({
            partition: p.partition, currentLeaderEpoch: p.currentLeaderEpoch, fetchOffset: p.fetchOffset, lastFetchedEpoch: -1,
            logStartOffset: -1n, partitionMaxBytes: p.maxBytes, replicaDirectoryId: ZERO_UUID,
          })),
        })),
        forgottenTopicsData: version >= 7 ? [...byTopic(req.forgotten)].map(([topic, ps]) => ({ topic, topicId: ps[0]!.topicId, partitions: ps.map((p) => p.partition) })) : [],
        rackId: '',
      });
      const res = await conn.request('Fetch', body, { timeoutMs: this.cluster.config.requestTimeoutMs + this.config.fetchMaxWaitMs });
      if (version >= 7) session.handleResponse(res.errorCode, res.sessionId);
      if (res.errorCode !== 0) return;
      if (this.handleFetchResponse(res, epochs)) this.backOff(leader);
      else this.fetchBackoff.delete(leader);
    } catch {
      session.reset();
      this.backOff(leader);
      await this.cluster.refreshMetadata().catch(() => undefined);
    } finally {
      for (const s of states) s.inFlight = false;
    }
  }

  /** No fetch from `leader` for a while: its fetch failed or answered with stale metadata. */
  private backOff(leader: number): void {
    const failures = (this.fetchBackoff.get(leader)?.failures ?? 0) + 1;
    const waitMs = backoffMs(failures - 1, this.cluster.config.retryBackoffMs, this.cluster.config.retryBackoffMaxMs);
    this.fetchBackoff.set(leader, { untilMs: performance.now() + waitMs, failures });
  }

  /** Applies a fetch response; true when a partition's error means the metadata is stale. */
  private handleFetchResponse(res: FetchResponse, sent: Map<string, { s: PartitionState; seekEpoch: number; fetchOffset: bigint }>): boolean {
    const namesById = new Map<string, string>();
    for (const t of this.cluster.current.topics.values()) namesById.set(t.topicId, t.name);
    let refresh = false;
    for (const t of res.responses) {
      const topic = t.topic !== '' ? t.topic : namesById.get(t.topicId) ?? '';
      for (const p of t.partitions) {
        const entry = sent.get(tpKey(topic, p.partitionIndex));
        if (entry === undefined) continue;
        const { s } = entry;
        if (s.seekEpoch !== entry.seekEpoch || s.fetchPosition !== entry.fetchOffset || !this.partitions.has(tpKey(topic, p.partitionIndex))) continue;
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          this.requestReset(s, this.config.autoOffsetReset);
          continue;
        }
        if (p.errorCode !== 0) {
          if (METADATA_STALE_ERRORS.has(p.errorCode)) refresh = true;
          continue;
        }
        s.highWatermark = p.highWatermark;
        const next = nextFetchOffsetOf(p.records, entry.fetchOffset);
        if (next > entry.fetchOffset) s.raw.push({ bytes: p.records!, fetchOffset: entry.fetchOffset, aborted: p.abortedTransactions });
        s.fetchPosition = next;
      }
    }
    if (refresh) {
      for (const sess of this.sessions.values()) sess.reset();
      void this.cluster.refreshMetadata().catch(() => undefined);
    }
    return refresh;
  }

  /**
   * Joins or rejoins when needed, revoking and assigning per the rebalance protocol. Waits for
   * the join at most until `deadline` (poll's timeout), as the Java client does: JoinGroup stays
   * in flight and a later poll picks up its result. A blocking join would starve the other
   * members' polls in a single-threaded application (their JoinGroup waits for ours, ours for
   * their poll), and the rebalance would only end at the rebalance timeout.
   */
  private async ensureGroup(deadline: number, signal?: AbortSignal): Promise<void> {
    const group = this.group!;
    if (group.fatalError !== null) {
      // Fenced (FENCED_INSTANCE_ID): the partitions belong to the newer instance now.
      const owned = this.assignment();
      try {
        if (owned.length > 0) await this.listener.onPartitionsLost?.(owned);
      } finally {
        this.partitions.clear();
      }
      throw group.fatalError;
    }
    if (this.pendingJoin === null) {
      if (!group.rejoinNeeded && group.generationId >= 0) {
        await this.checkSubscribedMetadata(group);
        if (!group.rejoinNeeded) return;
      }
      await this.prepareJoin(group);
      // The listener may have closed or unsubscribed the consumer.
      if (this.closed || this.group !== group || this.subscription === null) return;
      const subscription = [...this.subscription];
      const join = group.joinGroup(subscription, group.rebalanceProtocol === 'cooperative' ? this.assignment() : [], this.closeSignal.signal);
      this.pendingJoin = { join, subscription };
      join.catch(() => undefined); // settled below, possibly by a later poll
    }
    const pending = this.pendingJoin;
    if (!(await settlesBefore(pending.join, deadline, signal))) return;
    // close() or unsubscribe() abandoned this join meanwhile (its LeaveGroup may even be what
    // ended it): its outcome, success or failure, concerns no one any more.
    if (this.closed || this.group !== group || this.pendingJoin !== pending) return;
    this.pendingJoin = null;
    let result: JoinResult;
    try {
      result = await pending.join;
    } catch (err) {
      // Membership lost while joining: the next pass drops what we hold and joins anew.
      if (err instanceof KafkaError && LOST_ERRORS.has(err.errorCode)) return;
      throw err;
    }
    if (this.closed || this.group !== group) return;
    // The generation was left after the join completed and before a poll picked it up (the
    // heartbeat timer's poll timeout, UNKNOWN_MEMBER_ID): as Java, do not complete that
    // rebalance; the next pass joins again.
    if (group.lost || group.generationId !== result.generationId) return;
    await this.onJoined(group, result);
    // subscribe() changed the topics while the join was in flight: join again with the new ones.
    if (this.subscription !== null && !sameTopics(this.subscription, pending.subscription)) group.rejoinNeeded = true;
  }

  /**
   * Before JoinGroup: a lost member drops its partitions; an eager member commits and revokes
   * all; a cooperative one revokes the partitions of topics it no longer subscribes to (Java's
   * onJoinPrepare), since the leader ignores claims on topics outside a member's subscription
   * and would hand them to another member while this one still consumes them.
   */
  private async prepareJoin(group: GroupMember): Promise<void> {
    const owned = this.assignment();
    if (group.lost) {
      // As Java's onJoinPrepare: the listener runs while assignment() still shows what is lost.
      try {
        if (owned.length > 0) await this.listener.onPartitionsLost?.(owned);
      } finally {
        this.partitions.clear();
      }
    } else if (group.rebalanceProtocol !== 'cooperative' && owned.length > 0) {
      await this.commitIfAuto();
      await this.listener.onPartitionsRevoked?.(owned);
      this.partitions.clear();
    } else if (owned.length > 0) {
      const subscribed = new Set(this.subscription ?? []);
      const unsubscribed = owned.filter((tp) => !subscribed.has(tp.topic));
      if (unsubscribed.length > 0) await this.revoke(unsubscribed);
    }
  }

  /** Gives partitions up: their positions committed first when auto-commit is on (as Java), then onPartitionsRevoked. */
  private async revoke(revoked: TopicPartition[]): Promise<void> {
    if (this.config.enableAutoCommit) {
      await this.commit(revoked.flatMap((tp) => {
        const s = this.partitions.get(tpKey(tp.topic, tp.partition))!;
        return s.position === null ? [] : [{ ...tp, offset: s.position, leaderEpoch: s.leaderEpoch }];
      })).catch(() => undefined);
    }
    await this.listener.onPartitionsRevoked?.(revoked);
    for (const tp of revoked) this.partitions.delete(tpKey(tp.topic, tp.partition));
  }

  /** The new generation's assignment: revoke what moved away (cooperative), add what is new. */
  private async onJoined(group: GroupMember, result: JoinResult): Promise<void> {
    this.assignedCounts = this.partitionCounts();
    this.nextMetadataCheckMs = performance.now() + this.cluster.config.metadataMaxAgeMs;
    const assigned = new Set(result.assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.assignment().filter((tp) => !assigned.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.revoke(revoked);
      // KIP-429: rejoin so the revoked partitions can be handed to their new owners.
      if (group.rebalanceProtocol === 'cooperative') group.rejoinNeeded = true;
    }
    const added = result.assigned.filter((tp) => !this.partitions.has(tpKey(tp.topic, tp.partition)));
    for (const tp of added) this.addPartition(tp);
    for (const s of this.sessions.values()) s.reset();
    // Called after every rebalance, with the partitions added (possibly none), as Java's listener.
    await this.listener.onPartitionsAssigned?.(added);
  }

  /**
   * Java's onLeavePrepare + maybeLeaveGroup (close, unsubscribe): commit (auto-commit) while the
   * generation stands, hand the partitions to the listener — revoked, or lost when the membership
   * is gone or a rebalance is under way (no commit then) — drop them, abandon a join in flight and
   * send LeaveGroup. The listener runs while the partitions are still assigned, so that it can
   * commit them.
   */
  private async leaveGroup(group: GroupMember): Promise<void> {
    // A rejoin merely requested (REBALANCE_IN_PROGRESS heard, no JoinGroup sent) leaves the generation standing: the coordinator still takes its commits.
    const stable = group.generationId >= 0 && !group.lost && this.pendingJoin === null;
    if (stable) await this.commitIfAuto();
    const owned = this.assignment();
    try {
      if (owned.length > 0) {
        if (stable) await this.listener.onPartitionsRevoked?.(owned);
        else await this.listener.onPartitionsLost?.(owned);
      }
    } finally {
      // A throwing listener still leaves the group (and close() still closes); its error follows.
      this.partitions.clear();
      this.abandonJoin();
      await group.leave();
    }
  }

  /** Gives up a join in flight (its reply, if any, is ignored); LeaveGroup follows. */
  private abandonJoin(): void {
    this.closeSignal.abort();
    this.closeSignal = new AbortController();
    this.pendingJoin = null;
  }

  private partitionCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const t of this.subscription ?? []) counts.set(t, this.cluster.current.topics.get(t)?.partitions.length ?? 0);
    return counts;
  }

  /**
   * The leader refreshes the subscribed topics' metadata every metadata.max.age.ms and asks for a
   * rebalance when a partition count changed (partitions added, a topic created or deleted), as
   * the Java client's ConsumerCoordinator does.
   */
  private async checkSubscribedMetadata(group: GroupMember): Promise<void> {
    if (!group.isLeader || this.assignedCounts === null || performance.now() < this.nextMetadataCheckMs) return;
    this.nextMetadataCheckMs = performance.now() + this.cluster.config.metadataMaxAgeMs;
    await this.cluster.refreshMetadata({ topics: this.subscription ?? [] }).catch(() => undefined);
    const now = this.partitionCounts();
    for (const [t, n] of now) {
      if (this.assignedCounts.get(t) !== n) {
        group.rejoinNeeded = true;
        return;
      }
    }
  }

  /** Commits (auto-commit), leaves the group and closes connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.group !== null) await this.leaveGroup(this.group);
    } finally {
      // Closing the connections first fails a fetch the broker is still holding (up to
      // fetch.max.wait.ms, or for ever from a broker that stopped answering) instead of waiting for it.
      await this.cluster.close();
      await Promise.allSettled([...this.fetches.values()]);
    }
  }
}

/** Two subscriptions (each without repeats, as subscribe() keeps them) name the same topics. */
function sameTopics(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((t) => b.includes(t));
}

/** Whether `promise` settles (either way) before `deadline` (a performance.now() time) or an abort. */
async function settlesBefore(promise: Promise<unknown>, deadline: number, signal?: AbortSignal): Promise<boolean> {
  let settled = false;
  const done = promise.then(() => (settled = true), () => (settled = true));
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expiry = new Promise<void>((resolve) => {
    if (signal?.aborted === true) return resolve();
    timer = setTimeout(resolve, Math.max(0, deadline - performance.now()));
    onAbort = resolve;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([done, expiry]);
  clearTimeout(timer);
  if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
  return settled;
}
