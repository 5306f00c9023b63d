/**
 * Incremental fetch sessions (KIP-227): Kafka's FetchSession / FetchSessionCache / FetchContext.
 *
 * A client opens a session with a full fetch (sessionId 0, epoch 0); the broker answers with a
 * session id. Later fetches name the session and the next epoch and list only the partitions
 * that changed (plus `forgottenTopicsData`); the broker answers only the partitions whose data,
 * high watermark, log start offset or last stable offset changed or that carry an error.
 * Epoch -1 ("final") closes a session / asks for a sessionless full fetch.
 *
 * Deciding code: no I/O, the clock and the id source are injected.
 */
import { ErrorCode } from '../../protocol/errors.js';

export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;

/** The next epoch after `epoch` (wraps to 1, skipping 0 and -1, like Kafka's FetchMetadata.nextEpoch). */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  if (epoch === 0x7fffffff) return 1;
  return epoch + 1;
}

/** Partition key inside a session: `topic\u0000partition`. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * The session name of a partition whose topic id (Fetch v13+) the broker's metadata does not
 * know: it keeps such partitions apart per id, and is never a valid topic name.
 */
export function unknownTopicName(topicId: Buffer): string {
  return `\u0000unknown:${topicId.toString('base64url')}`;
}

export function isUnknownTopicName(topic: string): boolean {
  return topic.startsWith('\u0000');
}

/** The current metadata's name for a topic id; undefined when the broker does not know the id. */
export type TopicNameResolver = (topicId: Buffer) => string | undefined;

/** What a session remembers per partition: the request's parameters and what was last sent. */
export interface CachedPartition {
  topic: string;
  topicId: Buffer;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  logStartOffset: bigint;
  /** Last values sent to the client; -1n before the first response. */
  sentHighWatermark: bigint;
  sentLogStartOffset: bigint;
  sentLastStableOffset: bigint;
}

export interface FetchPartitionRequest {
  topic: string;
  topicId: Buffer;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  logStartOffset: bigint;
}

export class FetchSession {
  /** Insertion-ordered: the order partitions are fetched and answered in (Kafka's ImplicitLinkedHashCollection). */
  readonly partitions = new Map<string, CachedPartition>();
  epoch: number;
  lastUsedMs: number;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly createdMs: number,
    epoch: number,
  ) {
    this.epoch = epoch;
    this.lastUsedMs = createdMs;
  }

  get size(): number {
    return this.partitions.size;
  }

  /** Applies an incremental request's partitions (added or updated) and forgotten partitions. */
  update(changes: readonly FetchPartitionRequest[], forgotten: readonly { topic: string; partition: number }[]): void {
    for (const c of changes) {
      const key = partitionKey(c.topic, c.partition);
      const cur = this.partitions.get(key);
      if (cur === undefined) this.partitions.set(key, newCached(c));
      else {
        cur.fetchOffset = c.fetchOffset;
        cur.maxBytes = c.maxBytes;
        cur.currentLeaderEpoch = c.currentLeaderEpoch;
        cur.lastFetchedEpoch = c.lastFetchedEpoch;
        cur.logStartOffset = c.logStartOffset;
        cur.topicId = c.topicId;
      }
    }
    for (const f of forgotten) this.partitions.delete(partitionKey(f.topic, f.partition));
  }

  /**
   * Re-resolves every cached partition's topic name from its topic id against the current
   * metadata, as Kafka's CachedPartition keeps the id and resolves the name per request
   * (KIP-516): a partition cached while its id was unknown (a topic just created, the client's
   * metadata from another broker) is read as soon as the broker learns the id, and one whose id
   * the broker no longer knows (the topic deleted, maybe re-created under a new id) answers
   * UNKNOWN_TOPIC_ID instead of reading another topic's log. Keeps the session's order.
   */
  resolveTopicNames(nameOf: TopicNameResolver): void {
    let renamed = false;
    for (const cached of this.partitions.values()) {
      const name = nameOf(cached.topicId) ?? unknownTopicName(cached.topicId);
      if (name === cached.topic) continue;
      cached.topic = name;
      renamed = true;
    }
    if (!renamed) return;
    const entries = [...this.partitions.values()];
    this.partitions.clear();
    for (const cached of entries) this.partitions.set(partitionKey(cached.topic, cached.partition), cached);
  }
}

function newCached(c: FetchPartitionRequest): CachedPartition {
  return { ...c, sentHighWatermark: -1n, sentLogStartOffset: -1n, sentLastStableOffset: -1n };
}

/**
 * Decides whether an incremental response must include a partition, updating what the session
 * last sent (Kafka's CachedPartition.maybeUpdateResponseData). The fetch offset advances by
 * the client's next request, not here.
 */
export function mustRespond(
  cached: CachedPartition,
  resp: { errorCode: number; recordBytes: number; highWatermark: bigint; logStartOffset: bigint; lastStableOffset: bigint },
  incremental: boolean,
): boolean {
  let must = !incremental || resp.recordBytes > 0 || resp.errorCode !== ErrorCode.NONE;
  if (resp.highWatermark !== cached.sentHighWatermark) {
    must = true;
    cached.sentHighWatermark = resp.highWatermark;
  }
  if (resp.logStartOffset !== cached.sentLogStartOffset) {
    must = true;
    cached.sentLogStartOffset = resp.logStartOffset;
  }
  if (resp.lastStableOffset !== cached.sentLastStableOffset) {
    must = true;
    cached.sentLastStableOffset = resp.lastStableOffset;
  }
  return must;
}

/** What the handler does with a fetch request's session fields. */
export type FetchContext =
  /** Answer an error for the whole request (no partitions). */
  | { kind: 'error'; errorCode: number }
  /** Full fetch without a session (epoch -1, or the cache is full); response sessionId 0. */
  | { kind: 'sessionless' }
  /** Full fetch that opened `session` (may be null when the cache had no room: answer sessionId 0). */
  | { kind: 'full'; session: FetchSession | null }
  /** Incremental fetch on `session`: iterate its partitions, answer only those that changed. */
  | { kind: 'incremental'; session: FetchSession };

export interface FetchSessionCacheOptions {
  /** `max.incremental.fetch.session.cache.slots`: sessions kept (Kafka's maxEntries; 0 disables sessions). */
  maxSlots: number;
  /** A session unused this long may be evicted for a new one (Kafka: 120 s). */
  evictionMs?: number;
  /** Session ids; injected for determinism. Must return a positive int32. */
  newSessionId?: () => number;
}

/**
 * The broker's sessions. Capacity is counted in sessions, as Kafka's FetchSessionCache does
 * (one slot per session, whatever its partition count); when full, a new session may evict a
 * stale one, or a non-privileged one with fewer partitions (followers are privileged and are
 * only evicted when stale). `totalPartitions` is kept for the metrics.
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  private slotsUsed = 0;
  private readonly evictionMs: number;
  private readonly newSessionId: () => number;
  evictions = 0;

  constructor(private readonly options: FetchSessionCacheOptions) {
    this.evictionMs = options.evictionMs ?? 120_000;
    this.newSessionId = options.newSessionId ?? (() => 1 + Math.floor(Math.random() * 0x7ffffffe));
  }

  get size(): number {
    return this.sessions.size;
  }

  get totalPartitions(): number {
    return this.slotsUsed;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): FetchSession | undefined {
    const s = this.sessions.get(id);
    if (s === undefined) return undefined;
    this.sessions.delete(id);
    this.slotsUsed -= s.size;
    return s;
  }

  /**
   * Decides the context of a fetch request (Kafka's FetchManager.newContext) and applies its
   * session changes. `partitions` are the request's; `forgotten` its forgottenTopicsData.
   * `topicNames` (requests by topic id, v13+) re-resolves the session's cached partitions with
   * the same metadata the request's partitions were resolved with, before they are merged.
   */
  newContext(
    req: { sessionId: number; sessionEpoch: number; privileged: boolean },
    partitions: readonly FetchPartitionRequest[],
    forgotten: readonly { topic: string; partition: number }[],
    nowMs: number,
    topicNames?: TopicNameResolver,
  ): FetchContext {
    const isFull = req.sessionEpoch === INITIAL_EPOCH || req.sessionEpoch === FINAL_EPOCH;
    if (isFull) {
      if (req.sessionId !== INVALID_SESSION_ID) this.remove(req.sessionId);
      if (req.sessionEpoch === FINAL_EPOCH) return { kind: 'sessionless' };
      const session = this.maybeCreate(req.privileged, partitions, nowMs);
      return { kind: 'full', session };
    }
    const session = this.sessions.get(req.sessionId);
    if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
    if (session.epoch !== req.sessionEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
    const before = session.size;
    if (topicNames !== undefined) session.resolveTopicNames(topicNames);
    session.update(partitions, forgotten);
    this.slotsUsed += session.size - before;
    session.epoch = nextEpoch(session.epoch);
    session.lastUsedMs = nowMs;
    return { kind: 'incremental', session };
  }

  private maybeCreate(privileged: boolean, partitions: readonly FetchPartitionRequest[], nowMs: number): FetchSession | null {
    if (this.options.maxSlots <= 0) return null;
    if (this.sessions.size >= this.options.maxSlots) {
      const victim = this.pickEviction(privileged, partitions.length, nowMs);
      if (victim === undefined) return null;
      this.remove(victim.id);
      this.evictions++;
    }
    let id = this.newSessionId();
    for (let tries = 0; this.sessions.has(id) || id <= 0; tries++) {
      if (tries > 100) return null;
      id = this.newSessionId();
    }
    const session = new FetchSession(id, privileged, nowMs, nextEpoch(INITIAL_EPOCH));
    session.update(partitions, []);
    this.sessions.set(id, session);
    this.slotsUsed += session.size;
    return session;
  }

  private pickEviction(privileged: boolean, need: number, nowMs: number): FetchSession | undefined {
    let stale: FetchSession | undefined;
    let smaller: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (nowMs - s.lastUsedMs >= this.evictionMs && (stale === undefined || s.lastUsedMs < stale.lastUsedMs)) stale = s;
      const evictableBySize = !s.privileged && (privileged || s.size < need);
      if (evictableBySize && (smaller === undefined || s.size < smaller.size)) smaller = s;
    }
    return stale ?? smaller;
  }
}
