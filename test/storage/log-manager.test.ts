import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../src/util/clock.js';
import { LogManager, CLEAN_SHUTDOWN_FILE } from '../../src/storage/log-manager.js';
import { buildLogConfig, logConfigDefs } from '../../src/storage/log-config.js';
import { KafkaError, ErrorCode } from '../../src/protocol/errors.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch, quietLogger } from './helpers.js';

const T0 = 1_700_000_000_000;

async function open(dir: string, clock: ManualClock, extra: Partial<Parameters<typeof LogManager.open>[0]> = {}): Promise<LogManager> {
  return LogManager.open({ logDirs: [dir], clock, logger: quietLogger, backgroundTasks: false, ...extra });
}

test('checkpoint files in Kafka format, clean shutdown marker, logs reopen with their offsets', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    let m = await open(d.path, clock);
    const log = m.getOrCreateLog({ topic: 'my-topic', partition: 3 });
    for (let i = 0; i < 10; i++) log.append(makeBatch({ count: 2, timestampMs: T0 }), { leaderEpoch: 4, origin: 'client' });
    log.highWatermark = 20n;
    log.deleteRecordsBefore(5n);
    await m.shutdown();
    assert.ok(existsSync(join(d.path, CLEAN_SHUTDOWN_FILE)));
    assert.equal(readFileSync(join(d.path, 'recovery-point-offset-checkpoint'), 'utf8'), '0\n1\nmy-topic 3 20\n');
    assert.equal(readFileSync(join(d.path, 'replication-offset-checkpoint'), 'utf8'), '0\n1\nmy-topic 3 20\n');
    assert.equal(readFileSync(join(d.path, 'log-start-offset-checkpoint'), 'utf8'), '0\n1\nmy-topic 3 5\n');
    assert.equal(readFileSync(join(d.path, 'my-topic-3', 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n4 5\n');
    m = await open(d.path, clock);
    assert.ok(!existsSync(join(d.path, CLEAN_SHUTDOWN_FILE)), 'marker removed after startup');
    const again = m.getLog({ topic: 'my-topic', partition: 3 })!;
    assert.equal(again.logEndOffset, 20n);
    assert.equal(again.logStartOffset, 5n);
    assert.equal(again.highWatermark, 20n);
    assert.deepEqual(again.endOffsetForEpoch(4), { leaderEpoch: 4, endOffset: 20n });
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('retention.ms, retention.bytes and file.delete.delay.ms with an injected clock', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const m = await open(d.path, clock);
    const log = m.getOrCreateLog({ topic: 'r', partition: 0 }, { 'segment.bytes': 20_000, 'retention.ms': 60_000, 'file.delete.delay.ms': 1000 });
    for (let i = 0; i < 40; i++) {
      log.append(makeBatch({ count: 4, valueBytes: 500, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
      clock.advance(1000);
    }
    const segs = log.segments.length;
    assert.ok(segs >= 5, `segments ${segs}`);
    log.highWatermark = log.logEndOffset;
    assert.equal(m.runRetention(), 0, 'nothing older than 60 s yet');
    clock.advance(30_000); // the first segments' newest records are now older than 60 s
    const deleted = m.runRetention();
    assert.ok(deleted > 0 && deleted < segs, `deleted ${deleted}`);
    assert.ok(readdirSync(join(d.path, 'r-0')).some((f) => f.endsWith('.log.deleted')), 'renamed .deleted first');
    assert.equal(log.logStartOffset, log.segments[0]!.baseOffset);
    clock.advance(1000);
    m.runPendingDeletes();
    assert.ok(!readdirSync(join(d.path, 'r-0')).some((f) => f.endsWith('.deleted')), 'removed after the delay');
    assert.throws(() => log.read(0n, { maxBytes: 100 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE);
    // retention.bytes: keep at most ~2 segments' worth.
    m.updateConfig({ topic: 'r', partition: 0 }, { 'segment.bytes': 20_000, 'retention.ms': -1, 'retention.bytes': 40_000, 'file.delete.delay.ms': 0 });
    for (let i = 0; i < 40; i++) log.append(makeBatch({ count: 4, valueBytes: 500, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    log.highWatermark = log.logEndOffset;
    m.runRetention();
    assert.ok(log.size <= 40_000 + 20_000, `size ${log.size}`);
    assert.ok(log.size >= 40_000 - 20_000);
    // Segments above the high watermark are never deleted.
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('segment.ms rolls by time (injected clock); retention of the active segment rolls it first', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const m = await open(d.path, clock);
    const log = m.getOrCreateLog({ topic: 's', partition: 0 }, { 'segment.ms': 10_000, 'retention.ms': 5_000, 'file.delete.delay.ms': 0 });
    log.append(makeBatch({ count: 1, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    clock.advance(5_000);
    log.append(makeBatch({ count: 1, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(log.segments.length, 1);
    clock.advance(6_000);
    log.append(makeBatch({ count: 1, timestampMs: clock.nowMs() }), { leaderEpoch: 0, origin: 'client' });
    assert.equal(log.segments.length, 2, 'rolled after segment.ms');
    log.highWatermark = log.logEndOffset;
    clock.advance(60_000);
    m.runRetention();
    assert.equal(log.logStartOffset, 3n);
    assert.equal(log.logEndOffset, 3n);
    assert.equal(log.segments.length, 1);
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('10,000-partition style: descriptors stay bounded by the LRU, tail cache serves the end', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const m = await open(d.path, clock, { maxOpenFiles: 16, tailCacheTotalBytes: 64 * 1024 * 1024 });
    for (let p = 0; p < 300; p++) {
      const log = m.getOrCreateLog({ topic: 'many', partition: p });
      log.append(makeBatch({ count: 3, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
      log.highWatermark = log.logEndOffset;
    }
    assert.ok(m.files.size <= 16, `open descriptors ${m.files.size}`);
    const log = m.getLog({ topic: 'many', partition: 7 })!;
    const hits = log.tailCache.hits;
    assert.equal(log.read(0n, { maxBytes: 1 << 20 }).records.length > 0, true);
    assert.equal(log.tailCache.hits, hits + 1, 'served from the tail cache');
    await m.shutdown();
    const m2 = await open(d.path, clock, { maxOpenFiles: 16 });
    assert.equal(m2.allLogs().length, 300);
    assert.ok(m2.files.size <= 16, 'loading 300 logs keeps at most maxOpenFiles descriptors');
    let total = 0;
    for (const l of m2.allLogs()) {
      l.highWatermark = l.logEndOffset;
      total += l.read(0n, { maxBytes: 1 << 20 }).records.length;
    }
    assert.ok(total > 0);
    assert.ok(m2.files.size <= 16);
    await m2.shutdown();
  } finally {
    d.cleanup();
  }
});

test('config table: Kafka names, defaults, validation', () => {
  const c = buildLogConfig();
  assert.equal(c.segmentBytes, 1073741824);
  assert.equal(c.retentionMs, 604800000);
  assert.equal(c.indexIntervalBytes, 4096);
  assert.equal(c.segmentIndexBytes, 10485760);
  assert.ok(logConfigDefs.has('min.cleanable.dirty.ratio'));
  assert.deepEqual(buildLogConfig({ 'cleanup.policy': 'compact,delete' }).compact, true);
  assert.throws(() => buildLogConfig({ 'segment.bytes': 'abc' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_CONFIG);
  assert.throws(() => buildLogConfig({ 'no.such.config': 1 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_CONFIG);
  assert.throws(() => buildLogConfig({ 'cleanup.policy': 'shred' }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_CONFIG);
  assert.equal(buildLogConfig({ 'flush.messages': '9223372036854775807' }).flushMessages, Number.MAX_SAFE_INTEGER);
});

test('the cleaner runs from the LogManager and its progress is checkpointed', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    let m = await open(d.path, clock);
    const log = m.getOrCreateLog({ topic: 'cmp', partition: 0 }, { 'cleanup.policy': 'compact', 'segment.bytes': 4096, 'file.delete.delay.ms': 0 });
    for (let i = 0; i < 100; i++) log.append(makeBatch({ keys: [`k${i % 5}`], values: [`v${i}`], timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    log.highWatermark = log.logEndOffset;
    const before = log.size;
    assert.equal(m.runCleaner(), true);
    assert.ok(log.size < before);
    const checkpointed = log.cleanerCheckpoint;
    assert.ok(checkpointed > 0n);
    await m.shutdown();
    assert.equal(readFileSync(join(d.path, 'cleaner-offset-checkpoint'), 'utf8'), `0\n1\ncmp 0 ${checkpointed}\n`);
    m = await open(d.path, clock);
    assert.equal(m.getLog({ topic: 'cmp', partition: 0 })!.cleanerCheckpoint, checkpointed);
    assert.equal(m.runCleaner(), false, 'nothing dirty after a restart');
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('malformed checkpoint or leader-epoch files are logged and recovered from, not fatal', async () => {
  const { writeFileSync } = await import('node:fs');
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    let m = await open(d.path, clock);
    const log = m.getOrCreateLog({ topic: 'bad', partition: 0 });
    for (let i = 0; i < 5; i++) log.append(makeBatch({ count: 2, timestampMs: T0 }), { leaderEpoch: 3, origin: 'client' });
    await m.shutdown();
    writeFileSync(join(d.path, 'recovery-point-offset-checkpoint'), '0\n7\ngarbage');
    writeFileSync(join(d.path, 'bad-0', 'leader-epoch-checkpoint'), '0\n1\nx y\n');
    m = await open(d.path, clock);
    const again = m.getLog({ topic: 'bad', partition: 0 })!;
    assert.equal(again.logEndOffset, 10n);
    assert.deepEqual(again.endOffsetForEpoch(3), { leaderEpoch: 3, endOffset: 10n }, 'epochs rebuilt from the batches');
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});

test('deleteLog renames the directory at once and a log of the same name starts empty', async () => {
  const d = tempDir();
  try {
    const clock = new ManualClock(T0);
    const m = await open(d.path, clock);
    const tp = { topic: 'gone', partition: 1 };
    m.getOrCreateLog(tp).append(makeBatch({ count: 3, timestampMs: T0 }), { leaderEpoch: 0, origin: 'client' });
    m.deleteLog(tp);
    assert.equal(m.getLog(tp), undefined);
    assert.ok(!existsSync(join(d.path, 'gone-1')));
    const fresh = m.getOrCreateLog(tp);
    assert.equal(fresh.logEndOffset, 0n);
    // Removed in the background: poll (bounded) rather than assume a duration.
    for (let i = 0; i < 200 && readdirSync(d.path).some((f) => f.endsWith('-delete')); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(!readdirSync(d.path).some((f) => f.endsWith('-delete')), 'removed in the background');
    await m.shutdown();
  } finally {
    d.cleanup();
  }
});
