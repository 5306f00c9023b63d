/**
 * What one step of the deterministic group core returns to its shell (etcd raft's Ready):
 * replies to release now, and appends to make to the shard's `__consumer_offsets` partition.
 * The replies attached to an append are released only once it is committed (appended and
 * below the high watermark); if it fails, the core is told (`appendCompleted`) and answers them
 * with an error instead.
 */
import type { CoordinatorRecord } from './records.js';

export interface Reply {
  /** The shell's id of the request being answered. */
  readonly requestId: number;
  /** The typed response body (the generated response type of the request's API). */
  readonly response: object;
}

/** What the core does once an append completes; kept by the core under the append's id. */
export type AppendAction =
  /** OffsetCommit / OffsetDelete / DeleteGroups / expiry: replay the records, then release the replies. */
  | { kind: 'replay-then-reply'; replies: Reply[]; failureReplies: (errorCode: number) => Reply[] }
  /** The leader's SyncGroup: install the assignment and release every waiting SyncGroup. */
  | { kind: 'sync'; groupId: string; generationId: number; assignments: Map<string, Buffer> }
  /** A static member rejoined and replaced its old member id (group metadata rewritten). */
  | { kind: 'reply'; replies: Reply[]; failureReplies: (errorCode: number) => Reply[] };

export interface Append {
  readonly appendId: number;
  readonly records: CoordinatorRecord[];
}

export interface ShardOutput {
  replies: Reply[];
  appends: Append[];
}

/** Collects one step's outputs. */
export class Effects {
  readonly replies: Reply[] = [];
  readonly appends: Append[] = [];
  readonly actions = new Map<number, AppendAction>();

  constructor(private nextAppendId: () => number) {}

  reply(requestId: number, response: object): void {
    this.replies.push({ requestId, response });
  }

  append(records: CoordinatorRecord[], action: AppendAction): void {
    const appendId = this.nextAppendId();
    this.appends.push({ appendId, records });
    this.actions.set(appendId, action);
  }
}

export function emptyOutput(): ShardOutput {
  return { replies: [], appends: [] };
}
