/**
 * A real client across a clean broker stop: librdkafka (confluent_kafka) produces with acks=all
 * and idempotence while the broker leading its partitions is stopped. Controlled shutdown moves
 * leadership to in-sync followers while the broker still answers, so the producer is told
 * NOT_LEADER_OR_FOLLOWER, moves on, and every record is delivered once, none lost (read back
 * with kcat from the surviving brokers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { interopTool, pythonModule, systemPython } from '../helpers/interop.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { runProcess, testCluster } from './helpers/cluster.js';
import { RawClient } from './helpers/raw-client.js';

const confluent = pythonModule('confluent_kafka');
const kcat = interopTool('kcat', ['kcat', '-V']);

const PRODUCER = String.raw`
import json, sys, time
from confluent_kafka import Producer
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
p = Producer({'bootstrap.servers': bootstrap, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 2, 'message.timeout.ms': 60000})
ok, errors = [0], []
def delivered(err, msg):
    if err is not None: errors.append(str(err))
    else: ok[0] += 1
for i in range(n):
    p.produce(topic, key=b'k%d' % i, value=b'v%d' % i, on_delivery=delivered)
    p.poll(0)
    if i == n // 4:
        p.flush(30)
        print('quarter delivered', flush=True)
        sys.stdin.readline()  # the test stops a broker, then lets the rest go
    time.sleep(0.001)
p.flush(60)
print(json.dumps({'ok': ok[0], 'errors': errors[:5], 'errorCount': len(errors)}), flush=True)
`;

test('librdkafka acks=all producer across a clean stop of the leading broker: every record delivered, none lost', { skip: confluent.skip || kcat.skip, timeout: 120_000 }, async () => {
  const cluster = await testCluster({ brokers: 3, brokerConfig: { 'controlled.shutdown.retry.backoff.ms': 100, 'min.insync.replicas': 2 } });
  try {
    const admin = await RawClient.connect(cluster.bootstrapServers);
    try {
      const created = await admin.request(19, 5, { topics: [{ name: 'moving', numPartitions: 3, replicationFactor: 3, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
      assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
    } finally {
      admin.close();
    }
    const full = await cluster.brokers[0]!.metadata.waitFor((md) => md.topics.get('moving')?.partitions.every((p) => p.leader >= 0 && p.isr.length === 3) === true, 15_000);
    assert.ok(full, 'every partition led with a full ISR');
    const n = 2000;
    const child = spawn(systemPython, ['-c', PRODUCER, cluster.bootstrapServers, 'moving', String(n)], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let i = 0; i < 600 && !out.includes('quarter delivered'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /quarter delivered/, err);
    const leader = cluster.brokers.find((b) => b.metadata.snapshot().topics.get('moving')!.partitions[0]!.leader === b.brokerId)!;
    const stopping = leader.stop();
    child.stdin.write('go\n');
    await stopping;
    assert.equal(await exited, 0, err);
    const result = JSON.parse(out.trim().split('\n').pop()!) as { ok: number; errors: string[]; errorCount: number };
    assert.deepEqual([result.ok, result.errorCount, result.errors], [n, 0, []], 'every record acknowledged, no delivery error');
    const survivors = cluster.brokers.filter((b) => b !== leader).map((b) => b.bootstrap).join(',');
    const read = await runProcess('kcat', ['-b', survivors, '-C', '-t', 'moving', '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { timeoutMs: 60_000 });
    assert.equal(read.code, 0, read.stderr);
    const values = read.stdout.split('\n').filter((l) => l !== '');
    assert.equal(new Set(values).size, n, 'every acknowledged record is on the surviving brokers');
    assert.equal(values.length, n, 'exactly once (idempotent producer)');
  } finally {
    await cluster.stop();
  }
});
