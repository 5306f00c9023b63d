/**
 * Transactions against a model: random transactional and plain appends from a few producers,
 * commit and abort markers, high-watermark moves, crash-and-recover (full replay). After every
 * step the last stable offset and the aborted transactions a read_committed fetch gets must
 * match the model (Kafka's rules: LSO = the first offset of an ongoing transaction or of a
 * completed one whose marker is not yet below the HW, capped by the HW).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readBatchHeader, splitBatches } from '../../src/protocol/records/index.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch, makeMarker, openTestLog } from './helpers.js';

function scenario(seed: number): void {
  let s = seed >>> 0 || 3;
  const int = (n: number): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
  const d = tempDir('gregor-txn-model-');
  const t = openTestLog(d.path, { 'segment.bytes': 1000 + int(2000) });
  let log = t.log;
  const ongoing = new Map<bigint, bigint>(); // producerId -> first offset
  const completed: { pid: bigint; first: bigint; last: bigint; aborted: boolean }[] = [];
  const seq = new Map<bigint, number>();
  let leo = 0n;
  let hw = 0n;
  try {
    for (let step = 0; step < 80; step++) {
      const op = int(10);
      const pid = BigInt(1 + int(3));
      if (op < 4) {
        const count = 1 + int(3);
        const sq = seq.get(pid) ?? 0;
        log.append(makeBatch({ count, producerId: pid, producerEpoch: 0, baseSequence: sq, transactional: true }), { leaderEpoch: 0, origin: 'client' });
        seq.set(pid, sq + count);
        if (!ongoing.has(pid)) ongoing.set(pid, leo);
        leo += BigInt(count);
      } else if (op < 6) {
        if (!ongoing.has(pid)) continue;
        const aborted = int(2) === 0;
        log.append(makeMarker(pid, 0, !aborted), { leaderEpoch: 0, origin: 'coordinator' });
        completed.push({ pid, first: ongoing.get(pid)!, last: leo, aborted });
        ongoing.delete(pid);
        leo += 1n;
      } else if (op < 7) {
        log.append(makeBatch({ count: 1 + int(2) }), { leaderEpoch: 0, origin: 'client' });
        leo = log.logEndOffset;
      } else if (op < 9) {
        hw = hw + BigInt(int(Number(leo - hw) + 1));
        log.highWatermark = hw;
      } else {
        t.files.closeAll();
        log = t.reopen({ clean: false, recoveryPoint: 0n });
        log.highWatermark = hw;
      }
      assert.equal(log.logEndOffset, leo, `seed ${seed} step ${step}: LEO`);
      let lso = hw;
      for (const first of ongoing.values()) if (first < lso) lso = first;
      for (const c of completed) if (c.last >= hw && c.first < lso) lso = c.first;
      assert.equal(log.lastStableOffset, lso, `seed ${seed} step ${step}: LSO`);
      const r = log.read(0n, { maxBytes: 1 << 20, isolation: 'read_committed' });
      if (r.records.length > 0) {
        const lastBatch = splitBatches(r.records).batches.at(-1)!;
        const fetchedEnd = readBatchHeader(lastBatch, 0).baseOffset + BigInt(readBatchHeader(lastBatch, 0).lastOffsetDelta) + 1n;
        assert.ok(fetchedEnd <= lso, 'read_committed stays below the LSO');
        const want = completed.filter((c) => c.aborted && c.first < fetchedEnd).map((c) => ({ producerId: c.pid, firstOffset: c.first }));
        assert.deepEqual(r.abortedTransactions, want, `seed ${seed} step ${step}: aborted transactions`);
      }
    }
    log.close();
  } finally {
    d.cleanup();
  }
}

test('last stable offset and aborted transactions agree with a model, across crash recovery', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => scenario(seed)),
    { numRuns: 15, seed: Number(process.env.GREGOR_TXN_SEED ?? 4242) },
  );
});
