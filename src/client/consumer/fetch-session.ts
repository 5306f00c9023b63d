/**
 * The client side of a fetch session (KIP-227), as Kafka's FetchSessionHandler: the first fetch
 * to a broker is full (session id 0, epoch 0) and creates a session; later fetches are
 * incremental — they name only partitions added or changed (a new fetch offset) and list the
 * removed ones as forgotten. The broker then answers only partitions with something new.
 * A session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) resets to a full fetch.
 * Pure: no I/O.
 */
import { ErrorCode } from '../../protocol/errors.js';
import { tpKey } from '../offsets.js';

export interface FetchPartitionState {
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: bigint;
  maxBytes: number;
  currentLeaderEpoch: number;
}

export interface FetchSessionRequest {
  sessionId: number;
  sessionEpoch: number;
  /** Partitions to send (all for a full fetch, changed ones for an incremental one). */
  toSend: FetchPartitionState[];
  forgotten: FetchPartitionState[];
  full: boolean;
}

/** Kafka's FINAL_EPOCH: close the session (used when the consumer stops fetching). */
export const FINAL_EPOCH = -1;

export class FetchSessionHandler {
  private sessionId = 0;
  private nextEpoch = 0;
  private session = new Map<string, FetchPartitionState>();

  /** What to send for the wanted partitions `next`. */
  build(next: FetchPartitionState[]): FetchSessionRequest {
    const nextMap = new Map(next.map((p) => [tpKey(p.topic, p.partition), p]));
    if (this.sessionId === 0 || this.nextEpoch === 0) {
      this.session = nextMap;
      return { sessionId: 0, sessionEpoch: 0, toSend: next, forgotten: [], full: true };
    }
    const toSend: FetchPartitionState[] = [];
    const forgotten: FetchPartitionState[] = [];
    for (const [k, p] of nextMap) {
      const prev = this.session.get(k);
      if (prev === undefined || prev.fetchOffset !== p.fetchOffset || prev.maxBytes !== p.maxBytes || prev.currentLeaderEpoch !== p.currentLeaderEpoch) toSend.push(p);
    }
    for (const [k, p] of this.session) if (!nextMap.has(k)) forgotten.push(p);
    this.session = nextMap;
    return { sessionId: this.sessionId, sessionEpoch: this.nextEpoch, toSend, forgotten, full: false };
  }

  /** Updates the session from a response's top-level error and session id. */
  handleResponse(errorCode: number, sessionId: number): void {
    if (errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH || errorCode !== 0) {
      this.reset();
      return;
    }
    if (this.nextEpoch === 0) {
      // A full fetch: a non-zero id means the broker created a session.
      this.sessionId = sessionId;
      this.nextEpoch = sessionId === 0 ? 0 : 1;
    } else {
      this.nextEpoch = this.nextEpoch >= 0x7fffffff ? 1 : this.nextEpoch + 1;
    }
  }

  /** The next fetch is full (after an error, a failed request or a leader change). */
  reset(): void {
    this.sessionId = 0;
    this.nextEpoch = 0;
    this.session.clear();
  }
}
