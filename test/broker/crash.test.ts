/**
 * Crash: SIGKILL `gregor dev` while librdkafka produces with acks=all; after a restart on the
 * same data every acknowledged message is consumable and offsets have no gaps.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/paths.js';
import { pythonModule, systemPython } from '../helpers/interop.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { runPython } from './helpers/cluster.js';
import { startCliProcess } from './helpers/processes.js';

const confluent = pythonModule('confluent_kafka');
const dir = tempDir('gregor-crash-');
const children: ChildProcess[] = [];

after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dir.cleanup();
});

function startDev(port: number, keeperPort: number): Promise<ChildProcess> {
  const args = ['dev', '--data-dir', dir.path, '--port', String(port), '--keeper-port', String(keeperPort), '--host', '127.0.0.1'];
  return startCliProcess(args, 'Press Ctrl-C', { GREGOR_LOG_LEVEL: 'warn' }, children).then((started) => started.child);
}

const PRODUCER = `
import sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bs = sys.argv[1]
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('crash', 2, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 2, 'message.timeout.ms': 60000})
def dr(err, msg):
    if err is None:
        sys.stdout.write(msg.value().decode() + '\\n')
        sys.stdout.flush()
i = 0
while i < 2000000:
    try:
        p.produce('crash', value=str(i).encode(), partition=i % 2, on_delivery=dr)
        i += 1
    except BufferError:
        p.poll(0.01)
    if i % 1000 == 0:
        p.poll(0)
p.flush(60)
`;

test('SIGKILL during an acks=all produce loses nothing acknowledged', { skip: confluent.skip, timeout: 150_000 }, async () => {
  const port = await freePort();
  const keeperPort = await freePort();
  const dev = await startDev(port, keeperPort);
  const bootstrap = `127.0.0.1:${port}`;
  const acked = new Set<number>();
  const producer = spawn(systemPython, ['-c', PRODUCER, bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(producer);
  let partial = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${acked.size} acks`)), 60_000);
    producer.stdout!.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop()!;
      for (const l of lines) acked.add(Number(l));
      if (acked.size >= 50_000 && dev.exitCode === null && dev.signalCode === null) {
        dev.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await new Promise((r) => dev.once('exit', r));
  // Acks already in the pipe still count: read what the producer printed until it is stopped.
  await new Promise((r) => setTimeout(r, 500));
  producer.kill('SIGKILL');
  await new Promise((r) => producer.once('exit', r));
  for (const l of partial.split('\n')) if (l !== '') acked.add(Number(l));

  const restarted = await startDev(port, keeperPort);
  const r = await runPython(`
import sys, json
from confluent_kafka import Consumer, TopicPartition
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'crash-check', 'enable.auto.commit': False})
parts = [TopicPartition('crash', p, 0) for p in range(2)]
hw = [c.get_watermark_offsets(TopicPartition('crash', p), timeout=10)[1] for p in range(2)]
c.assign(parts)
values, gaps, nexts, n = [], 0, [0, 0], 0
while n < sum(hw):
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        continue
    if m.offset() != nexts[m.partition()]:
        gaps += 1
    nexts[m.partition()] = m.offset() + 1
    values.append(int(m.value()))
    n += 1
c.close()
print(json.dumps({'hw': hw, 'gaps': gaps, 'values': values}))
`, [bootstrap], 90_000);
  restarted.kill('SIGTERM');
  await new Promise((res) => restarted.once('exit', res));
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { hw: number[]; gaps: number; values: number[] };
  assert.equal(out.gaps, 0, 'offsets have no gaps');
  assert.equal(out.values.length, out.hw[0]! + out.hw[1]!);
  const stored = new Set(out.values);
  assert.equal(stored.size, out.values.length, 'no duplicates');
  const lost = [...acked].filter((v) => !stored.has(v));
  console.log(`# crash: ${acked.size} acknowledged, ${stored.size} stored after restart`);
  assert.deepEqual(lost.slice(0, 10), [], `${lost.length} acknowledged messages lost`);
});
