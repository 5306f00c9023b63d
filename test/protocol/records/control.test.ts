import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError } from '../../../src/protocol/errors.js';
import {
  ControlRecordType,
  controlRecordTypeOf,
  decodeControlRecordKey,
  decodeEndTxnMarkerBatch,
  decodeEndTxnMarkerValue,
  decodeRecordBatch,
  encodeEndTxnMarkerBatch,
  encodeRecordBatch,
  isControlBatch,
  isTransactional,
  setBaseOffset,
} from '../../../src/protocol/records/index.js';

test('COMMIT and ABORT marker batches have Kafka\'s exact bytes and decode back', () => {
  for (const commit of [true, false]) {
    const batch = encodeEndTxnMarkerBatch({ producerId: 4000n, producerEpoch: 3, commit, coordinatorEpoch: 17, timestamp: 1700000000000n, partitionLeaderEpoch: 5 });
    setBaseOffset(batch, 42n);
    const { header, records } = decodeRecordBatch(batch);
    assert.ok(isControlBatch(header.attributes) && isTransactional(header.attributes));
    assert.equal(header.baseSequence, -1);
    assert.equal(header.recordCount, 1);
    assert.deepEqual(records[0]!.key, Buffer.from([0, 0, 0, commit ? 1 : 0]));
    assert.deepEqual(records[0]!.value, Buffer.from([0, 0, 0, 0, 0, 17]));
    const m = decodeEndTxnMarkerBatch(batch);
    assert.equal(m.commit, commit);
    assert.equal(m.producerId, 4000n);
    assert.equal(m.producerEpoch, 3);
    assert.equal(m.coordinatorEpoch, 17);
    assert.equal(m.offset, 42n);
    assert.equal(m.timestamp, 1700000000000n);
    assert.equal(m.header.partitionLeaderEpoch, 5);
    assert.equal(controlRecordTypeOf(batch), commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT);
  }
});

test('malformed control records are INVALID_RECORD', () => {
  const code = (fn: () => unknown): number => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof KafkaError);
      return e.errorCode;
    }
    return -1;
  };
  assert.equal(code(() => decodeControlRecordKey(Buffer.from([0, 0, 1]))), 87);
  assert.equal(code(() => decodeControlRecordKey(null)), 87);
  assert.equal(code(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 1]))), 87);
  assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 1, 9])), { version: 1, type: 1 });
  assert.equal(code(() => decodeEndTxnMarkerValue(Buffer.alloc(5))), 87);
  const data = encodeRecordBatch({ records: [{ key: null, value: Buffer.from('x'), timestamp: 1n }] });
  assert.equal(code(() => decodeEndTxnMarkerBatch(data)), 87);
  assert.equal(controlRecordTypeOf(data), null);
  const leaderChange = encodeRecordBatch({ isControl: true, records: [{ key: Buffer.from([0, 0, 0, 2]), value: Buffer.alloc(8), timestamp: 1n }] });
  assert.equal(controlRecordTypeOf(leaderChange), ControlRecordType.LEADER_CHANGE);
  assert.equal(code(() => decodeEndTxnMarkerBatch(leaderChange)), 87);
});
