/**
 * Request bookkeeping for one session: xids and the FIFO of requests awaiting replies.
 * ZooKeeper answers a connection's requests in the order it received them, so a reply must
 * match the oldest outstanding request; anything else means the stream is out of step and the
 * connection is dropped (ClientCnxn throws "Xid out of order"). Pure: no I/O.
 */

/** Reserved xids of ZooKeeper's ClientCnxn. */
export const Xid = {
  notification: -1,
  ping: -2,
  auth: -4,
  setWatches: -8,
} as const;

export interface Pending<T> {
  xid: number;
  opCode: number;
  /** The user-visible (un-chrooted) path, for error messages; '' for path-less requests. */
  path: string;
  value: T;
}

export class PendingRequests<T> {
  private nextXid = 1;
  private readonly queue: Pending<T>[] = [];
  private head = 0;

  /** A fresh xid: positive, increasing, wrapping before 2^31. */
  allocateXid(): number {
    const xid = this.nextXid;
    this.nextXid = this.nextXid >= 0x7fffffff ? 1 : this.nextXid + 1;
    return xid;
  }

  push(entry: Pending<T>): void {
    this.queue.push(entry);
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** The outstanding request a reply with `xid` answers; throws if it is not the oldest one. */
  complete(xid: number): Pending<T> {
    if (this.size === 0) throw new Error(`reply with xid ${xid} but no request is outstanding`);
    const first = this.queue[this.head]!;
    if (first.xid !== xid) throw new Error(`xid out of order: got ${xid}, expected ${first.xid}`);
    this.queue[this.head] = undefined as unknown as Pending<T>;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return first;
  }

  /** Removes and returns every outstanding request (on connection loss). */
  drain(): Pending<T>[] {
    const all = this.queue.slice(this.head);
    this.queue.length = 0;
    this.head = 0;
    return all;
  }
}
