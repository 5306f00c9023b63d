import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DelayedOperation, DelayedOperationPurgatory, type Scheduler } from '../../src/broker/replica/purgatory.js';

class ManualScheduler implements Scheduler {
  nowMs = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  schedule(delayMs: number, fn: () => void): () => void {
    const t = { at: this.nowMs + delayMs, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  }
  advance(ms: number): void {
    this.nowMs += ms;
    for (const t of this.timers.filter((x) => x.live && x.at <= this.nowMs)) {
      t.live = false;
      t.fn();
    }
  }
}

class Op extends DelayedOperation {
  ready = false;
  result: string | null = null;
  expired = false;
  tryComplete(): boolean {
    return this.ready ? this.forceComplete() : false;
  }
  protected override onExpiration(): void {
    this.expired = true;
  }
  protected override onComplete(): void {
    this.result = this.expired ? 'expired' : 'done';
  }
}

test('an operation that can complete at once is not watched', () => {
  const p = new DelayedOperationPurgatory<Op>('Produce', new ManualScheduler());
  const op = new Op(1000);
  op.ready = true;
  assert.equal(p.tryCompleteElseWatch(op, ['t-0']), true);
  assert.equal(p.size, 0);
  assert.equal(op.result, 'done');
});

test('checkAndComplete completes a waiting operation once, across all its keys', () => {
  const s = new ManualScheduler();
  const p = new DelayedOperationPurgatory<Op>('Fetch', s);
  const op = new Op(1000);
  assert.equal(p.tryCompleteElseWatch(op, ['t-0', 't-1']), false);
  assert.equal(p.size, 1);
  assert.equal(p.checkAndComplete('t-0'), 0);
  op.ready = true;
  assert.equal(p.checkAndComplete('t-1'), 1);
  assert.equal(op.result, 'done');
  assert.equal(p.size, 0);
  assert.equal(p.watched('t-0'), 0);
  s.advance(2000);
  assert.equal(op.result, 'done');
  assert.equal(p.expiredCount, 0);
});

test('expiry completes with onExpiration first and removes the watchers', () => {
  const s = new ManualScheduler();
  const p = new DelayedOperationPurgatory<Op>('Fetch', s);
  const op = new Op(500);
  p.tryCompleteElseWatch(op, ['a']);
  s.advance(499);
  assert.equal(op.result, null);
  s.advance(1);
  assert.equal(op.result, 'expired');
  assert.equal(p.size, 0);
  assert.equal(p.watched('a'), 0);
  assert.equal(p.expiredCount, 1);
});

test('shutdown completes everything waiting', () => {
  const p = new DelayedOperationPurgatory<Op>('Fetch', new ManualScheduler());
  const ops = [new Op(100), new Op(100)];
  for (const op of ops) p.tryCompleteElseWatch(op, ['x']);
  p.shutdown();
  assert.deepEqual(ops.map((o) => o.result), ['done', 'done']);
  assert.equal(p.size, 0);
});
