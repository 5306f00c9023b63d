/**
 * The Gregor client against librdkafka (confluent_kafka via /usr/bin/python3) and kcat, through
 * a Gregor broker: what Gregor's producer writes (every codec, headers) librdkafka reads intact;
 * what librdkafka writes Gregor's consumer reads intact; and for 10,000 keys Gregor's
 * partitioner picks the partition librdkafka's murmur2_random picks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { Consumer, type ConsumerRecord } from '../../src/client/consumer/consumer.js';
import { partitionForKey } from '../../src/client/partitioner.js';
import { Producer } from '../../src/client/producer/producer.js';
import { interopTool, pythonModule, systemPython } from '../helpers/interop.js';
import { tempDir } from '../helpers/paths.js';

const confluent = pythonModule('confluent_kafka');
const kcat = interopTool('kcat', ['kcat', '-V']);

let cluster: EmbeddedCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { 'group.initial.rebalance.delay.ms': 0 } });
  admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
});
after(async () => {
  await admin.close();
  await cluster.stop();
});

/** Runs a program without blocking this process's event loop (the broker lives here). */
function runAsync(argv: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const READ_PY = `
import json, sys
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, partitions, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rd-reader', 'enable.auto.commit': False, 'auto.offset.reset': 'earliest'})
c.assign([TopicPartition(topic, p, 0) for p in range(partitions)])
out = []
idle = 0
while len(out) < expected and idle < 40:
    m = c.poll(0.5)
    if m is None:
        idle += 1
        continue
    if m.error():
        print(m.error(), file=sys.stderr)
        continue
    out.append({'p': m.partition(), 'o': m.offset(), 'k': m.key().decode() if m.key() is not None else None,
                'v': m.value().hex() if m.value() is not None else None,
                'h': [[k, v.decode() if v is not None else None] for k, v in (m.headers() or [])]})
c.close()
print(json.dumps(out))
`;

const WRITE_PY = `
import sys
from confluent_kafka import Producer
bootstrap, topic, codec, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Producer({'bootstrap.servers': bootstrap, 'compression.type': codec, 'linger.ms': 5, 'enable.idempotence': True})
for i in range(n):
    p.produce(topic, key=('rk-%d' % i).encode(), value=(('rv-%d-' % i) * 7).encode(), headers=[('codec', codec.encode()), ('i', str(i).encode())])
    if i % 1000 == 0:
        p.poll(0)
left = p.flush(30)
sys.exit(1 if left else 0)
`;

const PARTITION_PY = `
import sys
from confluent_kafka import Producer
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
parts = {}
def report(err, msg):
    if err is None:
        parts[msg.key().decode()] = msg.partition()
p = Producer({'bootstrap.servers': bootstrap, 'partitioner': 'murmur2_random', 'linger.ms': 20, 'acks': 1})
for i in range(n):
    k = 'key-%d-%s' % (i, 'x' * (i % 13))
    p.produce(topic, key=k.encode(), value=b'v', on_delivery=report)
    if i % 1000 == 0:
        p.poll(0)
p.flush(30)
for k, v in parts.items():
    print('%s\\t%d' % (k, v))
`;

test('librdkafka reads what Gregor produced: every codec, keys, values, headers', { skip: confluent.skip }, async () => {
  for (const compression of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const topic = `to-rd-${compression}`;
    await admin.createTopics([{ name: topic, numPartitions: 2, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression, lingerMs: 5 });
    const sends = [];
    for (let i = 0; i < 500; i++) {
      sends.push(producer.send({ topic, key: `k${i}`, value: Buffer.from(`value-${i}-`.repeat(3 + (i % 5))), headers: [['codec', compression], ['n', String(i)]] }));
    }
    await Promise.all(sends);
    await producer.close();
    const r = await runAsync([systemPython, '-c', READ_PY, cluster.bootstrapServers, topic, '2', '500']);
    assert.equal(r.code, 0, r.stderr);
    const got = JSON.parse(r.stdout) as { p: number; k: string; v: string; h: [string, string][] }[];
    assert.equal(got.length, 500, compression);
    for (const m of got) {
      const i = Number(m.k.slice(1));
      assert.equal(Buffer.from(m.v, 'hex').toString(), `value-${i}-`.repeat(3 + (i % 5)));
      assert.deepEqual(m.h, [['codec', compression], ['n', String(i)]]);
      assert.equal(m.p, partitionForKey(Buffer.from(m.k), 2));
    }
  }
});

test('kcat reads what Gregor produced', { skip: kcat.skip }, async () => {
  const topic = 'to-kcat';
  await admin.createTopics([{ name: topic, numPartitions: 1, replicationFactor: 1 }]);
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers, compression: 'lz4' });
  await Promise.all(Array.from({ length: 100 }, (_, i) => producer.send({ topic, key: `k${i}`, value: `v${i}`, headers: { h: `x${i}` } })));
  await producer.close();
  const r = await runAsync(['kcat', '-C', '-b', cluster.bootstrapServers, '-t', topic, '-e', '-q', '-f', '%k=%s|%h\\n']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), Array.from({ length: 100 }, (_, i) => `k${i}=v${i}|h=x${i}`));
});

test('Gregor reads what librdkafka produced: every codec, idempotent', { skip: confluent.skip }, async () => {
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
    const topic = `from-rd-${codec}`;
    await admin.createTopics([{ name: topic, numPartitions: 3, replicationFactor: 1 }]);
    const w = await runAsync([systemPython, '-c', WRITE_PY, cluster.bootstrapServers, topic, codec, '600']);
    assert.equal(w.code, 0, w.stderr);
    const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, autoOffsetReset: 'earliest' });
    consumer.assign([0, 1, 2].map((partition) => ({ topic, partition })));
    const got: ConsumerRecord[] = [];
    const deadline = Date.now() + 20000;
    while (got.length < 600 && Date.now() < deadline) got.push(...(await consumer.poll({ timeoutMs: 500 })));
    await consumer.close();
    assert.equal(got.length, 600, codec);
    for (const r of got) {
      const i = Number(r.key!.toString().slice(3));
      assert.equal(r.value!.toString(), `rv-${i}-`.repeat(7));
      assert.deepEqual(r.headers.map((h) => [h.key, h.value?.toString()]), [['codec', codec], ['i', String(i)]]);
    }
    // librdkafka keeps per-partition order: the sequence numbers in the values increase.
    for (const p of [0, 1, 2]) {
      const seq = got.filter((r) => r.partition === p).map((r) => Number(r.key!.toString().slice(3)));
      assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
    }
  }
});

test('for 10,000 keys Gregor picks the partition librdkafka murmur2_random picks', { skip: confluent.skip }, async () => {
  const topic = 'murmur';
  const partitions = 7;
  await admin.createTopics([{ name: topic, numPartitions: partitions, replicationFactor: 1 }]);
  const r = await runAsync([systemPython, '-c', PARTITION_PY, cluster.bootstrapServers, topic, '10000']);
  assert.equal(r.code, 0, r.stderr);
  const rows = r.stdout.trimEnd().split('\n').map((l) => l.split('\t') as [string, string]);
  assert.equal(rows.length, 10000);
  let mismatches = 0;
  for (const [key, p] of rows) if (partitionForKey(Buffer.from(key), partitions) !== Number(p)) mismatches++;
  assert.equal(mismatches, 0);
});

// librdkafka's member: publishes its assignment to a state file (atomically) whenever it changes,
// and leaves when the test creates the stop file (60 s at most), then prints its last assignment.
const GROUP_PY = `
import json, os, sys, time
from confluent_kafka import Consumer
bootstrap, topic, group, strategy, state_path, stop_path = sys.argv[1:7]
c = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'partition.assignment.strategy': strategy,
              'auto.offset.reset': 'earliest', 'enable.auto.commit': False, 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300})
c.subscribe([topic])
end = time.time() + 60
seen = 0
published = None
while time.time() < end and not os.path.exists(stop_path):
    m = c.poll(0.2)
    if m is not None and not m.error():
        seen += 1
    now = sorted(tp.partition for tp in c.assignment())
    if now != published:
        with open(state_path + '.tmp', 'w') as f:
            json.dump(now, f)
        os.replace(state_path + '.tmp', state_path)
        published = now
print(json.dumps({'assignment': sorted(tp.partition for tp in c.assignment()), 'seen': seen}))
c.close()
`;

/** Polls `consumer` until `done(records seen so far)` holds, at most `boundMs`; returns the records seen. */
async function pollUntil(consumer: Consumer, done: (seen: number) => boolean, boundMs: number, what: string): Promise<number> {
  let seen = 0;
  const deadline = Date.now() + boundMs;
  while (!done(seen)) {
    assert.ok(Date.now() < deadline, `not within ${boundMs} ms: ${what}`);
    seen += (await consumer.poll({ timeoutMs: 200 })).length;
  }
  return seen;
}

// Who joins first (and so leads): Gregor decodes librdkafka's subscription and librdkafka decodes
// Gregor's assignment, or the other way round; cooperative-sticky both ways (KIP-429's revocation
// round driven by either side's assignor).
const mixedCases = [['range', 'gregor'], ['roundrobin', 'librdkafka'], ['cooperative-sticky', 'gregor'], ['cooperative-sticky', 'librdkafka']] as const;
for (const [strategy, first] of mixedCases) {
  test(`one group, two clients: librdkafka and Gregor share a topic (${strategy}, ${first === 'gregor' ? 'Gregor' : 'librdkafka'} leads)`, { skip: confluent.skip }, async () => {
    const topic = `mixed-${strategy}-${first}`;
    await admin.createTopics([{ name: topic, numPartitions: 6, replicationFactor: 1 }]);
    const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
    await Promise.all(Array.from({ length: 60 }, (_, i) => producer.send({ topic, partition: i % 6, value: `v${i}` })));
    await producer.close();
    const consumer = new Consumer({
      bootstrapServers: cluster.bootstrapServers, groupId: topic, partitionAssignmentStrategy: [strategy],
      autoOffsetReset: 'earliest', enableAutoCommit: false, heartbeatIntervalMs: 300, sessionTimeoutMs: 6000,
    });
    const dir = tempDir();
    const statePath = join(dir.path, 'assignment.json');
    const stopPath = join(dir.path, 'stop');
    const theirsNow = (): number[] | null => (existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as number[]) : null);
    // The first member owns all six partitions and stays the leader: when Gregor is first,
    // librdkafka decodes Gregor's assignment (with cooperative-sticky Gregor revokes three and they
    // reach librdkafka in the follow-up rebalance, KIP-429); when librdkafka is first, Gregor decodes
    // librdkafka's assignment (cooperative-sticky: librdkafka revokes, Gregor gets them in the second
    // round). Every wait is for a condition.
    let python: ReturnType<typeof runAsync> | undefined;
    let seen = 0;
    try {
      const startPython = (): ReturnType<typeof runAsync> => runAsync([systemPython, '-c', GROUP_PY, cluster.bootstrapServers, topic, topic, strategy, statePath, stopPath]);
      if (first === 'gregor') {
        consumer.subscribe([topic]);
        seen += await pollUntil(consumer, () => consumer.assignment().length === 6, 30000, 'Gregor owns all six partitions');
        python = startPython();
      } else {
        python = startPython();
        const deadline = Date.now() + 30000;
        while (theirsNow()?.length !== 6) {
          assert.ok(Date.now() < deadline, 'librdkafka owns all six partitions within 30 s');
          await new Promise((r) => setTimeout(r, 100));
        }
        consumer.subscribe([topic]);
      }
      const before = seen;
      seen += await pollUntil(consumer, (n) => consumer.assignment().length === 3 && theirsNow()?.length === 3 && before + n > 0, 30000, 'three partitions each, records seen');
      const mine = consumer.assignment().map((tp) => tp.partition).sort((a, b) => a - b);
      const gregorLed = (consumer as unknown as { group: { isLeader: boolean } }).group.isLeader;
      writeFileSync(stopPath, '');
      const r = await python;
      assert.equal(r.code, 0, r.stderr);
      const theirs = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { assignment: number[]; seen: number }).assignment;
      assert.equal(mine.length, 3, `gregor has ${mine.join(',')}; librdkafka has ${theirs.join(',')}`);
      assert.equal(theirs.length, 3);
      assert.deepEqual([...mine, ...theirs].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5]);
      assert.ok(seen > 0);
      assert.equal(gregorLed, first === 'gregor', 'who computed the assignment');
    } finally {
      writeFileSync(stopPath, '');
      await python;
      await consumer.close();
      dir.cleanup();
    }
  });
}
