/**
 * Kafka's ReplicaFetcherThread (AbstractFetcherThread): one loop per source broker (and fetcher
 * id) that keeps this broker's follower replicas of that broker's partitions in step with it.
 *
 * Each partition starts in `truncating`: OffsetForLeaderEpoch for the follower's latest epoch,
 * truncation to the offset ./follower-truncation.ts decides (repeated until both sides agree on
 * an epoch, KIP-279), then `fetching`: Fetch requests from the log end offset with this broker's
 * replica id (replicaState from v15), in an incremental fetch session (./fetch-session-handler.ts),
 * whose batches are appended as they are (offsets and leader epochs kept), after which the
 * follower takes the leader's HW (capped by its LEO) and log start.
 * Errors back a partition off for replica.fetch.backoff.ms; a failed connection backs the whole
 * fetcher off and reconnects (to the source broker's current endpoint — it may have restarted).
 *
 * Every await is followed by a check that the partition is still followed at the same leader
 * epoch with the same log end: LeaderAndIsr may have moved it meanwhile, and stale answers are
 * dropped.
 */
import type { ApiName, RequestOf, ResponseOf } from '../../protocol/api.js';
import { ErrorCode } from '../../protocol/errors.js';
import type { FetchRequestFetchTopic, FetchRequestForgottenTopic } from '../../protocol/generated/fetch.js';
import { createFetchRequest, createFetchRequestReplicaState } from '../../protocol/generated/fetch.js';
import { createOffsetForLeaderEpochRequest } from '../../protocol/generated/offset-for-leader-epoch.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD } from '../../protocol/records/layout.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { FetchSessionHandler, type SessionPartition } from './fetch-session-handler.js';
import { truncationFor, truncationWithoutEpochs, type FollowerLogView } from './follower-truncation.js';
import type { Partition } from './partition.js';
import type { PartitionLog } from './partition-log.js';

/** The part of src/client's BrokerConnection a fetcher uses. */
export interface FetcherConnection {
  readonly alive: boolean;
  request<N extends ApiName>(name: N, body: RequestOf<N>, options?: { timeoutMs?: number }): Promise<ResponseOf<N>>;
  versionOf(name: ApiName): number | undefined;
  close(): void;
}

export interface ReplicaFetchSettings {
  /** replica.fetch.wait.max.ms */
  waitMaxMs: number;
  /** replica.fetch.min.bytes */
  minBytes: number;
  /** replica.fetch.max.bytes (per partition) */
  partitionMaxBytes: number;
  /** replica.fetch.response.max.bytes */
  responseMaxBytes: number;
  /** replica.fetch.backoff.ms */
  backoffMs: number;
  /** replica.socket.timeout.ms */
  socketTimeoutMs: number;
}

export interface ReplicaFetcherOptions {
  sourceBrokerId: number;
  fetcherId: number;
  localBrokerId: number;
  /** This broker's epoch (registration czxid), sent in replicaState (Fetch v15+). */
  brokerEpoch(): bigint;
  /** The source broker's current listener, or undefined while it is not registered. */
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  connect(host: string, port: number, clientId: string): Promise<FetcherConnection>;
  partitionFor(topic: string, partition: number): Partition | undefined;
  settings: ReplicaFetchSettings;
  clock: Clock;
  logger: Logger;
}

export type FetchPhase = 'truncating' | 'fetching';

/** Kafka's PartitionFetchState. */
export interface PartitionFetchState {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly leaderEpoch: number;
  phase: FetchPhase;
  /** No request for this partition before this (monotonic) time: backoff after an error. */
  delayedUntilMs: number;
}

/** Upper bound on partitions per fetcher (a limit on the map, TIGER_STYLE). */
const MAX_PARTITIONS_PER_FETCHER = 100_000;
/** Idle wait when nothing is ready; any change wakes the loop earlier. */
const IDLE_WAIT_MS = 60_000;

export const fetchStateKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class ReplicaFetcher {
  private readonly states = new Map<string, PartitionFetchState>();
  private running = false;
  private connection: FetcherConnection | null = null;
  /** The incremental fetch session with the source broker (KIP-227); survives reconnects. */
  private session = new FetchSessionHandler();
  private wake: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(private readonly o: ReplicaFetcherOptions) {
    this.log = o.logger.child({ component: 'replica-fetcher', sourceBroker: o.sourceBrokerId, fetcherId: o.fetcherId });
  }

  get size(): number {
    return this.states.size;
  }

  stateOf(topic: string, partition: number): PartitionFetchState | undefined {
    return this.states.get(fetchStateKey(topic, partition));
  }

  addPartition(p: Partition): void {
    if (this.states.size >= MAX_PARTITIONS_PER_FETCHER) throw new RangeError(`a replica fetcher holds at most ${MAX_PARTITIONS_PER_FETCHER} partitions`);
    this.states.set(fetchStateKey(p.topic, p.partition), {
      topic: p.topic, partition: p.partition, topicId: p.topicId, leaderEpoch: p.leaderEpoch, phase: 'truncating', delayedUntilMs: 0,
    });
    this.signal();
  }

  removePartition(topic: string, partition: number): boolean {
    const removed = this.states.delete(fetchStateKey(topic, partition));
    if (removed) this.signal();
    return removed;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async shutdown(): Promise<void> {
    this.running = false;
    this.connection?.close();
    this.connection = null;
    this.signal();
    await this.loop;
  }

  private signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /**
   * Waits `ms` or until signalled. Never after shutdown (nobody would signal it), and the timer
   * is unref'd: a fetcher never keeps the process alive on its own.
   */
  private idle(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.doWork()) && this.running) await this.idle(this.idleMs());
      } catch (err) {
        if (!this.running) break;
        this.log.warn({ err: (err as Error).message }, `fetching from broker ${this.o.sourceBrokerId} failed; backing off`);
        this.session.handleError();
        this.connection?.close();
        this.connection = null;
        await this.idle(this.o.settings.backoffMs);
      }
    }
  }

  private idleMs(): number {
    const now = this.o.clock.monotonicMs();
    let next = IDLE_WAIT_MS;
    for (const s of this.states.values()) next = Math.min(next, s.delayedUntilMs - now);
    return Math.max(1, next);
  }

  /** One request (truncation first, then a fetch); false when nothing was ready. */
  private async doWork(): Promise<boolean> {
    const now = this.o.clock.monotonicMs();
    const ready = [...this.states.values()].filter((s) => s.delayedUntilMs <= now);
    if (ready.length === 0) return false;
    const conn = await this.connect();
    if (!this.running) return false;
    const truncating = ready.filter((s) => s.phase === 'truncating');
    if (truncating.length > 0) {
      await this.truncate(conn, truncating);
      return true;
    }
    await this.fetch(conn, ready);
    return true;
  }

  private async connect(): Promise<FetcherConnection> {
    if (this.connection !== null && this.connection.alive) return this.connection;
    const endpoint = this.o.endpointOf(this.o.sourceBrokerId);
    if (endpoint === undefined) throw new Error(`broker ${this.o.sourceBrokerId} is not registered`);
    this.connection = await this.o.connect(endpoint.host, endpoint.port, `broker-${this.o.localBrokerId}-fetcher-${this.o.fetcherId}`);
    if (!this.running) this.connection.close();
    // Fetch sessions exist from v7; an older leader gets sessionless full fetches.
    if ((this.connection.versionOf('Fetch') ?? 0) < 7) this.session = new FetchSessionHandler(true);
    return this.connection;
  }

  /**
   * Like `current`, for a partition about to be requested: one that no longer follows at this
   * epoch (LeaderAndIsr is being applied) backs off instead of spinning the loop.
   */
  private requestable(s: PartitionFetchState): { partition: Partition; log: PartitionLog } | null {
    const cur = this.current(s);
    if (cur === null && this.states.get(fetchStateKey(s.topic, s.partition)) === s) this.backOff(s, 'not following this leader at this epoch');
    return cur;
  }

  /** The follower partition behind `s`, if `s` is still current and the partition still follows at its epoch. */
  private current(s: PartitionFetchState): { partition: Partition; log: PartitionLog } | null {
    if (this.states.get(fetchStateKey(s.topic, s.partition)) !== s) return null;
    const p = this.o.partitionFor(s.topic, s.partition);
    if (p === undefined || p.log === null || p.isLeader || p.leaderEpoch !== s.leaderEpoch || p.leaderId !== this.o.sourceBrokerId) return null;
    return { partition: p, log: p.log };
  }

  private backOff(s: PartitionFetchState, why: string, errorCode?: number): void {
    s.delayedUntilMs = this.o.clock.monotonicMs() + this.o.settings.backoffMs;
    this.log.debug({ topic: s.topic, partition: s.partition, errorCode }, `backing off: ${why}`);
  }

  // ------------------------------------------------------------------ truncation (KIP-101/279)

  private async truncate(conn: FetcherConnection, states: readonly PartitionFetchState[]): Promise<void> {
    const asked: { s: PartitionFetchState; epoch: number; logEndOffset: bigint }[] = [];
    for (const s of states) {
      const cur = this.requestable(s);
      if (cur === null) continue;
      const epoch = cur.log.latestEpoch;
      if (epoch === undefined) {
        // No epochs (an empty log): the HW is all that is known to be committed.
        this.truncateLog(s, cur.log, truncationWithoutEpochs(cur.log).offset);
        s.phase = 'fetching';
        continue;
      }
      asked.push({ s, epoch, logEndOffset: cur.log.logEndOffset });
    }
    if (asked.length === 0) return;
    const byTopic = new Map<string, { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[]>();
    for (const a of asked) {
      let list = byTopic.get(a.s.topic);
      if (list === undefined) byTopic.set(a.s.topic, (list = []));
      list.push({ partition: a.s.partition, currentLeaderEpoch: a.s.leaderEpoch, leaderEpoch: a.epoch });
    }
    const res = await conn.request('OffsetForLeaderEpoch', createOffsetForLeaderEpochRequest({
      replicaId: this.o.localBrokerId,
      topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })),
    }), { timeoutMs: this.o.settings.socketTimeoutMs });
    const answers = new Map<string, { errorCode: number; leaderEpoch: number; endOffset: bigint }>();
    for (const t of res.topics) for (const p of t.partitions) answers.set(fetchStateKey(t.topic, p.partition), p);
    for (const a of asked) {
      const cur = this.current(a.s);
      if (cur === null || cur.log.logEndOffset !== a.logEndOffset) continue; // changed meanwhile: ask again later
      const answer = answers.get(fetchStateKey(a.s.topic, a.s.partition));
      if (answer === undefined || answer.errorCode !== ErrorCode.NONE) {
        this.backOff(a.s, 'OffsetForLeaderEpoch failed', answer?.errorCode);
        continue;
      }
      const view: FollowerLogView = {
        logEndOffset: cur.log.logEndOffset,
        highWatermark: cur.log.highWatermark,
        endOffsetForEpoch: (epoch) => cur.log.endOffsetForEpoch(epoch),
      };
      const decision = truncationFor({ leaderEpoch: answer.leaderEpoch, endOffset: answer.endOffset }, view);
      this.truncateLog(a.s, cur.log, decision.offset);
      if (decision.completed) a.s.phase = 'fetching';
    }
  }

  private truncateLog(s: PartitionFetchState, log: PartitionLog, offset: bigint): void {
    if (offset >= log.logEndOffset) return;
    this.log.info({ topic: s.topic, partition: s.partition, from: log.logEndOffset.toString(), to: offset.toString(), leaderEpoch: s.leaderEpoch }, 'truncating follower log');
    if (offset < log.logStartOffset && log.truncateFullyAndStartAt !== undefined) log.truncateFullyAndStartAt(offset);
    else log.truncateTo(offset);
  }

  // ------------------------------------------------------------------ fetch

  private async fetch(conn: FetcherConnection, states: readonly PartitionFetchState[]): Promise<void> {
    const version = conn.versionOf('Fetch') ?? 4;
    const sent: { s: PartitionFetchState; fetchOffset: bigint }[] = [];
    const wanted: SessionPartition[] = [];
    for (const s of states) {
      const cur = this.requestable(s);
      if (cur === null) continue;
      const fetchOffset = cur.log.logEndOffset;
      sent.push({ s, fetchOffset });
      wanted.push({
        topic: s.topic, topicId: s.topicId, partition: s.partition, fetchOffset, logStartOffset: cur.log.logStartOffset,
        currentLeaderEpoch: s.leaderEpoch, maxBytes: this.o.settings.partitionMaxBytes,
      });
    }
    if (sent.length === 0) return;
    const session = this.session.build(wanted);
    const topics: FetchRequestFetchTopic[] = [];
    for (const w of session.toSend) {
      let t = topics.at(-1);
      if (t === undefined || t.topic !== w.topic) topics.push((t = { topic: w.topic, topicId: w.topicId, partitions: [] }));
      t.partitions.push({
        partition: w.partition, currentLeaderEpoch: w.currentLeaderEpoch, fetchOffset: w.fetchOffset, lastFetchedEpoch: -1,
        logStartOffset: w.logStartOffset, partitionMaxBytes: w.maxBytes, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
      });
    }
    const forgottenTopicsData: FetchRequestForgottenTopic[] = [];
    for (const f of session.toForget) {
      let t = forgottenTopicsData.at(-1);
      if (t === undefined || t.topic !== f.topic) forgottenTopicsData.push((t = { topic: f.topic, topicId: f.topicId, partitions: [] }));
      t.partitions.push(f.partition);
    }
    const id = this.o.localBrokerId;
    const req = createFetchRequest({
      replicaId: version >= 15 ? -1 : id,
      replicaState: version >= 15 ? createFetchRequestReplicaState({ replicaId: id, replicaEpoch: this.o.brokerEpoch() }) : createFetchRequestReplicaState(),
      maxWaitMs: this.o.settings.waitMaxMs,
      minBytes: this.o.settings.minBytes,
      maxBytes: this.o.settings.responseMaxBytes,
      isolationLevel: 0,
      sessionId: session.sessionId,
      sessionEpoch: session.sessionEpoch,
      topics,
      forgottenTopicsData,
    });
    const res = await conn.request('Fetch', req, { timeoutMs: this.o.settings.socketTimeoutMs + this.o.settings.waitMaxMs });
    this.session.handleResponse(res.errorCode, res.sessionId);
    if (res.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || res.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
      this.log.debug({ errorCode: res.errorCode }, 'fetch session lost: the next fetch is full');
      return;
    }
    if (res.errorCode !== ErrorCode.NONE) throw new Error(`Fetch from broker ${this.o.sourceBrokerId} failed with error ${res.errorCode}`);
    const byKey = new Map<string, (typeof res.responses)[number]['partitions'][number]>();
    const nameOfId = new Map(sent.map((x) => [x.s.topicId, x.s.topic]));
    for (const t of res.responses) {
      const topic = version >= 13 ? nameOfId.get(t.topicId) : t.topic;
      if (topic === undefined) continue;
      for (const p of t.partitions) byKey.set(fetchStateKey(topic, p.partitionIndex), p);
    }
    for (const { s, fetchOffset } of sent) {
      const data = byKey.get(fetchStateKey(s.topic, s.partition));
      if (data === undefined) continue;
      const cur = this.current(s);
      if (cur === null || s.phase !== 'fetching' || cur.log.logEndOffset !== fetchOffset) continue;
      this.processPartitionData(s, cur.partition, cur.log, data);
    }
  }

  private processPartitionData(
    s: PartitionFetchState, partition: Partition, log: PartitionLog,
    data: { errorCode: number; highWatermark: bigint; logStartOffset: bigint; records: Buffer | null },
  ): void {
    switch (data.errorCode) {
      case ErrorCode.NONE: {
        const records = wholeBatches(data.records);
        if (records.length > 0) {
          try {
            partition.appendRecordsAsFollower(records);
          } catch (err) {
            // An append below our LEO (the leader's log changed under us): find the divergence again.
            this.log.warn({ err: (err as Error).message, topic: s.topic, partition: s.partition }, 'follower append failed');
            s.phase = 'truncating';
            this.backOff(s, 'follower append failed');
            return;
          }
        }
        partition.updateFollowerOffsets(data.highWatermark, data.logStartOffset);
        return;
      }
      case ErrorCode.OFFSET_OUT_OF_RANGE: {
        // Below the leader's log start: start over there. Above its end: we diverged; truncate by epoch.
        if (data.logStartOffset > log.logEndOffset && log.truncateFullyAndStartAt !== undefined) {
          this.log.info({ topic: s.topic, partition: s.partition, leaderLogStartOffset: data.logStartOffset.toString() }, 'follower behind the leader\'s log start: starting over there');
          log.truncateFullyAndStartAt(data.logStartOffset);
          return;
        }
        s.phase = 'truncating';
        this.backOff(s, 'fetch offset out of range', data.errorCode);
        return;
      }
      default:
        // NOT_LEADER_OR_FOLLOWER, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH, UNKNOWN_TOPIC_*,
        // storage errors: LeaderAndIsr (to us or to the source) is on its way; retry after a backoff.
        // The session starts over too: the leader's session keeps a partition it could not
        // resolve (a topic id it did not know yet) under that error until a full request.
        this.session.handleError();
        this.backOff(s, 'fetch error', data.errorCode);
    }
  }
}

/**
 * The whole batches at the start of `records` (a leader may end a response with a partial batch
 * when it hits the byte limit; Kafka's follower skips it and fetches it next time).
 */
export function wholeBatches(records: Buffer | null): Buffer {
  if (records === null) return Buffer.alloc(0);
  let end = 0;
  while (end + LOG_OVERHEAD <= records.length) {
    const size = LOG_OVERHEAD + records.readInt32BE(end + BATCH_LENGTH_OFFSET);
    if (size < LOG_OVERHEAD || end + size > records.length) break;
    end += size;
  }
  return end === records.length ? records : records.subarray(0, end);
}
