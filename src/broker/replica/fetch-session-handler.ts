/**
 * The follower's side of incremental fetch sessions (KIP-227): Kafka's FetchSessionHandler, pure.
 *
 * The first request is full (sessionId 0, epoch 0) and lists every partition; the leader answers
 * with a session id. Later requests name the session and its next epoch and list only the
 * partitions that are new or whose fetch parameters changed (the leader keeps the others' from
 * its cache), plus the partitions to forget. The leader answers only partitions with news. A
 * session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) or a lost connection
 * starts over with a full request that also closes the old session (its id with epoch 0).
 */
import { FINAL_EPOCH, INITIAL_EPOCH, INVALID_SESSION_ID, nextEpoch, partitionKey } from './fetch-session.js';

/** What a fetch request says about one partition. */
export interface SessionPartition {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  logStartOffset: bigint;
  currentLeaderEpoch: number;
  maxBytes: number;
}

export interface SessionRequest {
  sessionId: number;
  sessionEpoch: number;
  /** Partitions to put in the request (all of them for a full request). */
  toSend: SessionPartition[];
  /** Partitions the leader should drop from the session. */
  toForget: { topic: string; topicId: string; partition: number }[];
  full: boolean;
}

function sameRequest(a: SessionPartition, b: SessionPartition): boolean {
  return a.fetchOffset === b.fetchOffset && a.logStartOffset === b.logStartOffset && a.currentLeaderEpoch === b.currentLeaderEpoch && a.maxBytes === b.maxBytes && a.topicId === b.topicId;
}

export class FetchSessionHandler {
  private sessionId = INVALID_SESSION_ID;
  private epoch = INITIAL_EPOCH;
  /** The partitions as the leader's session holds them (after the last answered request). */
  private inSession = new Map<string, SessionPartition>();
  /** The partitions of the request in flight, taken into the session once it is answered. */
  private pending: Map<string, SessionPartition> | null = null;
  private pendingFull = true;

  /** `sessionless`: full requests with epoch -1 each time (sessions disabled). */
  constructor(private readonly sessionless = false) {}

  /** Builds the next request for `partitions` (the ones to fetch now). */
  build(partitions: readonly SessionPartition[]): SessionRequest {
    const next = new Map(partitions.map((p) => [partitionKey(p.topic, p.partition), p]));
    this.pending = next;
    if (this.sessionless) {
      this.pendingFull = true;
      return { sessionId: INVALID_SESSION_ID, sessionEpoch: FINAL_EPOCH, toSend: [...partitions], toForget: [], full: true };
    }
    if (this.epoch === INITIAL_EPOCH) {
      this.pendingFull = true;
      // A non-zero id with epoch 0 closes that session and opens a new one.
      return { sessionId: this.sessionId, sessionEpoch: INITIAL_EPOCH, toSend: [...partitions], toForget: [], full: true };
    }
    this.pendingFull = false;
    const toSend: SessionPartition[] = [];
    for (const [k, p] of next) {
      const had = this.inSession.get(k);
      if (had === undefined || !sameRequest(had, p)) toSend.push(p);
    }
    const toForget: SessionRequest['toForget'] = [];
    for (const [k, p] of this.inSession) if (!next.has(k)) toForget.push({ topic: p.topic, topicId: p.topicId, partition: p.partition });
    return { sessionId: this.sessionId, sessionEpoch: this.epoch, toSend, toForget, full: false };
  }

  /** The leader answered the request built last: top-level error code and session id. */
  handleResponse(errorCode: number, sessionId: number): void {
    const pending = this.pending;
    this.pending = null;
    if (this.sessionless) return;
    if (errorCode !== 0 || pending === null) {
      this.handleError();
      return;
    }
    if (this.pendingFull) {
      if (sessionId === INVALID_SESSION_ID) {
        // The leader had no room for a session: full requests again.
        this.sessionId = INVALID_SESSION_ID;
        this.epoch = INITIAL_EPOCH;
        this.inSession.clear();
        return;
      }
      this.sessionId = sessionId;
      this.epoch = nextEpoch(INITIAL_EPOCH);
      this.inSession = pending;
      return;
    }
    this.epoch = nextEpoch(this.epoch);
    this.inSession = pending;
  }

  /** A session error or a lost connection: the next request is full and replaces the session. */
  handleError(): void {
    this.pending = null;
    this.epoch = INITIAL_EPOCH;
    this.inSession.clear();
  }

  get currentSessionId(): number {
    return this.sessionId;
  }
}
