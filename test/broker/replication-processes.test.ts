/**
 * Replication between brokers in separate processes (`gregor broker --config`, as deployed): they
 * learn leadership from the keeper's partition states (the controller's in-process channel does
 * not reach them). librdkafka produces with acks=all into an RF=3 topic; the leader's process is
 * killed with SIGKILL mid-load (its session expires, the controller elects from the ISR); every
 * acknowledged message is then read back from the survivors, once, offsets without gaps.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeeper } from '../../src/keeper/index.js';
import { createLogger } from '../../src/util/logger.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { pythonModule, systemPython } from '../helpers/interop.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { runPython } from './helpers/cluster.js';

const confluent = pythonModule('confluent_kafka');
const dir = tempDir('gregor-replication-processes-');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  dir.cleanup();
});

function startBroker(id: number, port: number, keeperConnect: string): Promise<ChildProcess> {
  const props = join(dir.path, `server-${id}.properties`);
  writeFileSync(props, [
    `broker.id=${id}`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${join(dir.path, `broker-${id}`)}`, `zookeeper.connect=${keeperConnect}`,
    'zookeeper.session.timeout.ms=4000', 'replica.fetch.backoff.ms=100', 'offsets.topic.replication.factor=1', '',
  ].join('\n'));
  const child = spawn(process.execPath, [cliPath, 'broker', '--config', props], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`broker ${id} did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('is running')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`broker ${id} exited with ${code}: ${out}`)));
  });
}

const PRODUCER = `
import sys, time
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bs = sys.argv[1]
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic('procs', 1, 3, config={'min.insync.replicas': '2'})]).values():
    f.result()
deadline = time.time() + 30
while time.time() < deadline:
    t = a.list_topics('procs', timeout=10).topics['procs']
    if t.error is None and len(t.partitions) == 1 and t.partitions[0].leader >= 0 and len(t.partitions[0].isrs) == 3:
        break
    time.sleep(0.1)
sys.stdout.write('LEADER %d\\n' % t.partitions[0].leader)
sys.stdout.flush()
p = Producer({'bootstrap.servers': bs, 'acks': 'all', 'enable.idempotence': True, 'linger.ms': 2, 'message.timeout.ms': 90000})
def dr(err, msg):
    if err is None:
        sys.stdout.write(msg.value().decode() + '\\n')
        sys.stdout.flush()
for i in range(40000):
    while True:
        try:
            p.produce('procs', value=str(i).encode(), partition=0, on_delivery=dr)
            break
        except BufferError:
            p.poll(0.01)
    if i % 500 == 0:
        p.poll(0.005)
p.flush(90)
sys.stdout.write('DONE\\n')
`;

test('three broker processes: SIGKILL of the leader under acks=all load loses no acknowledged message', { skip: confluent.skip, timeout: 180_000 }, async () => {
  const keeper = await startKeeper({ dataDir: join(dir.path, 'keeper'), clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 500 }, { logger: createLogger({ level: 'silent' }) });
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    const brokers: ChildProcess[] = [];
    for (let id = 0; id < 3; id++) brokers.push(await startBroker(id, ports[id]!, keeper.connectString));
    const bootstrap = ports.map((p) => `127.0.0.1:${p}`).join(',');
    const acked = new Set<number>();
    let leader = -1;
    let done = false;
    const producer = spawn(systemPython, ['-c', PRODUCER, bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(producer);
    let stderr = '';
    producer.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let partial = '';
    const finished = new Promise<void>((resolve) => producer.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${acked.size} acks (leader ${leader}): ${stderr.slice(-2000)}`)), 60_000);
      producer.stdout!.on('data', (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop()!;
        for (const l of lines) {
          if (l.startsWith('LEADER ')) leader = Number(l.slice(7));
          else if (l === 'DONE') done = true;
          else if (l !== '') acked.add(Number(l));
        }
        const victim = brokers[leader];
        if (acked.size >= 5000 && victim !== undefined && victim.exitCode === null && victim.signalCode === null) {
          victim.kill('SIGKILL');
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await finished;
    assert.ok(done, `the producer finished its flush: ${stderr.slice(-2000)}`);
    assert.ok(acked.size > 5000, `${acked.size} acknowledged`);

    const survivors = ports.filter((_, i) => i !== leader).map((p) => `127.0.0.1:${p}`).join(',');
    const r = await runPython(`
import sys, json
from confluent_kafka import Consumer, TopicPartition
c = Consumer({'bootstrap.servers': sys.argv[1], 'group.id': 'procs-check', 'enable.auto.commit': False})
hw = c.get_watermark_offsets(TopicPartition('procs', 0), timeout=30)[1]
c.assign([TopicPartition('procs', 0, 0)])
values, gaps, nxt = [], 0, 0
while nxt < hw:
    m = c.poll(10)
    if m is None:
        break
    if m.error():
        continue
    if m.offset() != nxt:
        gaps += 1
    nxt = m.offset() + 1
    values.append(int(m.value()))
c.close()
print(json.dumps({'hw': hw, 'gaps': gaps, 'values': values}))
`, [survivors], 90_000);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { hw: number; gaps: number; values: number[] };
    assert.equal(out.gaps, 0, 'offsets have no gaps');
    assert.equal(out.values.length, out.hw);
    const stored = new Set(out.values);
    assert.equal(stored.size, out.values.length, 'no duplicates');
    const lost = [...acked].filter((v) => !stored.has(v));
    assert.deepEqual(lost.slice(0, 10), [], `${lost.length} of ${acked.size} acknowledged messages lost`);
    for (const b of brokers) if (b.exitCode === null && b.signalCode === null) b.kill('SIGTERM');
    await Promise.all(brokers.map((b) => (b.exitCode === null && b.signalCode === null ? new Promise((res) => b.once('exit', res)) : null)));
  } finally {
    await keeper.close();
  }
});
