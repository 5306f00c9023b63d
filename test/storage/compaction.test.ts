import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { encodeRecordBatch, decodeRecordBatch, type RecordInput } from '../../src/protocol/records/batch.js';
import { splitBatches, isControlBatch } from '../../src/protocol/records/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { LogCleaner } from '../../src/storage/log-cleaner.js';
import type { UnifiedLog } from '../../src/storage/unified-log.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch, makeMarker, openTestLog, quietLogger } from './helpers.js';

const T0 = 1_700_000_000_000;

function readAll(log: UnifiedLog): { offset: bigint; key: string | null; value: string | null; control: boolean }[] {
  const out: { offset: bigint; key: string | null; value: string | null; control: boolean }[] = [];
  let next = log.logStartOffset;
  for (;;) {
    const r = log.read(next, { maxBytes: 4 << 20, upperBound: 'leo' });
    const batches = splitBatches(r.records).batches;
    if (batches.length === 0) break;
    for (const b of batches) {
      const d = decodeRecordBatch(b);
      for (const rec of d.records) out.push({ offset: rec.offset, key: rec.key?.toString() ?? null, value: rec.value?.toString() ?? null, control: isControlBatch(d.header.attributes) });
      next = d.header.baseOffset + BigInt(d.header.lastOffsetDelta) + 1n;
    }
  }
  return out;
}

test('1M keyed records over 10k keys compact to the latest value per key; tombstones kept, then dropped after delete.retention.ms; offsets preserved', () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const t = openTestLog(d.path, { 'cleanup.policy': 'compact', 'segment.bytes': 8 * 1024 * 1024, 'delete.retention.ms': 60_000, 'max.message.bytes': 8 * 1024 * 1024 }, clock);
    const log = t.log;
    const KEYS = 10_000;
    const TOTAL = 1_000_000;
    const PER_BATCH = 10_000;
    const latest = new Map<string, { offset: bigint; value: string | null }>();
    for (let start = 0; start < TOTAL; start += PER_BATCH) {
      const records: RecordInput[] = [];
      for (let i = start; i < start + PER_BATCH; i++) {
        const k = i % KEYS;
        // In the last round, every tenth key gets a tombstone.
        const tomb = i >= TOTAL - KEYS && k % 10 === 0;
        records.push({ key: Buffer.from(`k${k}`), value: tomb ? null : Buffer.from(`v${i}`), timestamp: BigInt(T0) });
        latest.set(`k${k}`, { offset: BigInt(i), value: tomb ? null : `v${i}` });
      }
      log.append(encodeRecordBatch({ records }), { leaderEpoch: 0, origin: 'client' });
    }
    assert.equal(log.logEndOffset, BigInt(TOTAL));
    log.roll();
    log.highWatermark = log.logEndOffset;
    const sizeBefore = log.size;
    const cleaner = new LogCleaner({ clock, logger: quietLogger });
    assert.equal(cleaner.grabFilthiestLog([log]), log, 'dirty ratio 1.0 qualifies');
    const stats = cleaner.clean(log);
    assert.equal(stats.recordsRead, TOTAL);
    assert.ok(log.size < sizeBefore / 50, `compacted ${sizeBefore} -> ${log.size}`);
    let recs = readAll(log);
    assert.equal(recs.length, KEYS, 'one record per key, tombstones included');
    for (const r of recs) {
      const want = latest.get(r.key!)!;
      assert.equal(r.offset, want.offset, `offset of ${r.key}`);
      assert.equal(r.value, want.value);
    }
    assert.equal(log.logEndOffset, BigInt(TOTAL), 'offsets are kept, the end does not move');
    assert.equal(cleaner.grabFilthiestLog([log]), undefined, 'nothing dirty after cleaning');
    // After delete.retention.ms the next cleaning drops the tombstones.
    clock.advance(61_000);
    log.append(makeBatch({ keys: ['k1'], values: ['again'], timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    log.roll();
    log.highWatermark = log.logEndOffset;
    cleaner.clean(log);
    recs = readAll(log);
    assert.equal(recs.length, KEYS - KEYS / 10, 'tombstones removed');
    assert.ok(recs.every((r) => r.value !== null));
    assert.equal(recs.find((r) => r.key === 'k1')!.value, 'again');
    // The cleaned log survives a restart (swap completed, indexes valid).
    log.close();
    const again = t.reopen({ clean: false, recoveryPoint: 0n });
    assert.equal(readAll(again).length, KEYS - KEYS / 10);
    again.close();
  } finally {
    d.cleanup();
  }
});

test('compaction removes aborted transactions, keeps committed ones and markers; respects min.compaction.lag.ms and the dirty ratio', () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const t = openTestLog(d.path, { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': 10_000, 'min.cleanable.dirty.ratio': 0.5 }, clock);
    const log = t.log;
    log.append(makeBatch({ keys: ['a', 'b'], values: ['a1', 'b1'], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeBatch({ keys: ['a'], values: ['a-aborted'], producerId: 5n, producerEpoch: 0, baseSequence: 0, transactional: true, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeMarker(5n, 0, false, 0, T0), { leaderEpoch: 0, origin: 'coordinator' });
    log.append(makeBatch({ keys: ['b'], values: ['b-committed'], producerId: 6n, producerEpoch: 0, baseSequence: 0, transactional: true, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeMarker(6n, 0, true, 0, T0), { leaderEpoch: 0, origin: 'coordinator' });
    log.roll();
    log.highWatermark = log.logEndOffset;
    const cleaner = new LogCleaner({ clock, logger: quietLogger });
    assert.equal(cleaner.grabFilthiestLog([log]), undefined, 'records younger than min.compaction.lag.ms are not cleanable');
    clock.advance(20_000);
    assert.equal(cleaner.grabFilthiestLog([log]), log);
    cleaner.clean(log);
    const recs = readAll(log);
    const data = recs.filter((r) => !r.control).map((r) => `${r.key}=${r.value}@${r.offset}`);
    assert.deepEqual(data, ['a=a1@0', 'b=b-committed@4']);
    assert.equal(recs.filter((r) => r.control).length, 2, 'markers are kept until the delete horizon');
    const committed = log.read(0n, { maxBytes: 1 << 20, isolation: 'read_committed' });
    assert.deepEqual(committed.abortedTransactions, [{ producerId: 5n, firstOffset: 2n }]);
    log.close();
  } finally {
    d.cleanup();
  }
});

test("an idempotent producer's last batch survives compaction empty, keeping its sequence", () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const t = openTestLog(d.path, { 'cleanup.policy': 'compact' }, clock);
    const log = t.log;
    log.append(makeBatch({ keys: ['x', 'y'], values: ['1', '2'], producerId: 9n, producerEpoch: 0, baseSequence: 0, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeBatch({ keys: ['x', 'y'], values: ['3', '4'], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.roll();
    log.highWatermark = log.logEndOffset;
    new LogCleaner({ clock, logger: quietLogger }).clean(log);
    const batches = splitBatches(log.read(0n, { maxBytes: 1 << 20 }).records).batches.map((b) => decodeRecordBatch(b));
    assert.equal(batches.length, 2);
    assert.equal(batches[0]!.records.length, 0, 'emptied but kept');
    assert.equal(batches[0]!.header.producerId, 9n);
    assert.equal(batches[0]!.header.lastOffsetDelta, 1);
    log.close();
    // After a restart rebuilt from the log, the producer continues at sequence 2.
    const again = t.reopen({ clean: false, recoveryPoint: 0n });
    assert.equal(again.producerState.lastEntry(9n)?.batches.at(-1)?.lastSeq, 1);
    again.append(makeBatch({ keys: ['z'], values: ['5'], producerId: 9n, producerEpoch: 0, baseSequence: 2, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    again.close();
  } finally {
    d.cleanup();
  }
});

test('recovery completes an interrupted swap and drops unfinished .cleaned files', async () => {
  const { readdirSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const t = openTestLog(d.path, { 'cleanup.policy': 'compact', 'segment.bytes': 2048 }, clock);
    for (let i = 0; i < 40; i++) t.log.append(makeBatch({ keys: [`k${i}`], values: [`v${i}`], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    const before = readAll(t.log);
    const first = t.log.segments[0]!;
    const second = t.log.segments[1]!;
    t.log.close();
    // A swap segment covering the first two segments (their concatenation), as the cleaner would leave it.
    const swap = join(d.path, '00000000000000000000.log.swap');
    writeFileSync(swap, Buffer.concat([readFileSync(first.logPath), readFileSync(second.logPath)]));
    writeFileSync(join(d.path, '00000000000000000099.log.cleaned'), 'junk');
    const log = t.reopen({ clean: false, recoveryPoint: 0n });
    const files = readdirSync(d.path);
    assert.ok(!files.some((f) => f.endsWith('.swap') || f.endsWith('.cleaned')), files.join(','));
    assert.equal(log.segments[0]!.baseOffset, 0n);
    assert.ok(log.segments.every((s) => s.baseOffset !== second.baseOffset), 'the covered segment is gone');
    assert.deepEqual(readAll(log), before);
    log.close();
  } finally {
    d.cleanup();
  }
});

test('max.compaction.lag.ms forces a cleaning below min.cleanable.dirty.ratio', () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const t = openTestLog(d.path, { 'cleanup.policy': 'compact', 'min.cleanable.dirty.ratio': 0.99, 'max.compaction.lag.ms': 60_000, 'segment.bytes': 4096 }, clock);
    const log = t.log;
    for (let i = 0; i < 60; i++) log.append(makeBatch({ keys: [`k${i % 3}`], values: [`v${i}`], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.roll();
    log.highWatermark = log.logEndOffset;
    const cleaner = new LogCleaner({ clock, logger: quietLogger });
    cleaner.clean(log);
    for (let i = 0; i < 3; i++) log.append(makeBatch({ keys: [`k${i}`], values: [`w${i}`], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.roll();
    log.highWatermark = log.logEndOffset;
    assert.equal(cleaner.grabFilthiestLog([log]), undefined, 'dirty ratio below 0.99');
    clock.advance(61_000);
    assert.equal(cleaner.grabFilthiestLog([log]), log, 'records older than max.compaction.lag.ms must be compacted');
    cleaner.clean(log);
    assert.deepEqual(readAll(log).map((r) => r.value), ['w0', 'w1', 'w2']);
    log.close();
  } finally {
    d.cleanup();
  }
});
