import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError, errorInfo } from '../../src/protocol/errors.js';
import { GregorError } from '../../src/util/errors.js';

test('ErrorCode maps Kafka names to wire codes', () => {
  assert.equal(ErrorCode.NONE, 0);
  assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
  assert.equal(ErrorCode.CORRUPT_MESSAGE, 2);
  assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
  assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
});

test('errorInfo returns the table entry, and a placeholder for unknown codes', () => {
  const info = errorInfo(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  assert.equal(info.name, 'NOT_LEADER_OR_FOLLOWER');
  assert.equal(info.retriable, true);
  assert.equal(errorInfo(ErrorCode.NONE).message, '');
  const unknown = errorInfo(31999);
  assert.equal(unknown.name, 'UNKNOWN_ERROR_31999');
  assert.equal(unknown.retriable, false);
});

test('KafkaError carries the code, a stable string code and the cause', () => {
  const cause = new Error('root');
  const e = new KafkaError(ErrorCode.CORRUPT_MESSAGE, 'crc mismatch', { cause });
  assert.ok(e instanceof GregorError);
  assert.equal(e.code, 'KAFKA_CORRUPT_MESSAGE');
  assert.equal(e.errorCode, 2);
  assert.equal(e.errorName, 'CORRUPT_MESSAGE');
  assert.equal(e.retriable, true);
  assert.equal(e.cause, cause);
  assert.match(e.message, /crc mismatch/);
  assert.equal(new KafkaError(ErrorCode.INVALID_REQUEST).retriable, false);
});
