/** Coordinator record keys/values: int16 version prefix, Kafka's byte layout, key kinds by version. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DecodeError } from '../../src/util/errors.js';
import {
  decodeGroupCoordinatorKey, decodeOffsetCommitRecordValue, decodeTransactionLogRecordKey, decodeTransactionLogRecordValue,
  encodeGroupMetadataRecordKey, encodeOffsetCommitRecordKey, encodeOffsetCommitRecordValue, encodeTransactionLogRecordKey,
  encodeTransactionLogRecordValue,
} from '../../src/protocol/internal-records.js';
import { createOffsetCommitValue } from '../../src/protocol/generated/offset-commit-value.js';
import { createTransactionLogValue } from '../../src/protocol/generated/transaction-log-value.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('offset commit key v1 has Kafka layout and decodes as an offset commit', () => {
  const key = encodeOffsetCommitRecordKey({ group: 'g', topic: 't', partition: 3 });
  assert.equal(key.toString('hex'), hex('0001 0001 67 0001 74 00000003').toString('hex'));
  const decoded = decodeGroupCoordinatorKey(key);
  assert.equal(decoded.kind, 'offsetCommit');
  assert.deepEqual(decoded.key, { group: 'g', topic: 't', partition: 3 });
});

test('group metadata key is version 2', () => {
  const key = encodeGroupMetadataRecordKey({ group: 'grp' });
  assert.equal(key.toString('hex'), hex('0002 0003 677270').toString('hex'));
  assert.equal(decodeGroupCoordinatorKey(key).kind, 'groupMetadata');
  assert.throws(() => decodeGroupCoordinatorKey(hex('0009 0000')), DecodeError);
  assert.throws(() => decodeGroupCoordinatorKey(hex('00')), DecodeError);
});

test('offset commit value v3 round-trips; v1 keeps the expire timestamp', () => {
  const value = createOffsetCommitValue({ offset: 42n, leaderEpoch: 5, metadata: 'm', commitTimestamp: 1700000000000n });
  const v3 = encodeOffsetCommitRecordValue(value);
  assert.equal(v3.readInt16BE(0), 3);
  assert.deepEqual(decodeOffsetCommitRecordValue(v3), { version: 3, value });
  const v1 = encodeOffsetCommitRecordValue({ ...value, leaderEpoch: -1, expireTimestamp: 1700000001000n }, 1);
  assert.equal(decodeOffsetCommitRecordValue(v1).value.expireTimestamp, 1700000001000n);
  assert.throws(() => decodeOffsetCommitRecordValue(Buffer.concat([v3, hex('00')])), DecodeError);
});

test('transaction log key and value round-trip', () => {
  const key = encodeTransactionLogRecordKey({ transactionalId: 'tx-1' });
  assert.deepEqual(decodeTransactionLogRecordKey(key), { version: 0, value: { transactionalId: 'tx-1' } });
  const value = createTransactionLogValue({
    producerId: 7n,
    producerEpoch: 1,
    transactionTimeoutMs: 60000,
    transactionStatus: 1,
    transactionPartitions: [{ topic: 't', partitionIds: [0, 1] }],
    transactionLastUpdateTimestampMs: 10n,
    transactionStartTimestampMs: 9n,
  });
  assert.deepEqual(decodeTransactionLogRecordValue(encodeTransactionLogRecordValue(value)), { version: 0, value });
});
