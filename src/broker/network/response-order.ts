/**
 * Keeps a connection's responses in request order. Each request takes a slot when it arrives;
 * a slot is filled with the encoded response as chunks (or `null` for requests that get none: acks=0
 * produce) whenever its handler finishes, and filled slots leave from the head only. So a fetch
 * that finishes while an earlier acks=all produce still waits does not overtake it — Kafka's
 * clients match responses to requests by order as well as by correlation id.
 *
 * Pure bookkeeping: `fill` returns the frames that may be written now.
 */
import { assert } from '../../util/assert.js';

export class ResponseOrder {
  private nextSlot = 0;
  private head = 0;
  private readonly filled = new Map<number, Buffer[] | null>();

  /** Reserves the next slot. */
  reserve(): number {
    return this.nextSlot++;
  }

  /** Requests whose responses have not left yet (read-ahead is bounded by this). */
  get outstanding(): number {
    return this.nextSlot - this.head;
  }

  /** Fills `slot`; returns the responses now releasable, in order (nulls are skipped). */
  fill(slot: number, response: Buffer[] | null): Buffer[][] {
    assert(slot >= this.head && slot < this.nextSlot && !this.filled.has(slot), `slot ${slot} filled twice or never reserved`);
    this.filled.set(slot, response);
    const out: Buffer[][] = [];
    while (this.filled.has(this.head)) {
      const r = this.filled.get(this.head)!;
      this.filled.delete(this.head);
      this.head++;
      if (r !== null) out.push(r);
    }
    return out;
  }
}
