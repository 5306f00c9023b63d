import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { splitBatches } from '../../src/protocol/records/index.js';
import { decodeRecordBatch } from '../../src/protocol/records/batch.js';
import { KafkaError, ErrorCode } from '../../src/protocol/errors.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch, makeMarker, openTestLog } from './helpers.js';

function offsetsOf(records: Buffer): bigint[] {
  const out: bigint[] = [];
  for (const b of splitBatches(records).batches) for (const r of decodeRecordBatch(b).records) out.push(r.offset);
  return out;
}

test('append assigns offsets, read returns whole batches up to the high watermark', () => {
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path);
    const a = log.append(makeBatch({ count: 3 }), { leaderEpoch: 1, origin: 'client' });
    assert.equal(a.firstOffset, 0n);
    assert.equal(a.lastOffset, 2n);
    const b = log.append(makeBatch({ count: 2 }), { leaderEpoch: 1, origin: 'client' });
    assert.equal(b.firstOffset, 3n);
    assert.equal(log.logEndOffset, 5n);
    assert.equal(log.read(0n, { maxBytes: 1 << 20 }).records.length, 0, 'nothing below HW 0');
    log.highWatermark = 3n;
    assert.deepEqual(offsetsOf(log.read(0n, { maxBytes: 1 << 20 }).records), [0n, 1n, 2n]);
    assert.deepEqual(offsetsOf(log.read(1n, { maxBytes: 1 << 20, upperBound: 'leo' }).records), [0n, 1n, 2n, 3n, 4n]);
    assert.throws(() => log.read(6n, { maxBytes: 100 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE);
    const empty = log.read(0n, { maxBytes: 10, minOneMessage: false, upperBound: 'leo' });
    assert.equal(empty.records.length, 0);
    assert.equal(empty.firstEntryIncomplete, true);
    assert.equal(log.endOffsetForEpoch(1).endOffset, 5n);
    log.close();
  } finally {
    d.cleanup();
  }
});

test('segments roll on segment.bytes and reads cross segments from disk after reopen', () => {
  const d = tempDir();
  try {
    const t = openTestLog(d.path, { 'segment.bytes': 1024 * 1024, 'index.interval.bytes': 1024 });
    for (let i = 0; i < 100; i++) t.log.append(makeBatch({ count: 10, valueBytes: 1000 }), { leaderEpoch: 0, origin: 'client' });
    assert.ok(t.log.segments.length >= 1);
    t.log.close();
    const log = t.reopen();
    assert.equal(log.logEndOffset, 1000n);
    log.highWatermark = 1000n;
    let next = 0n;
    while (next < 1000n) {
      const r = log.read(next, { maxBytes: 50_000 });
      const offs = offsetsOf(r.records);
      assert.equal(offs[0], next);
      next = offs.at(-1)! + 1n;
    }
    log.close();
  } finally {
    d.cleanup();
  }
});

test('rolls by size: many segments, file names are 20-digit base offsets', () => {
  const d = tempDir();
  try {
    const t = openTestLog(d.path, { 'segment.bytes': 1024 * 1024 });
    for (let i = 0; i < 30; i++) t.log.append(makeBatch({ count: 100, valueBytes: 1000 }), { leaderEpoch: 0, origin: 'client' });
    assert.ok(t.log.segments.length >= 3, `segments: ${t.log.segments.length}`);
    const logs = readdirSync(d.path).filter((f) => f.endsWith('.log'));
    for (const f of logs) assert.match(f, /^\d{20}\.log$/);
    t.log.highWatermark = t.log.logEndOffset;
    const r = t.log.offsetForTimestamp(-3n);
    assert.ok(r !== null);
    t.log.close();
  } finally {
    d.cleanup();
  }
});

test('idempotent producer: duplicates return the original offsets, gaps are OUT_OF_ORDER_SEQUENCE_NUMBER, old epochs INVALID_PRODUCER_EPOCH', () => {
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path);
    const pid = 42n;
    const first = log.append(makeBatch({ count: 2, producerId: pid, producerEpoch: 0, baseSequence: 0 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeBatch({ count: 2, producerId: pid, producerEpoch: 0, baseSequence: 2 }), { leaderEpoch: 0, origin: 'client' });
    const dup = log.append(makeBatch({ count: 2, producerId: pid, producerEpoch: 0, baseSequence: 0 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(dup.duplicate, true);
    assert.equal(dup.firstOffset, first.firstOffset);
    assert.equal(log.logEndOffset, 4n);
    assert.throws(() => log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 0, baseSequence: 7 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 1, baseSequence: 0 }), { leaderEpoch: 0, origin: 'client' });
    assert.throws(() => log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 0, baseSequence: 4 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.throws(() => log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 2, baseSequence: 5 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(log.logEndOffset, 5n, 'refused appends write nothing');
    // Producer state survives a restart (snapshot) and an unclean one (rebuilt from the log).
    log.close();
    const t2 = openTestLog(d.path);
    const dup2 = t2.log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 1, baseSequence: 0 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(dup2.duplicate, true);
    assert.equal(dup2.firstOffset, 4n);
    t2.log.append(makeBatch({ count: 1, producerId: pid, producerEpoch: 1, baseSequence: 1 }), { leaderEpoch: 0, origin: 'client' });
    const t3 = openTestLog(d.path);
    t3.reopen({ clean: false, recoveryPoint: 0n });
    assert.equal(t3.log.producerState.lastEntry(pid)?.batches.at(-1)?.lastSeq, 1);
    assert.equal(t3.log.logEndOffset, 6n);
  } finally {
    d.cleanup();
  }
});

test('transactions: LSO holds at the first open transaction, aborts go to the txnindex', () => {
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path);
    log.append(makeBatch({ count: 1 }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeBatch({ count: 2, producerId: 7n, producerEpoch: 0, baseSequence: 0, transactional: true }), { leaderEpoch: 0, origin: 'client' });
    log.append(makeBatch({ count: 1 }), { leaderEpoch: 0, origin: 'client' });
    log.highWatermark = log.logEndOffset;
    assert.equal(log.lastStableOffset, 1n);
    assert.throws(() => log.append(makeBatch({ count: 1, producerId: 7n, producerEpoch: 0, baseSequence: 2 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_TXN_STATE);
    assert.throws(() => log.append(makeMarker(7n, 0, false), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_RECORD);
    log.append(makeMarker(7n, 0, false), { leaderEpoch: 0, origin: 'coordinator' });
    assert.equal(log.lastStableOffset, 1n, 'the marker is not yet below the HW');
    log.highWatermark = log.logEndOffset;
    assert.equal(log.lastStableOffset, 5n);
    const r = log.read(0n, { maxBytes: 1 << 20, isolation: 'read_committed' });
    assert.deepEqual(r.abortedTransactions, [{ producerId: 7n, firstOffset: 1n }]);
    log.close();
    const t2 = openTestLog(d.path);
    t2.reopen({ clean: false, recoveryPoint: 0n });
    t2.log.highWatermark = t2.log.logEndOffset;
    assert.deepEqual(t2.log.read(0n, { maxBytes: 1 << 20, isolation: 'read_committed' }).abortedTransactions, [{ producerId: 7n, firstOffset: 1n }]);
  } finally {
    d.cleanup();
  }
});

test('validation: corrupt CRC, oversize batch, compacted topic without key, LogAppendTime', () => {
  const d = tempDir();
  try {
    const { log, clock } = openTestLog(d.path, { 'max.message.bytes': 2000, 'message.timestamp.type': 'LogAppendTime' });
    const bad = makeBatch({ count: 1 });
    bad[bad.length - 1] ^= 0xff;
    assert.throws(() => log.append(bad, { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.CORRUPT_MESSAGE);
    assert.throws(() => log.append(makeBatch({ count: 5, valueBytes: 1000 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.MESSAGE_TOO_LARGE);
    const info = log.append(makeBatch({ count: 2, timestampMs: 5 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(info.logAppendTimeMs, BigInt(clock.nowMs()));
    log.highWatermark = 2n;
    const recs = decodeRecordBatch(log.read(0n, { maxBytes: 1 << 20 }).records).records;
    assert.equal(recs[0]!.timestamp, BigInt(clock.nowMs()));
    log.close();
    const d2 = tempDir();
    const c = openTestLog(d2.path, { 'cleanup.policy': 'compact' });
    assert.throws(() => c.log.append(makeBatch({ count: 1 }), { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_RECORD);
    c.log.close();
    d2.cleanup();
  } finally {
    d.cleanup();
  }
});

test('flush.messages fsyncs and advances the recovery point; flush.ms through LogManager', async () => {
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path, { 'flush.messages': 3 });
    log.append(makeBatch({ count: 2 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(log.recoveryPoint, 0n, 'default: not flushed per append');
    log.append(makeBatch({ count: 1 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(log.recoveryPoint, 3n, 'flushed after 3 messages');
    log.close();
    const { LogManager } = await import('../../src/storage/log-manager.js');
    const { ManualClock } = await import('../../src/util/clock.js');
    const { quietLogger } = await import('./helpers.js');
    const clock = new ManualClock(1_700_000_000_000);
    const m = await LogManager.open({ logDirs: [join(d.path, 'm')], clock, logger: quietLogger, backgroundTasks: false });
    const l = m.getOrCreateLog({ topic: 'f', partition: 0 }, { 'flush.ms': 1000 });
    l.append(makeBatch({ count: 1, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    m.runFlushes();
    assert.equal(l.recoveryPoint, 0n);
    clock.advance(1000);
    m.runFlushes();
    assert.equal(l.recoveryPoint, 1n);
    // Idle producers expire (producer.id.expiration.ms) when retention runs.
    l.append(makeBatch({ count: 1, producerId: 3n, producerEpoch: 0, baseSequence: 0, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    assert.ok(l.producerState.lastEntry(3n) !== undefined);
    clock.advance(86_400_000);
    m.runRetention();
    assert.equal(l.producerState.lastEntry(3n), undefined);
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('offsetForTimestamp: earliest, latest, max timestamp and by time', () => {
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path, { 'index.interval.bytes': 100 });
    for (let i = 0; i < 50; i++) log.append(makeBatch({ count: 3, timestamps: [1000 + i * 10, 1001 + i * 10, 1002 + i * 10], valueBytes: 50 }), { leaderEpoch: 2, origin: 'client' });
    assert.deepEqual(log.offsetForTimestamp(-2n), { offset: 0n, timestamp: -1n, leaderEpoch: 2 });
    assert.deepEqual(log.offsetForTimestamp(-1n), { offset: 150n, timestamp: -1n, leaderEpoch: 2 });
    assert.deepEqual(log.offsetForTimestamp(-3n), { offset: 149n, timestamp: 1492n, leaderEpoch: 2 });
    assert.deepEqual(log.offsetForTimestamp(1101n), { offset: 31n, timestamp: 1101n, leaderEpoch: 2 });
    assert.deepEqual(log.offsetForTimestamp(1103n), { offset: 33n, timestamp: 1110n, leaderEpoch: 2 });
    assert.equal(log.offsetForTimestamp(5000n), null);
    log.close();
  } finally {
    d.cleanup();
  }
});

test('a client batch whose count does not match its offset range is INVALID_RECORD (no offset jumps)', async () => {
  const { encodeRecordBatch } = await import('../../src/protocol/records/batch.js');
  const d = tempDir();
  try {
    const { log } = openTestLog(d.path);
    const gappy = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('a'), offsetDelta: 0 }, { key: null, value: Buffer.from('b'), offsetDelta: 1_000_000 }] });
    assert.throws(() => log.append(gappy, { leaderEpoch: 0, origin: 'client' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_RECORD);
    assert.equal(log.logEndOffset, 0n);
    // A follower copies such a (compacted) batch with its offsets.
    const copied = Buffer.from(gappy);
    log.append(copied, { leaderEpoch: 0, origin: 'replication' });
    assert.equal(log.logEndOffset, 1_000_001n);
    log.close();
  } finally {
    d.cleanup();
  }
});
