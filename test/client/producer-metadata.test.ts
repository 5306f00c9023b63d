/**
 * The producer waits for an unknown topic's metadata at most max.block.ms (Java's
 * waitOnMetadata), sharing that budget with the wait for buffer space, and fails with Java's
 * message; a topic created while it waits is used.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { ClientError } from '../../src/client/errors.js';
import { Producer } from '../../src/client/producer/producer.js';

let cluster: EmbeddedCluster;

before(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { 'auto.create.topics.enable': false } });
});
after(async () => {
  await cluster.stop();
});

test('an unknown topic fails after max.block.ms with "Topic t not present in metadata after N ms."', async () => {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, maxBlockMs: 700, retryBackoffMs: 50 });
  try {
    await assert.rejects(producer.send({ topic: 'nowhere', value: 'x' }), (err: unknown) => {
      assert.ok(err instanceof ClientError, String(err));
      assert.equal(err.code, 'GREGOR_ERR_REQUEST_TIMEOUT');
      assert.equal(err.message, 'Topic nowhere not present in metadata after 700 ms.');
      return true;
    });
  } finally {
    await producer.close();
  }
});

test('a topic created while the producer waits for its metadata is used', async () => {
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, maxBlockMs: 20_000, retryBackoffMs: 50 });
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  try {
    const sent = producer.send({ topic: 'later', value: 'x' });
    await new Promise((r) => setTimeout(r, 300));
    await admin.createTopics([{ name: 'later', numPartitions: 1, replicationFactor: 1 }]);
    const md = await sent;
    assert.equal(md.topic, 'later');
    assert.equal(md.offset, 0n);
  } finally {
    await admin.close();
    await producer.close();
  }
});
