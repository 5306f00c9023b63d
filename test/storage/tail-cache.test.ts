/**
 * TailCache: reads equal the appended batches (whole batches, bounds, minOneMessage), and a
 * slice handed out by read() is never overwritten, even while dropped chunks are recycled.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailCache } from '../../src/storage/tail-cache.js';

function batchBytes(offset: bigint, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Number((offset * 31n + BigInt(i)) % 251n);
  return b;
}

for (const [label, minSize, sizeRange] of [['small batches', 100, 3000], ['batches larger than a chunk', 17_000, 30_000]] as const) {
test(`tail cache reads match the appended batches; handed-out slices survive chunk reuse (${label})`, () => {
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const cache = new TailCache(64 * 1024);
  const all: { base: bigint; last: bigint; bytes: Buffer }[] = [];
  const held: { records: Buffer; copy: Buffer }[] = [];
  let next = 0n;
  for (let step = 0; step < 3000; step++) {
    const count = 1 + rand(5);
    const size = minSize + rand(sizeRange);
    const bytes = batchBytes(next, size);
    cache.append(bytes, [{ baseOffset: next, lastOffset: next + BigInt(count - 1), size }]);
    all.push({ base: next, last: next + BigInt(count - 1), bytes });
    next += BigInt(count);
    if (step % 3 === 0) {
      const first = cache.firstOffset!;
      const at = first + BigInt(rand(Number(next - first)));
      const maxBytes = 1 + rand(3 * (minSize + sizeRange));
      const minOne = rand(2) === 0;
      const r = cache.read(at, maxBytes, next, minOne)!;
      const expected: Buffer[] = [];
      let total = 0;
      for (const b of all) {
        if (b.last < at) continue;
        if ((expected.length > 0 || !minOne) && total + b.bytes.length > maxBytes) break;
        expected.push(b.bytes);
        total += b.bytes.length;
      }
      assert.deepEqual(r.records, Buffer.concat(expected), `step ${step} read at ${at}`);
      if (step % 30 === 0 && r.records.length > 0) held.push({ records: r.records, copy: Buffer.from(r.records) });
    }
  }
  assert.ok(cache.sizeInBytes <= 64 * 1024 + minSize + sizeRange, 'bounded by the budget (plus one chunk)');
  assert.ok(held.length > 10);
  for (const h of held) assert.deepEqual(h.records, h.copy, 'a slice handed out earlier is unchanged');
  assert.equal(cache.read(0n, 100, next, true), undefined, 'evicted offsets are not served');
});
}
