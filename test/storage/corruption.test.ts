/**
 * A flipped byte inside a closed segment: detected on read (CRC) with a clear log line, the log
 * serves everything before it; recovery from before it truncates there and the log stays usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { KafkaError, ErrorCode } from '../../src/protocol/errors.js';
import { decodeRecordBatch } from '../../src/protocol/records/batch.js';
import { splitBatches } from '../../src/protocol/records/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { FileHandleCache } from '../../src/storage/file-handle-cache.js';
import { buildLogConfig } from '../../src/storage/log-config.js';
import { UnifiedLog } from '../../src/storage/unified-log.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch } from './helpers.js';

test('a flipped byte in a closed segment is reported on read and cut by recovery', () => {
  const d = tempDir();
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const open = (clean: boolean, recoveryPoint?: bigint): UnifiedLog =>
    UnifiedLog.open({ dir: d.path, topicPartition: { topic: 'c', partition: 0 }, config: buildLogConfig({ 'segment.bytes': 64 * 1024 }), clock: new ManualClock(1_700_000_000_000), logger, files: new FileHandleCache(8), tailCacheBytes: 0, hadCleanShutdown: clean, recoveryPoint, scheduleDeletion: () => undefined, jitter: () => 0 });
  try {
    let log = open(true);
    for (let i = 0; i < 200; i++) log.append(makeBatch({ count: 5, valueBytes: 200, timestampMs: 1_700_000_000_000 }), { leaderEpoch: 0, origin: 'client' });
    assert.ok(log.segments.length >= 3);
    log.close();
    // Corrupt a byte in the middle of the first (closed) segment, inside a record payload.
    log = open(true);
    const seg = log.segments[0]!;
    const victim = [...seg.batchesFrom(0)][10]!;
    const fd = openSync(seg.logPath, 'r+');
    const b = Buffer.alloc(1);
    const at = victim.position + victim.size - 20;
    readSync(fd, b, 0, 1, at);
    b[0] ^= 0x40;
    writeSync(fd, b, 0, 1, at);
    closeSync(fd);
    log.highWatermark = log.logEndOffset;
    // Reads before the corrupt batch work and stop short of it.
    const before = log.read(0n, { maxBytes: 1 << 20 });
    const offs = splitBatches(before.records).batches.flatMap((x) => decodeRecordBatch(x).records.map((r) => r.offset));
    assert.equal(offs.at(-1), victim.header.baseOffset - 1n);
    assert.ok(lines.some((l) => l.includes('corrupt record batch found on read')), 'a clear log line');
    assert.throws(() => log.read(victim.header.baseOffset, { maxBytes: 1 << 20 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.CORRUPT_MESSAGE);
    // Reads after it still work.
    const after = log.read(victim.header.baseOffset + 5n, { maxBytes: 1000 });
    assert.ok(after.records.length > 0);
    // Recovery from before the damage truncates the log at the corrupt batch; appends continue there.
    log = open(false, 0n);
    assert.equal(log.logEndOffset, victim.header.baseOffset);
    assert.equal(log.segments.length, 1);
    assert.ok(lines.some((l) => l.includes('recovery found an invalid batch')));
    const info = log.append(makeBatch({ count: 1 }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(info.firstOffset, victim.header.baseOffset);
    log.close();
  } finally {
    d.cleanup();
  }
});

test('recovery refuses a well-formed batch whose offsets go backwards', () => {
  const d = tempDir();
  try {
    const open = (clean: boolean): UnifiedLog =>
      UnifiedLog.open({ dir: d.path, topicPartition: { topic: 'b', partition: 0 }, config: buildLogConfig(), clock: new ManualClock(1_700_000_000_000), logger: pino({ level: 'silent' }), files: new FileHandleCache(8), tailCacheBytes: 0, hadCleanShutdown: clean, recoveryPoint: 0n, scheduleDeletion: () => undefined, jitter: () => 0 });
    let log = open(true);
    for (let i = 0; i < 5; i++) log.append(makeBatch({ count: 2 }), { leaderEpoch: 0, origin: 'client' });
    const path = log.activeSegment.logPath;
    log.close();
    // A stale but CRC-valid batch (base offset 0) after the end, as a recycled block could hold.
    appendFileSync(path, makeBatch({ count: 1 }));
    log = open(false);
    assert.equal(log.logEndOffset, 10n);
    log.close();
  } finally {
    d.cleanup();
  }
});

test('CRCs are checked on the first read from disk, not again: appended bytes still get checked once, a flip stays reported', () => {
  const d = tempDir();
  const lines: string[] = [];
  const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  try {
    const log = UnifiedLog.open({ dir: d.path, topicPartition: { topic: 'f', partition: 0 }, config: buildLogConfig({ 'segment.bytes': 64 * 1024 }), clock: new ManualClock(1_700_000_000_000), logger, files: new FileHandleCache(8), tailCacheBytes: 0, hadCleanShutdown: true, scheduleDeletion: () => undefined, jitter: () => 0 });
    for (let i = 0; i < 200; i++) log.append(makeBatch({ count: 5, valueBytes: 200, timestampMs: 1_700_000_000_000 }), { leaderEpoch: 0, origin: 'client' });
    log.highWatermark = log.logEndOffset;
    const [first, second] = [log.segments[0]!, log.segments[1]!];
    // Written by this process and never read back: appends do not count as a check of the disk bytes.
    assert.equal(first.verifiedEnd, 0);
    const victim = [...first.batchesFrom(0)][7]!;
    const fd = openSync(first.logPath, 'r+');
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, victim.position + victim.size - 10);
    b[0] ^= 0x01;
    writeSync(fd, b, 0, 1, victim.position + victim.size - 10);
    closeSync(fd);
    const r = log.read(0n, { maxBytes: 1 << 20 });
    assert.equal(r.records.length, victim.position, 'served up to the corrupt batch');
    assert.equal(first.verifiedEnd, victim.position, 'the checked range stops before the corrupt batch');
    const reported = (): number => lines.filter((l) => l.includes('corrupt record batch found on read')).length;
    const afterFirst = reported();
    assert.ok(afterFirst >= 1, 'a clear log line');
    // The flip is reported again on every read that reaches it (it is never marked checked).
    assert.throws(() => log.read(victim.header.baseOffset, { maxBytes: 1 << 20 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.CORRUPT_MESSAGE);
    assert.ok(reported() > afterFirst);
    // A clean segment read twice: the second read returns the same bytes from the checked range.
    const a = log.read(second.baseOffset, { maxBytes: 1 << 20 });
    assert.equal(second.verifiedStart, 0);
    assert.ok(a.records.length > second.size, 'the read went through the whole segment');
    assert.equal(second.verifiedEnd, second.size);
    // The checked range is not checked again (Kafka never checks on fetch): a flip made after the
    // first read is served as is by the second, which shows the CRC work was skipped.
    const fd2 = openSync(second.logPath, 'r+');
    writeSync(fd2, Buffer.from([0xff]), 0, 1, 100);
    closeSync(fd2);
    const again = log.read(second.baseOffset, { maxBytes: 1 << 20 }).records;
    assert.equal(again.length, a.records.length);
    assert.equal(again[100], 0xff);
    // Truncation shrinks the checked range with the file.
    log.truncateTo(second.baseOffset + 5n);
    assert.ok(second.verifiedEnd <= second.size);
    log.close();
  } finally {
    d.cleanup();
  }
});
