/** Consumer protocol subscription / assignment: Kafka's layout, KafkaJS interop, newer versions tolerated. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { DecodeError } from '../../src/util/errors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/protocol/consumer-protocol.js';
import { createConsumerProtocolSubscription } from '../../src/protocol/generated/consumer-protocol-subscription.js';

const require = createRequire(import.meta.url);
const { AssignerProtocol } = require('kafkajs') as {
  AssignerProtocol: {
    MemberMetadata: { encode(a: object): Buffer; decode(b: Buffer): { version: number; topics: string[]; userData: Buffer } };
    MemberAssignment: { encode(a: object): Buffer; decode(b: Buffer): { version: number; assignment: Record<string, number[]> } };
  };
};

test('a KafkaJS subscription (v0) decodes, and ours decodes in KafkaJS', () => {
  const theirs = AssignerProtocol.MemberMetadata.encode({ version: 0, topics: ['a', 'b'], userData: Buffer.from('u') });
  const d = decodeSubscription(theirs);
  assert.equal(d.version, 0);
  assert.deepEqual(d.value.topics, ['a', 'b']);
  assert.deepEqual(d.value.userData, Buffer.from('u'));
  const ours = encodeSubscription(createConsumerProtocolSubscription({ topics: ['x'], userData: Buffer.alloc(0) }), 0);
  assert.deepEqual(AssignerProtocol.MemberMetadata.decode(ours).topics, ['x']);
});

test('assignments round-trip with KafkaJS', () => {
  const theirs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { t: [0, 2] }, userData: Buffer.alloc(0) });
  const d = decodeAssignment(theirs);
  assert.deepEqual(d.value.assignedPartitions, [{ topic: 't', partitions: [0, 2] }]);
  const ours = encodeAssignment({ assignedPartitions: [{ topic: 'q', partitions: [1] }], userData: null }, 0);
  assert.deepEqual(AssignerProtocol.MemberAssignment.decode(ours).assignment, { q: [1] });
});

test('a newer subscription version is read with the newest layout we know, extra bytes ignored', () => {
  const v3 = encodeSubscription(createConsumerProtocolSubscription({ topics: ['t'], generationId: 4, rackId: 'r1' }));
  const future = Buffer.concat([v3, Buffer.from([1, 2, 3])]);
  future.writeInt16BE(9, 0);
  const d = decodeSubscription(future);
  assert.equal(d.version, 9);
  assert.equal(d.value.rackId, 'r1');
  assert.throws(() => decodeSubscription(Buffer.concat([v3, Buffer.from([0])])), DecodeError);
  assert.throws(() => decodeSubscription(Buffer.from([0xff, 0xff])), DecodeError);
});
