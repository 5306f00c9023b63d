/**
 * Configurations as the Flume User Guide prints them, unchanged (typos included), build the
 * agent a Flume user expects, with Flume's warnings for what Flume ignores.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FileChannel } from '../../src/agent/channels/file/file-channel.js';
import type { KafkaSink } from '../../src/agent/sinks/kafka-sink.js';
import { agentFrom } from './helpers.js';

test('the User Guide\'s TAILDIR, file channel and Kafka sink examples', () => {
  const agent = agentFrom([
    'a1.sources = r1',
    'a1.channels = c1',
    'a1.sinks = k1',
    'a1.sources.r1.type = TAILDIR',
    'a1.sources.r1.channels = c1',
    'a1.sources.r1.positionFile = /var/log/flume/taildir_position.json',
    'a1.sources.r1.filegroups = f1 f2',
    'a1.sources.r1.filegroups.f1 = /var/log/test1/example.log',
    'a1.sources.r1.headers.f1.headerKey1 = value1',
    'a1.sources.r1.filegroups.f2 = /var/log/test2/.*log.*',
    'a1.sources.r1.headers.f2.headerKey1 = value2',
    'a1.sources.r1.headers.f2.headerKey2 = value2-2',
    'a1.sources.r1.fileHeader = true',
    'a1.sources.ri.maxBatchCount = 1000',
    'a1.channels.c1.type = file',
    'a1.channels.c1.checkpointDir = /mnt/flume/checkpoint',
    'a1.channels.c1.dataDirs = /mnt/flume/data',
    'a1.sinks.k1.channel = c1',
    'a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink',
    'a1.sinks.k1.kafka.topic = mytopic',
    'a1.sinks.k1.kafka.bootstrap.servers = localhost:9092',
    'a1.sinks.k1.kafka.flumeBatchSize = 20',
    'a1.sinks.k1.kafka.producer.acks = 1',
    'a1.sinks.k1.kafka.producer.linger.ms = 1',
    'a1.sinks.k1.kafka.producer.compression.type = snappy',
  ]);
  // The guide's typo (ri) and its kafka.flumeBatchSize (Flume reads flumeBatchSize) are ignored, as by Flume.
  assert.ok(agent.warnings.some((w) => w.includes('a1.sources.ri.maxBatchCount')), agent.warnings.join('\n'));
  assert.ok(agent.warnings.some((w) => w.includes('a1.sinks.k1.kafka.flumeBatchSize')), agent.warnings.join('\n'));
  const k1 = agent.sinkRunners[0]!.processor.sinks[0] as KafkaSink;
  assert.equal(k1.config.topic, 'mytopic');
  assert.equal(k1.config.batchSize, 100);
  assert.equal(k1.config.producer.acks, 1);
  assert.equal(k1.config.producer.lingerMs, 1);
  assert.equal(k1.config.producer.compression, 'snappy');
  const c1 = agent.channels.get('c1') as FileChannel;
  assert.equal(c1.capacity, 1000000);
});

test('a Flume 1.6-style Kafka sink (brokerList, topic, requiredAcks, batchSize) still works, with deprecation warnings', () => {
  const agent = agentFrom([
    'a1.sources = r1', 'a1.sinks = k1', 'a1.channels = c1',
    'a1.sources.r1.type = exec', 'a1.sources.r1.command = tail -F /var/log/example.log', 'a1.sources.r1.channels = c1',
    'a1.sinks.k1.type = org.apache.flume.sink.kafka.KafkaSink',
    'a1.sinks.k1.topic = test', 'a1.sinks.k1.brokerList = localhost:9092',
    'a1.sinks.k1.requiredAcks = 1', 'a1.sinks.k1.batchSize = 20',
    'a1.channels.c1.type = memory', 'a1.channels.c1.capacity = 100', 'a1.channels.c1.transactionCapacity = 100',
    'a1.sinks.k1.channel = c1',
  ]);
  const k1 = agent.sinkRunners[0]!.processor.sinks[0] as KafkaSink;
  assert.deepEqual([k1.config.topic, k1.config.batchSize, k1.config.producer.acks, k1.config.producer.bootstrapServers], ['test', 20, 1, 'localhost:9092']);
  for (const old of ['topic', 'brokerList', 'requiredAcks', 'batchSize']) {
    assert.ok(agent.warnings.some((w) => w.startsWith(`a1.sinks.k1.${old} is deprecated`)), `${old}: ${agent.warnings.join('\n')}`);
  }
});

test('the User Guide\'s multiplexing selector, interceptors and failover sink group examples', () => {
  const agent = agentFrom([
    'a1.sources = r1',
    'a1.channels = c1 c2 c3 c4',
    'a1.sinks = k1 k2',
    'a1.sinkgroups = g1',
    'a1.sources.r1.type = netcat', 'a1.sources.r1.bind = 127.0.0.1', 'a1.sources.r1.port = 0',
    'a1.sources.r1.channels = c1 c2 c3 c4',
    'a1.sources.r1.selector.type = multiplexing',
    'a1.sources.r1.selector.header = state',
    'a1.sources.r1.selector.mapping.CZ = c1',
    'a1.sources.r1.selector.mapping.US = c2 c3',
    'a1.sources.r1.selector.default = c4',
    'a1.sources.r1.interceptors = i1 i2',
    'a1.sources.r1.interceptors.i1.type = org.apache.flume.interceptor.HostInterceptor$Builder',
    'a1.sources.r1.interceptors.i1.preserveExisting = false',
    'a1.sources.r1.interceptors.i1.hostHeader = hostname',
    'a1.sources.r1.interceptors.i2.type = org.apache.flume.interceptor.TimestampInterceptor$Builder',
    'a1.channels.c1.type = memory', 'a1.channels.c2.type = memory', 'a1.channels.c3.type = memory', 'a1.channels.c4.type = memory',
    'a1.sinks.k1.type = logger', 'a1.sinks.k1.channel = c1',
    'a1.sinks.k2.type = null', 'a1.sinks.k2.channel = c1',
    'a1.sinkgroups.g1.sinks = k1 k2',
    'a1.sinkgroups.g1.processor.type = failover',
    'a1.sinkgroups.g1.processor.priority.k1 = 5',
    'a1.sinkgroups.g1.processor.priority.k2 = 10',
    'a1.sinkgroups.g1.processor.maxpenalty = 10000',
  ]);
  assert.deepEqual(agent.warnings, []);
  assert.equal(agent.sinkRunners.length, 1, 'one runner for the group');
  assert.deepEqual(agent.sinkRunners[0]!.processor.sinks.map((s) => s.name), ['k2', 'k1'], 'higher priority first');
});
