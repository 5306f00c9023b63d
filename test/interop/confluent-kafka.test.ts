/**
 * confluent_kafka (librdkafka) against an embedded keeper + broker: an idempotent zstd
 * producer sending 1M small messages (every delivery report must succeed; the read-back has no
 * duplicates and no gaps), and the AdminClient (create/delete topics, create_partitions,
 * describe_configs, alter_configs).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonModule } from '../helpers/interop.js';
import { runPython, testCluster } from '../broker/helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

const confluent = pythonModule('confluent_kafka');
let cluster: EmbeddedCluster;

before(async () => {
  if (confluent.available) cluster = await testCluster();
});
after(async () => {
  await cluster?.stop();
});

async function py(script: string, timeoutMs = 150_000): Promise<any> {
  const r = await runPython(script, [cluster.bootstrapServers], timeoutMs);
  assert.equal(r.code, 0, `python failed (signal ${r.signal}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

test('idempotent zstd producer: 1M messages, all delivered once, read back without gaps', { skip: confluent.skip, timeout: 200_000 }, async () => {
  const out = await py(`
import sys, json, time
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bs = sys.argv[1]
N = 1000000
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('idem', 4, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs, 'enable.idempotence': True, 'compression.type': 'zstd', 'linger.ms': 20,
              'batch.num.messages': 10000, 'queue.buffering.max.messages': 2000000})
errors = []
delivered = [0]
def dr(err, msg):
    if err is not None:
        errors.append(str(err))
    else:
        delivered[0] += 1
t0 = time.time()
for i in range(N):
    while True:
        try:
            p.produce('idem', value=str(i).encode(), partition=i % 4, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.05)
    if i % 10000 == 0:
        p.poll(0)
left = p.flush(120)
produce_s = time.time() - t0
c = Consumer({'bootstrap.servers': bs, 'group.id': 'readback', 'enable.auto.commit': False, 'fetch.max.bytes': 52428800})
c.assign([TopicPartition('idem', part, 0) for part in range(4)])
expected_next = [0, 0, 0, 0]
ok = True
count = 0
deadline = time.time() + 120
while count < N and time.time() < deadline:
    msgs = c.consume(10000, 1.0)
    for m in msgs:
        if m.error():
            continue
        part = m.partition()
        v = int(m.value())
        if v % 4 != part or v // 4 != expected_next[part] or m.offset() != v // 4:
            ok = False
        expected_next[part] = v // 4 + 1
        count += 1
c.close()
print(json.dumps({'left': left, 'errors': errors[:5], 'delivered': delivered[0], 'read': count, 'in_order_no_gaps': ok, 'produce_s': round(produce_s, 1)}))
`);
  console.log(`# confluent_kafka: 1M idempotent zstd messages produced in ${out.produce_s} s`);
  delete out.produce_s;
  assert.deepEqual(out, { left: 0, errors: [], delivered: 1_000_000, read: 1_000_000, in_order_no_gaps: true });
});

test('AdminClient: create/delete topics, create_partitions, describe_configs, alter_configs', { skip: confluent.skip, timeout: 60_000 }, async () => {
  const out = await py(`
import sys, json
from confluent_kafka.admin import AdminClient, NewTopic, NewPartitions, ConfigResource
from confluent_kafka import KafkaException
a = AdminClient({'bootstrap.servers': sys.argv[1]})
res = {}
for f in a.create_topics([NewTopic('ck-admin', 2, 1, config={'max.message.bytes': '2000000'})]).values():
    f.result()
try:
    for f in a.create_topics([NewTopic('ck-admin', 2, 1)]).values():
        f.result()
except KafkaException as e:
    res['again'] = e.args[0].name()
for f in a.create_partitions([NewPartitions('ck-admin', 6)]).values():
    f.result()
md = a.list_topics(timeout=10)
res['partitions'] = len(md.topics['ck-admin'].partitions)
r = ConfigResource('topic', 'ck-admin')
cfg = list(a.describe_configs([r]).values())[0].result()
res['max_message_bytes'] = cfg['max.message.bytes'].value
res['source'] = str(cfg['max.message.bytes'].source)
for f in a.alter_configs([ConfigResource('topic', 'ck-admin', set_config={'retention.ms': '123456'})]).values():
    f.result()
cfg = list(a.describe_configs([r]).values())[0].result()
res['retention'] = cfg['retention.ms'].value
b = list(a.describe_configs([ConfigResource('broker', '0')]).values())[0].result()
res['broker_num_partitions'] = b['num.partitions'].value
for f in a.delete_topics(['ck-admin']).values():
    f.result()
res['left'] = 'ck-admin' in a.list_topics(timeout=10).topics
print(json.dumps(res))
`);
  assert.deepEqual(out, { again: 'TOPIC_ALREADY_EXISTS', partitions: 6, max_message_bytes: '2000000', source: '1', retention: '123456', broker_num_partitions: '1', left: false });
});
