/**
 * A clean restart of an embedded cluster on the same data: topics, records and idempotent
 * producers' state survive (a batch retried across the restart is still acknowledged with its
 * original offset; the next sequence continues).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../src/protocol/records/index.js';
import { tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

const dir = tempDir('gregor-restart-');
after(() => dir.cleanup());

test('topics, records and producer state survive a restart', { timeout: 60_000 }, async () => {
  const options = { dataDir: dir.path, port: await freePort(), keeperPort: await freePort() };
  const batch = (values: string[], id: bigint, seq: number) =>
    encodeRecordBatch({ producerId: id, producerEpoch: 0, baseSequence: seq, records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: BigInt(Date.now()) })) });
  const produce = (c: RawClient, records: Buffer) => c.request(0, 9, createProduceRequest({ acks: -1, timeoutMs: 5000, topicData: [{ name: 'kept', partitionData: [{ index: 0, records }] }] }));

  let cluster = await testCluster(options);
  let c = await RawClient.connect(cluster.bootstrapServers);
  const created = await c.request(19, 5, { topics: [{ name: 'kept', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 5000, validateOnly: false });
  assert.equal(created.topics[0].errorCode, 0);
  await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get('kept')?.partitions[0]?.leader === 0, 5000);
  const pid = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
  const first = batch(['a', 'b'], pid.producerId, 0);
  assert.equal((await produce(c, first)).responses[0].partitionResponses[0].baseOffset, 0n);
  c.close();
  await cluster.stop();

  cluster = await testCluster(options);
  c = await RawClient.connect(cluster.bootstrapServers);
  try {
    const rm = cluster.brokers[0]!.replicaManager;
    assert.equal(rm.getPartition('kept', 0)?.isLeader, true, 'leadership is back when start() returns');
    const retried = (await produce(c, first)).responses[0].partitionResponses[0];
    assert.deepEqual([retried.errorCode, retried.baseOffset], [ErrorCode.NONE, 0n], 'the duplicate is recognised after the restart');
    const next = (await produce(c, batch(['c'], pid.producerId, 2))).responses[0].partitionResponses[0];
    assert.deepEqual([next.errorCode, next.baseOffset], [ErrorCode.NONE, 2n]);
    const pid2 = await c.request(22, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
    assert.notEqual(pid2.producerId, pid.producerId, 'producer ids are not reused after a restart');
  } finally {
    c.close();
    await cluster.stop();
  }
});
