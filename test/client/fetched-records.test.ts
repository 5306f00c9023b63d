import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextFetchOffsetOf, parseFetchedRecords } from '../../src/client/consumer/records.js';
import { encodeRecordBatch } from '../../src/protocol/records/batch.js';
import { encodeEndTxnMarkerBatch } from '../../src/protocol/records/control.js';

const rec = (v: string) => ({ key: null, value: Buffer.from(v), timestamp: 1000n });

/** A log: txn p1 (0-1), plain (2), txn p2 (3-4), ABORT p1 (5), COMMIT p2 (6). */
function log(): Buffer {
  return Buffer.concat([
    encodeRecordBatch({ baseOffset: 0n, producerId: 1n, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [rec('a0'), rec('a1')] }),
    encodeRecordBatch({ baseOffset: 2n, records: [rec('plain')] }),
    encodeRecordBatch({ baseOffset: 3n, producerId: 2n, producerEpoch: 0, baseSequence: 0, isTransactional: true, records: [rec('c0'), rec('c1')] }),
    encodeEndTxnMarkerBatch({ baseOffset: 5n, producerId: 1n, producerEpoch: 0, commit: false, coordinatorEpoch: 0, timestamp: 1000n }),
    encodeEndTxnMarkerBatch({ baseOffset: 6n, producerId: 2n, producerEpoch: 0, commit: true, coordinatorEpoch: 0, timestamp: 1000n }),
  ]);
}

test('read_committed drops aborted transactions and control records; read_uncommitted only control records', () => {
  const aborted = [{ producerId: 1n, firstOffset: 0n }];
  const committed = parseFetchedRecords('t', 0, log(), 0n, true, aborted);
  assert.deepEqual(committed.records.map((r) => r.value!.toString()), ['plain', 'c0', 'c1']);
  assert.equal(committed.nextFetchOffset, 7n);
  const all = parseFetchedRecords('t', 0, log(), 0n, false, null);
  assert.deepEqual(all.records.map((r) => r.value!.toString()), ['a0', 'a1', 'plain', 'c0', 'c1']);
  assert.deepEqual(all.records.map((r) => r.offset), [0n, 1n, 2n, 3n, 4n]);
});

test('records before the fetch offset are skipped; a partial trailing batch is left for the next fetch', () => {
  const bytes = log();
  const fromFour = parseFetchedRecords('t', 0, bytes, 4n, false, null);
  assert.deepEqual(fromFour.records.map((r) => r.offset), [4n]);
  const cut = bytes.subarray(0, bytes.length - 10);
  assert.equal(nextFetchOffsetOf(cut, 0n), 6n);
  assert.equal(parseFetchedRecords('t', 0, cut, 0n, false, null).nextFetchOffset, 6n);
  assert.equal(nextFetchOffsetOf(null, 9n), 9n);
});
