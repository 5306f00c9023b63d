/**
 * Message sizes through librdkafka (confluent_kafka): an empty value, a null key and value,
 * a 1 MiB message (topic max.message.bytes raised), and MESSAGE_TOO_LARGE from the broker
 * above max.message.bytes (the client's own limit is raised so the broker decides).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonModule } from '../helpers/interop.js';
import { runPython, testCluster } from './helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

const confluent = pythonModule('confluent_kafka');
let cluster: EmbeddedCluster;

before(async () => {
  if (confluent.available) cluster = await testCluster();
});
after(async () => {
  await cluster?.stop();
});

test('empty, null, 1 MiB and too-large messages', { skip: confluent.skip, timeout: 90_000 }, async () => {
  const r = await runPython(`
import sys, json
from confluent_kafka import Producer, Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic
bs = sys.argv[1]
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('sizes', 1, 1, config={'max.message.bytes': '2000000'}), NewTopic('small', 1, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs, 'message.max.bytes': 10000000, 'acks': 'all', 'retries': 0})
results = []
def dr(err, msg):
    results.append(None if err is None else err.name())
big = bytes(range(256)) * 4096
p.produce('sizes', key=b'empty', value=b'', partition=0, on_delivery=dr)
p.produce('sizes', key=None, value=None, partition=0, on_delivery=dr)
p.produce('sizes', key=b'big', value=big, partition=0, on_delivery=dr)
p.flush(30)
p.produce('small', key=b'too-big', value=b'x' * 1500000, partition=0, on_delivery=dr)
p.flush(30)
c = Consumer({'bootstrap.servers': bs, 'group.id': 'sizes', 'enable.auto.commit': False, 'fetch.max.bytes': 5000000, 'max.partition.fetch.bytes': 5000000})
c.assign([TopicPartition('sizes', 0, 0)])
got = []
while len(got) < 3:
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        continue
    got.append([m.key().decode() if m.key() is not None else None, None if m.value() is None else len(m.value()), m.value() == big if m.value() else None])
c.close()
print(json.dumps({'results': results, 'got': got}))
`, [cluster.bootstrapServers], 80_000);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.deepEqual(out.results, [null, null, null, 'MSG_SIZE_TOO_LARGE']);
  assert.deepEqual(out.got, [['empty', 0, null], [null, null, null], ['big', 1048576, true]]);
});
