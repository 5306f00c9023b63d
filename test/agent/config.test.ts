/** Flume's properties format and agent configuration: parsing, defaults, and errors that name the key. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agentConfiguration } from '../../src/agent/config/agent-config.js';
import { parseProperties, propertiesMap } from '../../src/agent/config/properties.js';
import { AgentConfigErrors } from '../../src/agent/errors.js';
import { MemoryChannel } from '../../src/agent/channels/memory-channel.js';
import { FileChannel } from '../../src/agent/channels/file/file-channel.js';
import { KafkaSink } from '../../src/agent/sinks/kafka-sink.js';
import { agentFrom } from './helpers.js';

test('java.util.Properties syntax: separators, comments, continuations, escapes', () => {
  const text = [
    '# comment', '! also a comment', '',
    'a = 1', 'b:2', 'c 3', '   d   =   four  ',
    'e = first \\', '     second', 'f = tab\\there', 'g\\ key = spaced', 'h = \\u0041BC', 'i =',
  ].join('\n');
  const m = propertiesMap(text);
  assert.equal(m.get('a'), '1');
  assert.equal(m.get('b'), '2');
  assert.equal(m.get('c'), '3');
  assert.equal(m.get('d'), 'four  ');
  assert.equal(m.get('e'), 'first second');
  assert.equal(m.get('f'), 'tab\there');
  assert.equal(m.get('g key'), 'spaced');
  assert.equal(m.get('h'), 'ABC');
  assert.equal(m.get('i'), '');
  assert.equal(parseProperties(text).find((p) => p.key === 'e')!.line, 8);
});

test('agent configuration: components per agent name, other agents ignored, stray keys warned', () => {
  const cfg = agentConfiguration(propertiesMap([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0', 'a1.sources.r1.channels = c1',
    'a1.channels.c1.type = memory', 'a1.sinks.k1.type = null', 'a1.sinks.k1.channel = c1',
    'a1.sinks.k2.type = logger', 'a1.bogus = x', 'a2.sources = other',
  ].join('\n')), 'a1');
  assert.deepEqual(cfg.errors, []);
  assert.deepEqual(cfg.sources.map((s) => s.name), ['r1']);
  assert.ok(cfg.warnings.some((w) => w.includes('a1.bogus')));
  assert.ok(cfg.warnings.some((w) => w.includes('a1.sinks.k2.type')));
});

/** What `fn` throws, or null when it returns. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

test('configuration errors name their keys, all at once', () => {
  const err = thrownBy(() => agentFrom([
    'a1.sources = r1 r2', 'a1.channels = c1', 'a1.sinks = k1 k2',
    'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1 c9',
    'a1.sources.r2.channels = c1',
    'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = lots',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1',
    'a1.sinks.k2.type = nope', 'a1.sinks.k2.channel = c1',
  ]));
  assert.ok(err instanceof AgentConfigErrors, String(err));
  const keys = err.errors.map((e) => e.key);
  assert.ok(keys.includes('a1.sources.r1.channels'), keys.join());
  assert.ok(keys.includes('a1.sources.r2.type'), keys.join());
  // The wiring errors stop before components are configured; fix them and the rest show.
  const err2 = thrownBy(() => agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1 k2',
    'a1.sources.r1.type = TAILDIR', 'a1.sources.r1.channels = c1',
    'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = lots',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1',
    'a1.sinks.k2.type = nope', 'a1.sinks.k2.channel = c1',
  ]));
  assert.ok(err2 instanceof AgentConfigErrors, String(err2));
  const keys2 = err2.errors.map((e) => e.key).sort();
  assert.deepEqual(keys2, ['a1.channels.c1.capacity', 'a1.sinks.k2.type', 'a1.sources.r1.filegroups']);
  assert.match(err2.message, /a1\.channels\.c1\.capacity: 'lots' is not an integer/);
});

test("Flume's defaults: memory and file channel capacities, Kafka sink batch and topic", () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.channels = c1 c2', 'a1.sinks = k1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0', 'a1.sources.r1.channels = c1 c2',
    'a1.channels.c1.type = memory', 'a1.channels.c2.type = file',
    'a1.channels.c2.checkpointDir = /tmp/x/cp', 'a1.channels.c2.dataDirs = /tmp/x/d1,/tmp/x/d2',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1', 'a1.sinks.k1.kafka.bootstrap.servers = 127.0.0.1:9092',
    'a1.sinks.k1.kafka.producer.acks = 1', 'a1.sinks.k1.kafka.producer.compression.type = zstd',
  ]);
  const c1 = agent.channels.get('c1') as MemoryChannel;
  const c2 = agent.channels.get('c2') as FileChannel;
  assert.equal(c1.capacity, 100);
  assert.equal(c1.transactionCapacity, 100);
  assert.equal(c2.capacity, 1000000);
  assert.equal(c2.transactionCapacity, 10000);
  const k1 = agent.sinkRunners[0]!.processor.sinks[0] as KafkaSink;
  assert.equal(k1.config.batchSize, 100);
  assert.equal(k1.config.topic, 'default-flume-topic');
  assert.equal(k1.config.producer.acks, 1);
  assert.equal(k1.config.producer.compression, 'zstd');
  assert.equal(k1.config.topicHeader, 'topic');
});

test('a type named like an Object.prototype member is an unknown type, not a crash', () => {
  assert.throws(() => agentFrom([
    'a1.sources = r1', 'a1.channels = c1',
    'a1.sources.r1.type = constructor', 'a1.sources.r1.channels = c1', 'a1.channels.c1.type = toString',
    'a1.sources.r1.interceptors = i1', 'a1.sources.r1.interceptors.i1.type = __proto__',
  ]), (e: unknown) => e instanceof AgentConfigErrors
    && ['a1.channels.c1.type', 'a1.sources.r1.interceptors.i1.type'].every((k) => e.errors.some((x) => x.key === k && /unknown/.test(x.message))));
});

test('unknown kafka.producer.* property and a sink batch above transactionCapacity are errors', () => {
  assert.throws(() => agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0', 'a1.sources.r1.channels = c1',
    'a1.channels.c1.type = memory',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1', 'a1.sinks.k1.kafka.bootstrap.servers = 127.0.0.1:9092',
    'a1.sinks.k1.kafka.producer.linger.mss = 5', 'a1.sinks.k1.flumeBatchSize = 1000',
  ]), (e: unknown) => e instanceof AgentConfigErrors
    && e.errors.some((x) => x.key === 'a1.sinks.k1.kafka.producer.linger.mss')
    || (e instanceof AgentConfigErrors && e.errors.some((x) => x.key === 'a1.sinks.k1.flumeBatchSize')));
  assert.throws(() => agentFrom([
    'a1.sources = r1', 'a1.channels = c1', 'a1.sinks = k1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0', 'a1.sources.r1.channels = c1',
    'a1.channels.c1.type = memory',
    'a1.sinks.k1.type = kafka', 'a1.sinks.k1.channel = c1', 'a1.sinks.k1.kafka.bootstrap.servers = 127.0.0.1:9092',
    'a1.sinks.k1.flumeBatchSize = 1000',
  ]), /a1\.sinks\.k1\.flumeBatchSize: batch size 1000 is larger than channel c1's transactionCapacity 100/);
});
