/** On-disk formats and the pure pieces: indexes, checkpoints, leader epochs, producer state. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KafkaError, ErrorCode } from '../../src/protocol/errors.js';
import { OffsetIndex } from '../../src/storage/offset-index.js';
import { TimeIndex } from '../../src/storage/time-index.js';
import { TransactionIndex, TXN_INDEX_ENTRY_BYTES } from '../../src/storage/transaction-index.js';
import { OffsetCheckpointFile, CheckpointFormatError } from '../../src/storage/checkpoint-file.js';
import { LeaderEpochFileCache } from '../../src/storage/leader-epoch-cache.js';
import { ProducerStateManager, incrementSequence, SnapshotFormatError, type ProducerBatch } from '../../src/storage/producer-state.js';
import { tempDir } from '../helpers/paths.js';

test('OffsetIndex: 8-byte entries, floor lookup, truncation, persisted and reloaded', () => {
  const d = tempDir();
  try {
    const path = join(d.path, '00000000000000000100.index');
    const idx = new OffsetIndex(path, 100n, 80);
    assert.equal(idx.maxEntries, 10);
    for (let i = 0; i < 5; i++) idx.append(100n + BigInt(i * 10), i * 1000);
    idx.append(120n, 9999); // not after the last entry: ignored
    assert.deepEqual(idx.lookup(99n), { offset: 100n, position: 0 });
    assert.deepEqual(idx.lookup(125n), { offset: 120n, position: 2000 });
    assert.deepEqual(idx.lookup(1000n), { offset: 140n, position: 4000 });
    idx.flush(true);
    assert.equal(statSync(path).size, 40);
    const raw = readFileSync(path);
    assert.equal(raw.readInt32BE(8), 10);
    assert.equal(raw.readInt32BE(12), 1000);
    idx.truncateTo(130n);
    idx.flush(false);
    assert.equal(statSync(path).size, 24);
    const again = new OffsetIndex(path, 100n, 80);
    assert.equal(again.entries, 3);
    again.sanityCheck(5000);
    assert.throws(() => again.sanityCheck(1500), /out of range/);
    for (let i = 3; i < 20; i++) again.append(100n + BigInt(i * 10), i * 1000);
    assert.equal(again.isFull, true);
  } finally {
    d.cleanup();
  }
});

test('TimeIndex: 12-byte entries, only growing timestamps, lookup by time', () => {
  const d = tempDir();
  try {
    const path = join(d.path, '00000000000000000000.timeindex');
    const idx = new TimeIndex(path, 0n, 1200);
    idx.maybeAppend(1000, 5n);
    idx.maybeAppend(900, 9n); // older timestamp: ignored
    idx.maybeAppend(2000, 20n);
    assert.deepEqual(idx.lookup(500), { timestampMs: -1, offset: 0n });
    assert.deepEqual(idx.lookup(1500), { timestampMs: 1000, offset: 5n });
    idx.flush(true);
    assert.equal(statSync(path).size, 24);
    assert.equal(readFileSync(path).readBigInt64BE(12), 2000n);
    assert.deepEqual(new TimeIndex(path, 0n, 1200).lastEntry(), { timestampMs: 2000, offset: 20n });
  } finally {
    d.cleanup();
  }
});

test('TransactionIndex: 34-byte entries with version 0', () => {
  const d = tempDir();
  try {
    const path = join(d.path, '00000000000000000000.txnindex');
    const idx = new TransactionIndex(path, 0n);
    idx.append({ producerId: 7n, firstOffset: 3n, lastOffset: 9n, lastStableOffset: 10n });
    idx.append({ producerId: 8n, firstOffset: 12n, lastOffset: 15n, lastStableOffset: 16n });
    const raw = readFileSync(path);
    assert.equal(raw.length, 2 * TXN_INDEX_ENTRY_BYTES);
    assert.equal(raw.readInt16BE(0), 0);
    assert.equal(raw.readBigInt64BE(2), 7n);
    const again = new TransactionIndex(path, 0n);
    assert.deepEqual(again.collectAbortedTxns(10n, 20n).map((t) => t.producerId), [8n]);
    again.truncateTo(12n);
    assert.equal(readFileSync(path).length, TXN_INDEX_ENTRY_BYTES);
  } finally {
    d.cleanup();
  }
});

test('checkpoint files: Kafka text format, malformed files are refused with a clear error', () => {
  const d = tempDir();
  try {
    const path = join(d.path, 'recovery-point-offset-checkpoint');
    const f = new OffsetCheckpointFile(path);
    f.write([{ topic: 'a-b', partition: 2, offset: 17n }, { topic: 'c', partition: 0, offset: 0n }]);
    assert.equal(readFileSync(path, 'utf8'), '0\n2\na-b 2 17\nc 0 0\n');
    assert.deepEqual([...f.read()], [['a-b-2', 17n], ['c-0', 0n]]);
    for (const bad of ['1\n0\n', '0\n5\na 0 1\n', '0\n1\na 0\n', '0\nx\n', '0\n1\na b c\n']) {
      writeFileSync(path, bad);
      assert.throws(() => f.read(), CheckpointFormatError, JSON.stringify(bad));
    }
  } finally {
    d.cleanup();
  }
});

test('LeaderEpochFileCache: end offsets as KIP-101/279 define them', () => {
  const d = tempDir();
  try {
    const path = join(d.path, 'leader-epoch-checkpoint');
    const c = new LeaderEpochFileCache(path);
    assert.deepEqual(c.endOffsetFor(0, 0n), { leaderEpoch: -1, endOffset: -1n });
    c.assign(2, 10n);
    c.assign(2, 15n); // same epoch: ignored
    c.assign(4, 20n);
    c.assign(7, 30n);
    assert.deepEqual(c.endOffsetFor(7, 42n), { leaderEpoch: 7, endOffset: 42n });
    assert.deepEqual(c.endOffsetFor(4, 42n), { leaderEpoch: 4, endOffset: 30n });
    assert.deepEqual(c.endOffsetFor(5, 42n), { leaderEpoch: 4, endOffset: 30n }, 'unknown epoch: the largest below it');
    assert.deepEqual(c.endOffsetFor(1, 42n), { leaderEpoch: 1, endOffset: 10n }, 'before the first epoch');
    assert.deepEqual(c.endOffsetFor(9, 42n), { leaderEpoch: -1, endOffset: -1n }, 'after the latest epoch');
    assert.equal(readFileSync(path, 'utf8'), '0\n3\n2 10\n4 20\n7 30\n');
    c.truncateFromEnd(25n);
    c.truncateFromStart(12n);
    assert.deepEqual(new LeaderEpochFileCache(path).entries(), [{ epoch: 2, startOffset: 12n }, { epoch: 4, startOffset: 20n }]);
  } finally {
    d.cleanup();
  }
});

function batch(p: Partial<ProducerBatch> & { firstOffset: bigint }): ProducerBatch {
  return { producerId: 1n, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0, lastOffset: p.firstOffset + BigInt(p.lastOffsetDelta ?? 0), maxTimestampMs: 1, isTransactional: false, ...p };
}

test('ProducerStateManager: staged appends, sequence wrap, 5 retained batches, snapshots with CRC', () => {
  const m = new ProducerStateManager();
  assert.equal(incrementSequence(0x7fffffff, 1), 0);
  assert.equal(incrementSequence(0x7ffffffe, 3), 1);
  let offset = 0n;
  let seq = 0x7fffffff - 5;
  for (let i = 0; i < 7; i++) {
    const b = batch({ firstOffset: offset, baseSequence: seq, lastOffsetDelta: 1 });
    const staged = m.prepareProducerAppend([b], 'client');
    assert.equal(m.lastEntry(1n)?.batches.length ?? 0, Math.min(i, 5), 'prepare changes nothing');
    m.applyProducerAppend(staged, offset + 2n);
    offset += 2n;
    seq = incrementSequence(seq, 2);
  }
  const e = m.lastEntry(1n)!;
  assert.equal(e.batches.length, 5);
  assert.ok(m.findDuplicateBatch(batch({ firstOffset: 0n, baseSequence: e.batches[0]!.firstSeq, lastOffsetDelta: 1 })) !== undefined);
  assert.throws(() => m.prepareProducerAppend([batch({ firstOffset: offset, baseSequence: incrementSequence(seq, 1) })], 'client'), (x: unknown) => x instanceof KafkaError && x.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  m.prepareProducerAppend([batch({ firstOffset: offset, baseSequence: incrementSequence(seq, 7) })], 'replication'); // replicas take what the leader wrote
  const snap = m.snapshotBytes();
  const loaded = new ProducerStateManager();
  loaded.loadSnapshot(snap, offset);
  assert.deepEqual(loaded.lastEntry(1n)!.batches, [e.batches.at(-1)]);
  const bad = Buffer.from(snap);
  bad[bad.length - 1] ^= 1;
  assert.throws(() => loaded.loadSnapshot(bad, offset), SnapshotFormatError);
  assert.throws(() => loaded.loadSnapshot(snap.subarray(0, 12), offset), SnapshotFormatError);
});
