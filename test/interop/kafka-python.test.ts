/**
 * kafka-python (Debian's /usr/bin/python3) against an embedded keeper + broker: the admin
 * client, producers with acks 0/1/all and gzip/snappy/lz4, and a consumer with manual
 * assignment, seek, offsets_for_times and end_offsets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { pythonModule } from '../helpers/interop.js';
import { runPython, testCluster } from '../broker/helpers/cluster.js';
import type { EmbeddedCluster } from '../../src/broker/embedded-cluster.js';

const kafkaPython = pythonModule('kafka');
let cluster: EmbeddedCluster;

before(async () => {
  if (kafkaPython.available) cluster = await testCluster();
});
after(async () => {
  await cluster?.stop();
});

async function py(script: string): Promise<any> {
  const r = await runPython(script, [cluster.bootstrapServers]);
  assert.equal(r.code, 0, `python failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

test('admin client: create, describe and delete topics', { skip: kafkaPython.skip, timeout: 60_000 }, async () => {
  const out = await py(`
import sys, json
from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType
from kafka.errors import TopicAlreadyExistsError
a = KafkaAdminClient(bootstrap_servers=sys.argv[1])
res = {}
r = a.create_topics([NewTopic('py-admin', 3, 1, topic_configs={'cleanup.policy': 'compact'})])
res['created'] = [e[1] for e in r.topic_errors]
try:
    a.create_topics([NewTopic('py-admin', 3, 1)])
    res['again'] = 'no error'
except TopicAlreadyExistsError:
    res['again'] = 'TopicAlreadyExistsError'
d = a.describe_topics(['py-admin'])
res['partitions'] = sorted(p['partition'] for p in d[0]['partitions'])
c = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, 'py-admin')])
res['policy'] = [x[1] for x in c[0].resources[0][4] if x[0] == 'cleanup.policy']
r = a.delete_topics(['py-admin'])
res['deleted'] = [e[1] for e in r.topic_error_codes]
res['topics'] = a.list_topics()
print(json.dumps(res))
`);
  assert.deepEqual(out, { created: [0], again: 'TopicAlreadyExistsError', partitions: [0, 1, 2], policy: ['compact'], deleted: [0], topics: [] });
});

test('producers (acks 0/1/all, gzip/snappy/lz4) and a consumer with assign, seek, offsets_for_times, end_offsets', { skip: kafkaPython.skip, timeout: 90_000 }, async () => {
  const out = await py(`
import sys, json, time
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
bs = sys.argv[1]
KafkaAdminClient(bootstrap_servers=bs).create_topics([NewTopic('py-data', 1, 1)])
tp = TopicPartition('py-data', 0)
sent = []
for acks, codec in [(0, 'gzip'), (1, 'snappy'), ('all', 'lz4'), (1, None)]:
    p = KafkaProducer(bootstrap_servers=bs, acks=acks, compression_type=codec, linger_ms=5)
    futures = [p.send('py-data', key=b'k%d' % i, value=('%s-%s-%d' % (acks, codec, i)).encode(), partition=0) for i in range(250)]
    p.flush()
    if acks != 0:
        offs = [f.get(timeout=10).offset for f in futures]
        assert offs == sorted(offs)
    sent += ['%s-%s-%d' % (acks, codec, i) for i in range(250)]
    p.close()
mid_ts = int(time.time() * 1000)
time.sleep(0.05)
p = KafkaProducer(bootstrap_servers=bs, acks=1)
p.send('py-data', key=b'late', value=b'late', partition=0).get(timeout=10)
p.close()
sent.append('late')
c = KafkaConsumer(bootstrap_servers=bs, group_id=None, enable_auto_commit=False, consumer_timeout_ms=3000)
c.assign([tp])
end = c.end_offsets([tp])[tp]
begin = c.beginning_offsets([tp])[tp]
c.seek_to_beginning(tp)
got = [m.value.decode() for m in c]
c.seek(tp, 995)
after_seek = [m.offset for m in c]
ot = c.offsets_for_times({tp: mid_ts})[tp]
none_yet = c.offsets_for_times({tp: int(time.time() * 1000) + 60000})[tp]
print(json.dumps({'end': end, 'begin': begin, 'same': got == sent, 'count': len(got), 'after_seek': after_seek, 'by_time': ot.offset if ot else None, 'future': none_yet}))
`);
  assert.deepEqual(out, { end: 1001, begin: 0, same: true, count: 1001, after_seek: [995, 996, 997, 998, 999, 1000], by_time: 1000, future: null });
});
