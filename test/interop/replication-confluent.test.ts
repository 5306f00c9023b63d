/**
 * confluent_kafka (librdkafka) against replication: an idempotent acks=all producer writes into
 * an RF=3 topic on an embedded 3-broker cluster; the partition's leader broker is then killed
 * (Broker.crash()); librdkafka produces more through the new leader and a librdkafka consumer
 * reads the partition from the beginning: every message whose delivery report succeeded is there,
 * once, in order.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonModule } from '../helpers/interop.js';
import { runPython } from '../broker/helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import type { Broker } from '../../src/broker/broker.js';
import { createReplicatedTopic, replicationCluster, waitUntil } from '../broker/replication/helpers.js';

const confluent = pythonModule('confluent_kafka');
let cluster: EmbeddedCluster;

before(async () => {
  if (confluent.available) cluster = await replicationCluster();
});
after(async () => {
  await cluster?.stop();
});

async function py(script: string, bootstrap: string, ...args: string[]): Promise<any> {
  const r = await runPython(script, [bootstrap, ...args], 120_000);
  assert.equal(r.code, 0, `python failed (signal ${r.signal}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const PRODUCE = `
import sys, json
from confluent_kafka import Producer
bs, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
p = Producer({'bootstrap.servers': bs, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 5, 'message.timeout.ms': 60000})
delivered, errors = [], []
def dr(err, msg):
    if err is None:
        delivered.append(int(msg.value().decode()[1:]))
    else:
        errors.append(str(err))
for i in range(first, first + count):
    while True:
        try:
            p.produce('rf3', value=('m%d' % i).encode(), partition=0, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(90)
print(json.dumps({'delivered': delivered, 'errors': errors[:5], 'left': left}))
`;

const CONSUME = `
import sys, json, time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
bs = sys.argv[1]
c = Consumer({'bootstrap.servers': bs, 'group.id': 'rf3-reader', 'enable.auto.commit': False})
tp = TopicPartition('rf3', 0)
low, high = c.get_watermark_offsets(tp, timeout=30)
c.assign([TopicPartition('rf3', 0, OFFSET_BEGINNING)])
values, offsets = [], []
deadline = time.time() + 60
while time.time() < deadline and (len(offsets) == 0 or offsets[-1] + 1 < high):
    m = c.poll(1.0)
    if m is None or m.error():
        continue
    values.append(int(m.value().decode()[1:]))
    offsets.append(m.offset())
c.close()
print(json.dumps({'values': values, 'offsets': offsets, 'high': high}))
`;

test('librdkafka acks=all into RF=3, leader killed: every delivered message is read back once, in order', { skip: confluent.skip, timeout: 200_000 }, async () => {
  await createReplicatedTopic(cluster.brokers[0]!, 'rf3', { configs: { 'min.insync.replicas': '2' } });
  const first = await py(PRODUCE, cluster.bootstrapServers, '0', '5000');
  assert.deepEqual(first.errors, []);
  assert.equal(first.delivered.length, 5000);

  const stateOf = (b: Broker) => b.metadata.snapshot().topics.get('rf3')!.partitions[0]!;
  const leader = cluster.brokers[stateOf(cluster.brokers[0]!).leader]!;
  const survivors = cluster.brokers.filter((b) => b !== leader);
  await leader.crash();
  assert.ok(await waitUntil(() => survivors.every((b) => stateOf(b).leader >= 0 && stateOf(b).leader !== leader.brokerId)), 'a new leader from the ISR');
  const bootstrap = survivors.map((b) => b.bootstrap).join(',');

  const second = await py(PRODUCE, bootstrap, '5000', '1000');
  assert.deepEqual(second.errors, []);
  const delivered: number[] = [...first.delivered, ...second.delivered];
  const read = await py(CONSUME, bootstrap);
  assert.equal(read.values.length, read.high, 'read up to the high watermark');
  const seen = new Set<number>(read.values);
  assert.equal(seen.size, read.values.length, 'no duplicates');
  assert.deepEqual(delivered.filter((i) => !seen.has(i)), [], 'no delivered message lost');
  assert.deepEqual(read.values, [...read.values].sort((a: number, b: number) => a - b), 'in send order');
});
