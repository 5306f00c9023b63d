/**
 * Redpanda-opfuzz style property test: random sequences of append / roll / truncate /
 * deleteRecordsBefore / close-and-reopen / crash-and-recover (with torn tails) / HW moves run
 * against the real log and a trivial in-memory model; every read, offset lookup, time lookup and
 * epoch lookup must agree with the model (time lookups against a brute-force scan).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSync, closeSync, ftruncateSync, writeSync, statSync } from 'node:fs';
import fc from 'fast-check';
import { KafkaError, ErrorCode } from '../../src/protocol/errors.js';
import { decodeRecordBatch } from '../../src/protocol/records/batch.js';
import { tempDir } from '../helpers/paths.js';
import { makeBatch, openTestLog } from './helpers.js';

interface ModelBatch {
  base: bigint;
  last: bigint;
  bytes: Buffer;
  timestamps: number[];
  epoch: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export function runScenario(seed: number, steps: number): void {
  const rand = rng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const d = tempDir('gregor-opfuzz-');
  const t = openTestLog(d.path, { 'segment.bytes': 1024 * 1024, 'index.interval.bytes': 200, 'segment.index.bytes': 64 }, undefined, 4);
  let log = t.log;
  let model: ModelBatch[] = [];
  let logStart = 0n;
  let hw = 0n;
  let epoch = 0;
  const epochs: { epoch: number; start: bigint }[] = [];
  const leo = (): bigint => (model.length === 0 ? (epochsEnd ?? logStart) : model.at(-1)!.last + 1n);
  let epochsEnd: bigint | undefined = 0n;
  let tsBase = 1_000_000;
  const ctx = (): string => `seed ${seed}`;
  try {
    for (let step = 0; step < steps; step++) {
      const op = int(100);
      if (process.env.GREGOR_OPFUZZ_TRACE === '1') console.error(`step ${step} op ${op} leo ${leo()} start ${logStart} hw ${hw} segs ${log.segments.map((s) => s.baseOffset).join(',')}`);
      if (op < 45) {
        // append 1..3 batches in one call
        const n = 1 + int(3);
        const parts: Buffer[] = [];
        const tss: number[][] = [];
        for (let i = 0; i < n; i++) {
          const count = 1 + int(20);
          const timestamps = Array.from({ length: count }, () => tsBase + int(5000));
          tsBase += int(1000);
          tss.push(timestamps);
          parts.push(makeBatch({ count, timestamps, valueBytes: int(300) }));
        }
        if (int(10) === 0) epoch++;
        const records = Buffer.concat(parts);
        const info = log.append(records, { leaderEpoch: epoch, origin: 'client' });
        assert.equal(info.firstOffset, leo(), ctx());
        let pos = 0;
        for (let i = 0; i < n; i++) {
          const size = parts[i]!.length;
          const bytes = Buffer.from(records.subarray(pos, pos + size));
          const base = bytes.readBigInt64BE(0);
          const last = base + BigInt(bytes.readInt32BE(23));
          if (epochs.length === 0 || epochs.at(-1)!.epoch < epoch) epochs.push({ epoch, start: base });
          model.push({ base, last, bytes, timestamps: tss[i]!, epoch });
          pos += size;
        }
        epochsEnd = undefined;
        hw = leo();
        log.highWatermark = hw;
      } else if (op < 50) {
        log.roll();
      } else if (op < 56 && model.length > 0) {
        // truncate at a batch boundary (as followers do) or the end
        const i = int(model.length + 1);
        const target = i === model.length ? leo() : model[i]!.base;
        const changed = log.truncateTo(target);
        assert.equal(changed, target < leo(), `seed ${seed}: truncateTo reports a change`);
        if (!changed) continue;
        model = model.filter((b) => b.base < target);
        if (logStart > target) logStart = target;
        epochsEnd = model.length === 0 ? target : undefined;
        while (epochs.length > 0 && epochs.at(-1)!.start >= target) epochs.pop();
        if (hw > target) hw = target;
      } else if (op < 62) {
        const target = logStart + BigInt(int(Number(hw - logStart) + 1));
        log.deleteRecordsBefore(target);
        if (target > logStart) {
          logStart = target;
          let lastBefore: { epoch: number; start: bigint } | undefined;
          const kept = epochs.filter((e) => {
            if (e.start < target) {
              lastBefore = e;
              return false;
            }
            return true;
          });
          if (lastBefore !== undefined && (kept.length === 0 || kept[0]!.start > target)) kept.unshift({ epoch: lastBefore.epoch, start: target });
          epochs.splice(0, epochs.length, ...kept);
        }
      } else if (op < 67) {
        log.close();
        log = t.reopen({ logStartOffset: logStart });
        while (epochs.length > 0 && epochs.at(-1)!.start >= leo()) epochs.pop();
        log.highWatermark = hw;
      } else if (op < 72) {
        // crash: no close; maybe tear the tail of the active segment; recover from a random point
        const seg = log.activeSegment;
        const lastInSeg = model.filter((b) => b.base >= seg.baseOffset).at(-1);
        t.files.closeAll();
        if (lastInSeg !== undefined && int(2) === 0) {
          const size = statSync(seg.logPath).size;
          const cut = 1 + int(lastInSeg.bytes.length - 1);
          const fd = openSync(seg.logPath, 'r+');
          ftruncateSync(fd, size - cut);
          closeSync(fd);
          model.pop();
          if (model.length === 0) epochsEnd = seg.baseOffset;
          if (hw > leo()) hw = leo();
          if (logStart > leo()) logStart = leo();
        } else if (int(2) === 0) {
          const fd = openSync(seg.logPath, 'r+');
          const junk = Buffer.alloc(1 + int(100), 0x5a);
          writeSync(fd, junk, 0, junk.length, statSync(seg.logPath).size);
          closeSync(fd);
        }
        log = t.reopen({ clean: false, recoveryPoint: BigInt(int(Number(seg.baseOffset) + 1)), logStartOffset: logStart });
        // Loading drops epochs that start at or after the log end (Kafka's truncateFromEnd(LEO)).
        while (epochs.length > 0 && epochs.at(-1)!.start >= leo()) epochs.pop();
        log.highWatermark = hw;
      } else if (op < 76) {
        hw = logStart + BigInt(int(Number(leo() - logStart) + 1));
        log.highWatermark = hw;
      }

      // ---- checks after every step ----
      assert.equal(log.logEndOffset, leo(), `${ctx()} step ${step} LEO`);
      assert.equal(log.logStartOffset, logStart, `${ctx()} step ${step} log start`);
      assert.equal(log.highWatermark, hw, `${ctx()} step ${step} HW`);
      const visible = model.filter((b) => b.last >= logStart);
      // Any offset inside a batch, not only its base (the index lookup then skips batches in memory).
      const picked = visible.length === 0 ? undefined : visible[int(visible.length)]!;
      const pick = picked === undefined ? logStart : picked.base + BigInt(int(Number(picked.last - picked.base) + 1));
      const readAt = pick > logStart ? pick : logStart;
      const maxBytes = 1 + int(4000);
      const minOneMessage = int(4) !== 0;
      const expectedAt = (at: bigint): { bytes: Buffer; next: bigint } => {
        const expected: Buffer[] = [];
        let total = 0;
        let next = at;
        for (const b of model) {
          if (b.last < at) continue;
          if (b.last >= hw) break;
          if ((expected.length > 0 || !minOneMessage) && total + b.bytes.length > maxBytes) break;
          expected.push(b.bytes);
          total += b.bytes.length;
          next = b.last + 1n;
        }
        return { bytes: Buffer.concat(expected), next };
      };
      const r = log.read(readAt, { maxBytes, minOneMessage });
      const e1 = expectedAt(readAt);
      assert.deepEqual(r.records, e1.bytes, `${ctx()} step ${step} read at ${readAt}`);
      // A consumer's next fetch starts where this one ended (the segment remembers that position).
      if (r.records.length > 0 && e1.next < hw) {
        assert.deepEqual(log.read(e1.next, { maxBytes, minOneMessage }).records, expectedAt(e1.next).bytes, `${ctx()} step ${step} next read at ${e1.next}`);
      }
      assert.throws(() => log.read(leo() + 1n, { maxBytes: 100 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE);
      if (logStart > 0n) assert.throws(() => log.read(logStart - 1n, { maxBytes: 100 }), (e: unknown) => e instanceof KafkaError && e.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE);
      // time lookup vs brute force
      if (step % 3 === 0) {
        const target = tsBase - int(8000);
        let want: bigint | undefined;
        for (const b of model) {
          for (let i = 0; i < b.timestamps.length && want === undefined; i++) {
            const off = b.base + BigInt(i);
            if (off >= logStart && b.timestamps[i]! >= target) want = off;
          }
          if (want !== undefined) break;
        }
        const got = log.offsetForTimestamp(BigInt(target));
        assert.equal(got?.offset, want, `${ctx()} step ${step} offsetForTimestamp(${target})`);
        const maxTs = log.offsetForTimestamp(-3n);
        let best: { ts: number; off: bigint } | undefined;
        for (const b of model) b.timestamps.forEach((ts, i) => {
          if (best === undefined || ts > best.ts) best = { ts, off: b.base + BigInt(i) };
        });
        if (best !== undefined && model[0]!.base >= log.segments[0]!.baseOffset) {
          assert.equal(maxTs?.timestamp, BigInt(best.ts), `${ctx()} step ${step} max timestamp`);
        }
      }
      // epoch lookups vs the model's epoch list
      const e = epochs.length === 0 ? 0 : epochs[int(epochs.length)]!.epoch;
      const higher = epochs.find((x) => x.epoch > e);
      const want = epochs.length === 0 ? -1n : epochs.at(-1)!.epoch === e ? leo() : (higher?.start ?? -1n);
      assert.equal(log.endOffsetForEpoch(e).endOffset, want, `${ctx()} step ${step} endOffsetForEpoch(${e})`);
      assert.ok(t.files.size <= 4, 'file handle LRU stays bounded');
    }
    // All records decode and carry the model's offsets.
    for (const b of model) {
      const recs = decodeRecordBatch(b.bytes).records;
      assert.equal(recs[0]!.offset, b.base);
    }
    log.close();
  } finally {
    d.cleanup();
  }
}

if (process.env.GREGOR_OPFUZZ_ONLY === undefined) test('log agrees with an in-memory model under random append/roll/truncate/delete/reopen/crash', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
      runScenario(seed, 150);
    }),
    { numRuns: Number(process.env.GREGOR_OPFUZZ_RUNS ?? 15), seed: Number(process.env.GREGOR_OPFUZZ_SEED ?? 20261122) },
  );
});
