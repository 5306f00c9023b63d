import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatRecord, formatterOptions } from '../../src/cli/commands/consume.js';
import { parseDurationMs } from '../../src/cli/commands/groups.js';
import { lineReaderOptions, parseLine } from '../../src/cli/commands/produce.js';
import { parseKafkaArgs } from '../../src/cli/kafka/args.js';
import { applyConsumerProps, applyProducerProps } from '../../src/cli/kafka/client-props.js';
import type { ConsumerConfig } from '../../src/client/consumer/config.js';
import type { ProducerConfig } from '../../src/client/producer/config.js';
import { kafkaMessage } from '../../src/cli/kafka/run.js';
import { formatTable } from '../../src/cli/kafka/table.js';
import { KafkaError } from '../../src/protocol/errors.js';
import type { ConsumerRecord } from '../../src/client/consumer/records.js';

const record: ConsumerRecord = {
  topic: 't', partition: 2, offset: 41n, timestamp: 1700000000000n, timestampType: 'CreateTime', leaderEpoch: 0,
  key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h1', value: Buffer.from('a') }, { key: 'h2', value: null }],
};


test('DefaultMessageFormatter layout: timestamp, partition, offset, headers, key, value', () => {
  const all = formatterOptions(new Map([['print.timestamp', 'true'], ['print.partition', 'true'], ['print.offset', 'true'], ['print.headers', 'true'], ['print.key', 'true']]));
  assert.equal(formatRecord(record, all), 'CreateTime:1700000000000\tPartition:2\tOffset:41\th1:a,h2:null\tk\tv\n');
  assert.equal(formatRecord(record, formatterOptions(new Map())), 'v\n');
  const custom = formatterOptions(new Map([['print.key', 'true'], ['key.separator', ' => '], ['null.literal', 'NULL'], ['print.value', 'true']]));
  assert.equal(formatRecord({ ...record, key: null }, custom), 'NULL => v\n');
  assert.equal(formatRecord({ ...record, headers: [] }, formatterOptions(new Map([['print.headers', 'true']]))), 'NO_HEADERS\tv\n');
});

test('LineMessageReader: headers, key and value with the configured separators', () => {
  const o = lineReaderOptions(new Map([['parse.key', 'true'], ['parse.headers', 'true'], ['key.separator', ':'], ['null.marker', '<null>']]));
  const r = parseLine('h1:x,h2:<null>\tkey:value:with:colons', 't', o);
  assert.equal(r.key, 'key');
  assert.equal(r.value, 'value:with:colons');
  assert.deepEqual(r.headers, [['h1', 'x'], ['h2', null]]);
  assert.equal(parseLine('<null>:v', 't', lineReaderOptions(new Map([['parse.key', 'true'], ['key.separator', ':'], ['null.marker', '<null>']]))).key, null);
  assert.throws(() => parseLine('no-separator', 't', lineReaderOptions(new Map([['parse.key', 'true']]))), /No key separator found on line number 1: 'no-separator'/);
  const plain = parseLine('just a value', 't', lineReaderOptions(new Map()));
  assert.equal(plain.key, null);
  assert.equal(plain.value, 'just a value');
});

test('LineMessageReader errors name the line number; ignore.error keeps the line as Kafka does (null key, whole line as value)', () => {
  const strict = lineReaderOptions(new Map([['parse.key', 'true'], ['parse.headers', 'true']]));
  assert.throws(() => parseLine('no-delimiter', 't', strict, 4), /^Error: No headers delimiter found on line number 4: 'no-delimiter'$/);
  assert.throws(() => parseLine('h:1\tno-separator', 't', strict, 5), /^Error: No key separator found on line number 5: 'h:1\tno-separator'$/);
  assert.throws(() => parseLine('h1\tk\tv', 't', strict, 6), /^Error: No header key separator found in pair 'h1' on line number 6$/);
  // Kafka's ignore.error is "best attempt", not "skip the line": nothing typed is dropped.
  const lenient = lineReaderOptions(new Map([['parse.key', 'true'], ['key.separator', ':'], ['ignore.error', 'true']]));
  const r = parseLine('no separator here', 't', lenient, 1);
  assert.equal(r.key, null);
  assert.equal(r.value, 'no separator here');
  const withHeaders = lineReaderOptions(new Map([['parse.key', 'true'], ['parse.headers', 'true'], ['ignore.error', 'TRUE ']]));
  const h = parseLine('h1,h2:x\tk\tv', 't', withHeaders, 1);
  assert.deepEqual(h.headers, [['h1', null], ['h2', 'x']]);
  assert.equal(h.key, 'k');
  assert.equal(h.value, 'v');
  const noDelimiter = parseLine('only-value', 't', withHeaders, 2);
  assert.deepEqual([noDelimiter.headers, noDelimiter.key, noDelimiter.value], [[], null, 'only-value']);
  // parse.key is read as Kafka reads it: trimmed, case-insensitive.
  assert.equal(parseLine('k\tv', 't', lineReaderOptions(new Map([['parse.key', ' True']]))).key, 'k');
});

test('joptsimple-style options: --a b, --a=b, repeatable and greedy lists, unknown options refused', () => {
  const spec = { x: { type: 'string' }, c: { type: 'string', multiple: true }, p: { type: 'string', greedy: true }, f: { type: 'boolean' } } as const;
  const o = parseKafkaArgs(['--x=1', '--c', 'a=1', '--c', 'b=2', '--p', 'k=v', 'k2=v2', '--f'], spec);
  assert.deepEqual(o.get('x'), ['1']);
  assert.deepEqual(o.get('c'), ['a=1', 'b=2']);
  assert.deepEqual(o.get('p'), ['k=v', 'k2=v2']);
  assert.ok(o.has('f'));
  assert.throws(() => parseKafkaArgs(['--nope'], spec), /'nope' is not a recognized option/);
  assert.throws(() => parseKafkaArgs(['--x'], spec), /requires an argument/);
});

test('tables pad every column but the last; durations parse as ISO-8601', () => {
  assert.deepEqual(formatTable(['A', 'BB', 'C'], [['long-value', 'x', 'last']], [3]), ['A          BB C', 'long-value x  last']);
  assert.equal(parseDurationMs('PT1H30M'), 5_400_000);
  assert.equal(parseDurationMs('P1DT0.5S'), 86_400_500);
  assert.throws(() => parseDurationMs('1h'));
});

test('error lines: a broker\'s own sentence as is; a bare name gets the error\'s meaning', () => {
  assert.equal(kafkaMessage(new KafkaError(36, "Topic 't01' already exists.")), "Topic 't01' already exists.");
  assert.equal(kafkaMessage(new KafkaError(37, 'Topic currently has 3 partitions, which is higher than the requested 2.')), 'Topic currently has 3 partitions, which is higher than the requested 2.');
  // Only a partition name (our own detail) used to be printed: "ERROR po-3".
  assert.equal(kafkaMessage(new KafkaError(3, 'po-3')), 'This server does not host this topic-partition. (po-3)');
  assert.equal(kafkaMessage(new KafkaError(3)), 'This server does not host this topic-partition.');
});

test('client properties map onto the client config with Kafka\'s names; unknown keys are refused', () => {
  const p: Partial<ProducerConfig> = {};
  applyProducerProps(p, new Map([['acks', 'all'], ['retry.backoff.max.ms', '2000'], ['socket.connection.setup.timeout.ms', '3000'], ['linger.ms', '7']]));
  assert.deepEqual(p, { acks: 'all', retryBackoffMaxMs: 2000, connectTimeoutMs: 3000, lingerMs: 7 });
  const c: Partial<ConsumerConfig> = {};
  applyConsumerProps(c, new Map([['partition.assignment.strategy', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'], ['retry.backoff.max.ms', '500']]));
  assert.deepEqual(c, { partitionAssignmentStrategy: ['cooperative-sticky'], retryBackoffMaxMs: 500 });
  assert.throws(() => applyProducerProps({}, new Map([['no.such.key', '1']])), /unknown producer property 'no.such.key'/);
  assert.throws(() => applyConsumerProps({}, new Map([['fetch.min.bytes', 'lots']])), /invalid value 'lots' for fetch.min.bytes/);
});
