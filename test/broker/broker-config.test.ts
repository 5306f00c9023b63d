import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConfig, ConfigSource, InvalidConfigError, brokerConfigFromProperties, parseListeners, parseProperties } from '../../src/broker/config/broker-config.js';

test('server.properties parsing: comments, separators, continuation, escapes', () => {
  const p = parseProperties('# comment\n! also\nbroker.id=3\nlog.dirs : /a,\\\n  /b\nlisteners PLAINTEXT://:9093\nx=a\\tb\n  \nempty=\n');
  assert.equal(p.get('broker.id'), '3');
  assert.equal(p.get('log.dirs'), '/a,/b');
  assert.equal(p.get('listeners'), 'PLAINTEXT://:9093');
  assert.equal(p.get('x'), 'a\tb');
  assert.equal(p.get('empty'), '');
  assert.equal(p.size, 5);
});

test('typed values, defaults and sources', () => {
  const c = brokerConfigFromProperties('broker.id=2\nlog.dirs=/tmp/x\nnum.partitions=4\nlog.retention.minutes=10\n');
  assert.equal(c.brokerId(), 2);
  assert.deepEqual(c.logDirs(), ['/tmp/x']);
  assert.equal(c.int('num.partitions'), 4);
  assert.equal(c.int('message.max.bytes'), 1048588);
  assert.equal(c.bool('auto.create.topics.enable'), true);
  assert.equal(c.logRetentionMs(), 600_000);
  assert.equal(c.lookup('num.partitions').source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(c.lookup('num.io.threads').source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(c.topicDefault('retention.ms'), { value: '600000', brokerKey: 'log.retention.minutes', source: ConfigSource.STATIC_BROKER_CONFIG });
  assert.equal(c.topicDefault('max.message.bytes')?.value, '1048588');
  assert.deepEqual(c.advertisedListeners(), [{ name: 'PLAINTEXT', host: '', port: 9092 }]);
  assert.deepEqual(new BrokerConfig({ 'log.dir': '/d' }).logDirs(), ['/d']);
});

test('validation rejects bad values with the key in the error', () => {
  assert.throws(() => new BrokerConfig({ 'num.partitions': 'many' }), (e: unknown) => e instanceof InvalidConfigError && e.key === 'num.partitions');
  assert.throws(() => new BrokerConfig({ 'num.partitions': 0 }), InvalidConfigError);
  assert.throws(() => new BrokerConfig({ 'auto.create.topics.enable': 'yes' }), InvalidConfigError);
  assert.throws(() => new BrokerConfig({ 'broker.id': '99999999999' }), InvalidConfigError);
  assert.throws(() => new BrokerConfig({ 'compression.type': 'brotli' }), InvalidConfigError);
  assert.throws(() => new BrokerConfig({ listeners: 'localhost:9092' }), InvalidConfigError);
  assert.throws(() => parseListeners('PLAINTEXT://h:70000'), InvalidConfigError);
  const c = new BrokerConfig({ 'unheard.of': 'x' });
  assert.deepEqual(c.unknownKeys, ['unheard.of']);
});

test('dynamic broker configs: read-only keys refused, others override static values', () => {
  const c = new BrokerConfig({ 'min.insync.replicas': 1 });
  c.setDynamic('min.insync.replicas', '2');
  assert.equal(c.int('min.insync.replicas'), 2);
  assert.equal(c.lookup('min.insync.replicas').source, ConfigSource.DYNAMIC_BROKER_CONFIG);
  assert.throws(() => c.setDynamic('broker.id', '5'), InvalidConfigError);
  c.setDynamic('min.insync.replicas', null);
  assert.equal(c.int('min.insync.replicas'), 1);
});
