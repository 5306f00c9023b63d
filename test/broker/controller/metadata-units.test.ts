import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyIncremental, validateBrokerConfigs, validateTopicConfigs } from '../../../src/broker/metadata/config-changes.js';
import { nextProducerIdBlock } from '../../../src/broker/metadata/producer-id-blocks.js';
import { validateTopicName } from '../../../src/broker/metadata/topic-validation.js';
import { ErrorCode } from '../../../src/protocol/errors.js';

const code = (c: number) => (e: unknown): boolean => (e as { errorCode?: number }).errorCode === c;

test('IncrementalAlterConfigs arithmetic: set, delete, append and subtract on list configs only', () => {
  const current = { 'cleanup.policy': 'delete', 'retention.ms': '100' };
  assert.deepEqual(applyIncremental(current, [{ op: 'append', name: 'cleanup.policy', value: 'compact' }, { op: 'delete', name: 'retention.ms' }]), { 'cleanup.policy': 'delete,compact' });
  assert.deepEqual(applyIncremental(current, [{ op: 'subtract', name: 'cleanup.policy', value: 'delete' }]), { 'retention.ms': '100' });
  assert.deepEqual(applyIncremental({}, [{ op: 'set', name: 'segment.bytes', value: '1048576' }]), { 'segment.bytes': '1048576' });
  assert.throws(() => applyIncremental(current, [{ op: 'append', name: 'retention.ms', value: '5' }]), code(ErrorCode.INVALID_CONFIG));
});

test('topic and broker config validation against the topic config table', () => {
  assert.deepEqual(validateTopicConfigs({ 'retention.ms': '-1' }), { 'retention.ms': '-1' });
  assert.throws(() => validateTopicConfigs({ 'segment.bytes': '10' }), code(ErrorCode.INVALID_CONFIG));
  assert.throws(() => validateTopicConfigs({ 'bogus.key': '1' }), code(ErrorCode.INVALID_CONFIG));
  assert.deepEqual(validateBrokerConfigs({ 'log.retention.ms': '1000' }), { 'log.retention.ms': '1000' });
  assert.throws(() => validateBrokerConfigs({ 'retention.ms': '1000' }), code(ErrorCode.INVALID_CONFIG), 'topic names are not broker configs');
  assert.throws(() => validateBrokerConfigs({ 'log.segment.bytes': 'x' }), code(ErrorCode.INVALID_CONFIG));
});

test('producer-id blocks follow each other without gaps or overlap', () => {
  const first = nextProducerIdBlock(null, 3);
  assert.deepEqual(first, { brokerId: 3, blockStart: 0n, blockEnd: 999n });
  assert.deepEqual(nextProducerIdBlock(first, 4), { brokerId: 4, blockStart: 1000n, blockEnd: 1999n });
  assert.throws(() => nextProducerIdBlock({ brokerId: 1, blockStart: 0n, blockEnd: 0x7fffffffffffffffn - 10n }, 1), code(ErrorCode.UNKNOWN_SERVER_ERROR));
});

test('topic names: Kafka\'s rules', () => {
  for (const ok of ['a', 'A.b_c-1', 'x'.repeat(249)]) validateTopicName(ok);
  for (const bad of ['', '.', '..', 'x'.repeat(250), 'a b', 'a/b', 'ü']) assert.throws(() => validateTopicName(bad), code(ErrorCode.INVALID_TOPIC_EXCEPTION), bad);
});
