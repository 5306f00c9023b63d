/** Generator helpers: comment stripping, version ranges, names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSpecJson, stripLineComments } from '../../src/protocol/codegen/json.js';
import { camelCase, contains, parseRange } from '../../src/protocol/codegen/spec.js';
import { kebabCase } from '../../src/protocol/codegen/generate.js';
import { cond, not } from '../../src/protocol/codegen/types.js';

test('line comments are stripped, but not // inside strings (escaped quotes included)', () => {
  const text = '// header\n{ "a": "http://x/y", // note\n "b": "say \\"//hi\\"" }\n';
  assert.deepEqual(parseSpecJson(text, 't'), { a: 'http://x/y', b: 'say "//hi"' });
  assert.equal(stripLineComments('"//" // c'), '"//" ');
  assert.throws(() => parseSpecJson('{ "a": }', 'bad.json'), /bad\.json/);
});

test('version ranges: N+, N-M, N, none', () => {
  assert.deepEqual(parseRange('3+', 'x'), { min: 3, max: Infinity });
  assert.deepEqual(parseRange('0-12', 'x'), { min: 0, max: 12 });
  assert.deepEqual(parseRange('2', 'x'), { min: 2, max: 2 });
  assert.equal(contains(parseRange('none', 'x'), 0), false);
  assert.throws(() => parseRange('1-', 'x'));
});

test('conditions are simplified against the valid versions', () => {
  const valid = { min: 0, max: 11 };
  assert.equal(cond({ min: 0, max: Infinity }, valid), 'true');
  assert.equal(cond({ min: 3, max: Infinity }, valid), 'version >= 3');
  assert.equal(cond({ min: 0, max: 2 }, valid), 'version <= 2');
  assert.equal(cond({ min: 4, max: 4 }, valid), 'version === 4');
  assert.equal(cond({ min: 12, max: Infinity }, valid), 'false');
  assert.equal(not('version >= 3'), 'version < 3');
  assert.equal(not('version >= 3 && version <= 5'), '!(version >= 3 && version <= 5)');
});

test('names', () => {
  assert.equal(camelCase('TopicData'), 'topicData');
  assert.equal(camelCase('ProducerId'), 'producerId');
  assert.equal(kebabCase('DescribeTopicPartitions'), 'describe-topic-partitions');
  assert.equal(kebabCase('ApiVersions'), 'api-versions');
});
