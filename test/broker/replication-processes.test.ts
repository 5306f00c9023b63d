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
import { tempDir } from '../helpers/paths.js';
import { pythonModule, systemPython } from '../helpers/interop.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { runPython } from './helpers/cluster.js';
import { startCliProcess } from './helpers/processes.js';

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
  return startCliProcess(['broker', '--config', props], 'is running', { GREGOR_LOG_LEVEL: 'warn' }, children).then((started) => started.child);
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

/**
 * Reads partition 0 back from the survivors: argv[1] their bootstrap, argv[2] the killed leader.
 * It first waits until the survivors' metadata names another leader: right after the SIGKILL the
 * killed broker is still registered until its session expires (zookeeper.session.timeout.ms), so
 * the metadata rightly still names it, and librdkafka 2.0's get_watermark_offsets sends its
 * ListOffsets to the leader it looked up once, retrying the refused connection without refreshing
 * metadata and past its own timeout (a CI run was killed at 90 s that way). The high watermark is
 * then read until it is stable (the new leader's HW moves up once the other survivor fetches).
 * The consumer needs a group.id (confluent_kafka insists) but only assigns; its coordinator
 * (__consumer_offsets RF=1) may be the killed broker, COORDINATOR_NOT_AVAILABLE for good, and
 * close() would wait for it: the script exits without closing.
 */
const READ_BACK = `
import sys, json, os, time
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient
bs, dead = sys.argv[1], int(sys.argv[2])
a = AdminClient({'bootstrap.servers': bs})
deadline = time.time() + 40
while True:
    p = a.list_topics('procs', timeout=10).topics['procs'].partitions.get(0)
    if p is not None and p.leader >= 0 and p.leader != dead:
        break
    if time.time() > deadline:
        sys.exit('no new leader for procs-0 after 40 s: %s' % (p and (p.leader, p.isrs)))
    time.sleep(0.2)
c = Consumer({'bootstrap.servers': bs, 'group.id': 'procs-check', 'enable.auto.commit': False})
tp = TopicPartition('procs', 0)
hw = c.get_watermark_offsets(tp, timeout=10)[1]
for _ in range(20):
    time.sleep(0.5)
    again = c.get_watermark_offsets(tp, timeout=10)[1]
    if again == hw:
        break
    hw = again
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
print(json.dumps({'leader': p.leader, 'hw': hw, 'gaps': gaps, 'values': values}))
sys.stdout.flush()
os._exit(0)
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
    const r = await runPython(READ_BACK, [survivors, String(leader)], 90_000);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { leader: number; hw: number; gaps: number; values: number[] };
    assert.notEqual(out.leader, leader, 'read from a new leader');
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
