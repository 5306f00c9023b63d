/** Znode JSON codecs: Kafka-written samples decode, our encodings round-trip, bad input is a DecodeError. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeBrokerRegistration, decodeClusterId, decodeConfigEntity, decodeController, decodeControllerEpoch, decodePartitionState, decodeProducerIdBlock,
  decodeTopicAssignment, encodeConfigEntity, encodePartitionState, encodeProducerIdBlock, encodeTopicAssignment,
} from '../../../src/broker/zk/codecs.js';
import { randomUuid, uuidFromBase64Url, uuidToBase64Url } from '../../../src/broker/zk/uuid.js';
import { DecodeError } from '../../../src/util/errors.js';

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

test('decodes what Kafka 3.x writes', () => {
  const reg = decodeBrokerRegistration(1, b('{"features":{},"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://kafka1:9092"],"jmx_port":-1,"port":9092,"host":"kafka1","version":5,"timestamp":"1700000000000","rack":"r1"}'));
  assert.deepEqual([reg.host, reg.port, reg.rack, reg.timestampMs], ['kafka1', 9092, 'r1', 1700000000000]);
  // only a SASL listener: Kafka writes host null / port -1 at the top; the endpoint is used
  const sasl = decodeBrokerRegistration(2, b('{"listener_security_protocol_map":{"CLIENT":"SASL_SSL"},"endpoints":["CLIENT://k2:9094"],"jmx_port":-1,"host":null,"timestamp":"1","port":-1,"version":4}'));
  assert.deepEqual([sasl.host, sasl.port], ['k2', 9094]);
  assert.equal(decodeController(b('{"version":1,"brokerid":3,"timestamp":"1"}')), 3);
  assert.equal(decodeControllerEpoch(b('17')), 17);
  const t = decodeTopicAssignment('t', b('{"version":3,"partitions":{"1":[2,1],"0":[1,2]},"topic_id":"AAAAAAAAAAAAAAAAAAAAAg","adding_replicas":{},"removing_replicas":{}}'));
  assert.deepEqual([...t.partitions].sort(), [[0, [1, 2]], [1, [2, 1]]]);
  assert.equal(uuidToBase64Url(t.topicId!), 'AAAAAAAAAAAAAAAAAAAAAg');
  assert.equal(decodeTopicAssignment('old', b('{"version":1,"partitions":{"0":[1]}}')).topicId, null);
  assert.deepEqual(decodePartitionState(b('{"controller_epoch":2,"leader":1,"version":1,"leader_epoch":4,"isr":[1,2]}')), { leader: 1, leaderEpoch: 4, isr: [1, 2], controllerEpoch: 2 });
  assert.deepEqual(decodeConfigEntity(b('{"version":1,"config":{"retention.ms":"5"}}')), { 'retention.ms': '5' });
  assert.equal(decodeClusterId(b('{"version":"1","id":"a1B2c3D4e5F6g7H8i9J0kL"}')), 'a1B2c3D4e5F6g7H8i9J0kL');
  assert.deepEqual(decodeProducerIdBlock(b('{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}')), { brokerId: 1, blockStart: 1000n, blockEnd: 1999n });
});

test('encodings round-trip and use Kafka\'s field names', () => {
  const id = randomUuid();
  const assignment = { topicId: id, partitions: new Map([[0, [1, 2]]]), addingReplicas: new Map(), removingReplicas: new Map() };
  assert.deepEqual(JSON.parse(encodeTopicAssignment(assignment).toString()), { version: 3, partitions: { 0: [1, 2] }, adding_replicas: {}, removing_replicas: {}, topic_id: uuidToBase64Url(id) });
  assert.deepEqual(decodeTopicAssignment('t', encodeTopicAssignment(assignment)).partitions, assignment.partitions);
  const state = { leader: 2, leaderEpoch: 9, isr: [2], controllerEpoch: 3 };
  assert.deepEqual(decodePartitionState(encodePartitionState(state)), state);
  assert.deepEqual(decodeConfigEntity(encodeConfigEntity({ a: 'b' })), { a: 'b' });
  assert.equal(encodeProducerIdBlock({ brokerId: 1, blockStart: 0n, blockEnd: 999n }).toString(), '{"version":1,"broker":1,"block_start":"0","block_end":"999"}');
  assert.ok(uuidFromBase64Url(uuidToBase64Url(id)).equals(id));
  for (let i = 0; i < 50; i++) assert.ok(!uuidToBase64Url(randomUuid()).startsWith('-'));
});

test('malformed znodes are DecodeErrors, never crashes', () => {
  const bad = ['', 'not json', '[]', '{"leader":"x"}', '{"leader":1,"leader_epoch":1,"isr":["a"],"controller_epoch":1}'];
  for (const s of bad) assert.throws(() => decodePartitionState(b(s)), DecodeError);
  assert.throws(() => decodeTopicAssignment('t', b('{"partitions":{"x":[1]}}')), DecodeError);
  assert.throws(() => decodeTopicAssignment('t', b('{"partitions":{"0":[1]},"topic_id":"short"}')), DecodeError);
  assert.throws(() => decodeControllerEpoch(b('1.5')), DecodeError);
  assert.throws(() => decodeProducerIdBlock(b('{"version":1,"broker":1,"block_start":"10","block_end":"5"}')), DecodeError);
  assert.throws(() => decodeBrokerRegistration(1, b('{"version":5,"port":70000,"host":"h"}')), DecodeError);
  assert.deepEqual(decodeConfigEntity(null), {});
});
