/**
 * What inter-broker replication costs a producer: librdkafka (confluent_kafka on /usr/bin/python3)
 * produces the same load into a 3-broker embedded cluster four ways, printed in
 * kafka-producer-perf-test's format with the ratio to the first (the reference, measured in the
 * same run):
 *
 *   (a) RF=1, acks=1                            — the reference: no replication at all
 *   (b) RF=3, acks=1                            — followers fetch, the producer does not wait for them
 *   (c) RF=3, acks=all                          — every ack waits for the HW, i.e. for both followers
 *   (d) RF=3, acks=all, min.insync.replicas=2   — same wait (the ISR stays whole); the check is up front
 *
 * After each replicated case the bench waits for the followers to reach the leader's log end and
 * prints every partition's LEO / HW on all three replicas (a sanity line: all equal), and how long
 * after the last ack that took. Then one librdkafka consumer reads the acks=all topic from the
 * beginning (kafka-consumer-perf-test's columns).
 *
 *   npm run build && node dist/bench/broker/replication-perf.js [--records-1k 300000] [--records-100 1000000]
 *       [--partitions 4] [--case-limit-s 60]
 *
 * The brokers (keeper + 3 brokers, embedded) run in this process, the clients in their own, as in
 * producer-perf.ts. A case stops producing after --case-limit-s and reports what was acked by then.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { createLogger } from '../../src/util/logger.js';

const CREATE_TOPIC = `
import sys, json
from confluent_kafka.admin import AdminClient, NewTopic
bs, topic, partitions, rf, config = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), json.loads(sys.argv[5])
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic(topic, partitions, rf, config=config)]).values():
    f.result()
`;

const PRODUCER = `
import sys, time, json
from confluent_kafka import Producer
bs, topic, n, size, acks, limit_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], float(sys.argv[6])
p = Producer({'bootstrap.servers': bs, 'acks': acks, 'linger.ms': 5, 'batch.size': 1048576, 'batch.num.messages': 100000,
              'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576, 'compression.type': 'none'})
payload = b'x' * size
lat = []
errors = {}
def make_cb(t0):
    def cb(err, msg):
        if err is not None:
            errors[err.name()] = errors.get(err.name(), 0) + 1
        else:
            lat.append((time.perf_counter() - t0) * 1000)
    return cb
start = time.perf_counter()
sent = 0
for i in range(n):
    while True:
        try:
            p.produce(topic, payload, on_delivery=make_cb(time.perf_counter()))
            break
        except BufferError:
            p.poll(0.001)
    sent += 1
    if i % 5000 == 0:
        p.poll(0)
        if time.perf_counter() - start > limit_s:
            break
p.flush(120)
elapsed = time.perf_counter() - start
lat.sort()
def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0
print(json.dumps({'sent': sent, 'n': len(lat), 'errors': errors, 'elapsed': elapsed, 'avg': sum(lat) / max(1, len(lat)), 'max': lat[-1] if lat else 0,
                  'p50': pct(0.5), 'p95': pct(0.95), 'p99': pct(0.99), 'p999': pct(0.999)}))
`;
import { CONSUMER, runPython } from './librdkafka.js';

interface ProducerResult {
  sent: number;
  n: number;
  errors: Record<string, number>;
  elapsed: number;
  avg: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

interface Case {
  label: string;
  replicationFactor: number;
  acks: string;
  topicConfig: Record<string, string>;
}

const CASES: readonly Case[] = [
  { label: '(a) RF=1 acks=1 [reference]', replicationFactor: 1, acks: '1', topicConfig: {} },
  { label: '(b) RF=3 acks=1', replicationFactor: 3, acks: '1', topicConfig: {} },
  { label: '(c) RF=3 acks=all', replicationFactor: 3, acks: 'all', topicConfig: {} },
  { label: '(d) RF=3 acks=all min.insync.replicas=2', replicationFactor: 3, acks: 'all', topicConfig: { 'min.insync.replicas': '2' } },
];

function lastJson<T>(out: string): T {
  return JSON.parse(out.trim().split('\n').at(-1)!) as T;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ReplicaView {
  brokerId: number;
  isLeader: boolean;
  leo: bigint;
  hw: bigint;
}

function replicaViews(cluster: EmbeddedCluster, topic: string, partition: number): ReplicaView[] {
  const views: ReplicaView[] = [];
  for (const b of cluster.brokers) {
    const p = b.replicaManager.getPartition(topic, partition);
    if (p?.log == null) continue;
    views.push({ brokerId: b.brokerId, isLeader: p.isLeader, leo: p.log.logEndOffset, hw: p.log.highWatermark });
  }
  return views;
}

/**
 * Waits (bounded) until every partition has a leader whose committed ISR holds all `rf` replicas, every
 * replica has its log, and every broker's metadata names the leaders.
 */
async function waitForTopic(cluster: EmbeddedCluster, topic: string, partitions: number, rf: number, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    let ready = true;
    for (let p = 0; p < partitions && ready; p++) {
      const views = replicaViews(cluster, topic, p);
      const leader = cluster.brokers.map((b) => b.replicaManager.getPartition(topic, p)).find((x) => x?.isLeader === true);
      ready = views.length === rf && leader !== undefined && leader.isr.length === rf;
    }
    // Clients learn leaders from any broker's metadata cache: all of them must name every leader,
    // or librdkafka leaves a partition out of its partitioner until its next metadata refresh.
    ready &&= cluster.brokers.every((b) => {
      const t = b.metadata.snapshot().topics.get(topic);
      return t !== undefined && t.partitions.length === partitions && t.partitions.every((p) => p.leader >= 0 && p.isr.length === rf);
    });
    if (ready) return;
    if (performance.now() > deadline) throw new Error(`topic ${topic}: replicas not ready after ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** Waits (bounded) until all replicas of every partition agree on LEO and HW; returns the wait and a summary line. */
async function waitForConvergence(cluster: EmbeddedCluster, topic: string, partitions: number, timeoutMs: number): Promise<{ waitedMs: number; converged: boolean; line: string }> {
  const t0 = performance.now();
  for (;;) {
    const perPartition = Array.from({ length: partitions }, (_, p) => replicaViews(cluster, topic, p));
    const converged = perPartition.every((vs) => vs.length > 0 && vs.every((v) => v.leo === vs[0]!.leo && v.hw === vs[0]!.hw && v.hw === v.leo));
    const waitedMs = performance.now() - t0;
    if (converged || waitedMs > timeoutMs) {
      const line = perPartition
        .map((vs, p) => `p${p} ` + vs.map((v) => `b${v.brokerId}${v.isLeader ? '*' : ''} ${v.leo}/${v.hw}`).join(', '))
        .join('; ');
      return { waitedMs, converged, line };
    }
    await sleep(5);
  }
}

function perfLine(r: ProducerResult, size: number): { line: string; rps: number } {
  const rps = r.n / r.elapsed;
  const mbps = (rps * size) / (1 << 20);
  const errs = Object.entries(r.errors);
  const notes = errs.length > 0 ? [`errors: ${errs.map(([k, c]) => `${k} x${c}`).join(', ')}`] : [];
  return {
    rps,
    line:
      `${r.n} records sent, ${rps.toFixed(1)} records/sec (${mbps.toFixed(2)} MB/sec), ${r.avg.toFixed(2)} ms avg latency, ${r.max.toFixed(2)} ms max latency, ` +
      `${r.p50.toFixed(0)} ms 50th, ${r.p95.toFixed(0)} ms 95th, ${r.p99.toFixed(0)} ms 99th, ${r.p999.toFixed(0)} ms 99.9th.${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`,
  };
}

const fmtLoad = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'records-1k': { type: 'string' },
      'records-100': { type: 'string' },
      partitions: { type: 'string' },
      'case-limit-s': { type: 'string' },
    },
  });
  const n1k = Number(values['records-1k'] ?? 300_000);
  const n100 = Number(values['records-100'] ?? 1_000_000);
  const partitions = Number(values.partitions ?? 4);
  const limitS = Number(values['case-limit-s'] ?? 60);
  for (const [name, v] of [['records-1k', n1k], ['records-100', n100], ['partitions', partitions], ['case-limit-s', limitS]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`--${name} must be a non-negative integer, got ${v}`);
  }

  const cluster = await startCluster({ brokers: 3, logger: createLogger({ level: 'warn' }) });
  console.log(`embedded keeper + 3 brokers started in ${cluster.startupMs.toFixed(0)} ms; bootstrap ${cluster.bootstrapServers}`);
  console.log(`node ${process.version}, load average at start: ${fmtLoad()}; ${partitions} partitions per topic, each case limited to ${limitS} s`);
  try {
    for (const [size, n] of [[1024, n1k], [100, n100]] as const) {
      if (n === 0) continue;
      console.log(`\n# ${n} records of ${size} B`);
      let reference = 0;
      let consumeTopic = '';
      let consumeCount = 0;
      for (const c of CASES) {
        const topic = `repl-${size}-rf${c.replicationFactor}-acks${c.acks}${c.topicConfig['min.insync.replicas'] !== undefined ? '-misr' + c.topicConfig['min.insync.replicas'] : ''}`;
        await runPython(CREATE_TOPIC, [cluster.bootstrapServers, topic, String(partitions), String(c.replicationFactor), JSON.stringify(c.topicConfig)]);
        await waitForTopic(cluster, topic, partitions, c.replicationFactor, 15_000);
        const cpu0 = process.cpuUsage();
        const r = lastJson<ProducerResult>(await runPython(PRODUCER, [cluster.bootstrapServers, topic, String(n), String(size), c.acks, String(limitS)]));
        const cpu = process.cpuUsage(cpu0);
        const { line, rps } = perfLine(r, size);
        if (reference === 0) reference = rps;
        const cut = r.sent < n ? ` [stopped at the ${limitS} s limit after ${r.sent} of ${n}]` : '';
        console.log(`${c.label}: ${line}${cut}`);
        const brokerCpuS = (cpu.user + cpu.system) / 1e6;
        const conv = await waitForConvergence(cluster, topic, partitions, 30_000);
        console.log(
          `    ${(rps / reference).toFixed(2)}x reference; brokers' process CPU ${brokerCpuS.toFixed(1)} s (${((brokerCpuS * 1000 * (1 << 20)) / Math.max(1, r.n * size)).toFixed(0)} ms per MB acked); ` +
            `replicas ${conv.converged ? 'equal' : 'NOT EQUAL'} ${conv.waitedMs.toFixed(0)} ms after the last ack`,
        );
        console.log(`    LEO/HW (* = leader): ${conv.line}`);
        if (c.replicationFactor === 3 && c.acks === 'all' && consumeTopic === '') {
          consumeTopic = topic;
          consumeCount = r.n;
        }
      }
      if (consumeTopic !== '') {
        const r = lastJson<{ n: number; bytes: number; elapsed: number }>(await runPython(CONSUMER, [cluster.bootstrapServers, consumeTopic, String(consumeCount), `replication-perf-${consumeTopic}`, String(limitS)]));
        const mb = r.bytes / (1 << 20);
        console.log(`consume ${consumeTopic} (RF=3, from the leaders): data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec`);
        console.log(`    ${mb.toFixed(1)}, ${(mb / r.elapsed).toFixed(2)}, ${r.n}, ${(r.n / r.elapsed).toFixed(1)}`);
      }
    }
    console.log(`\nload average at end: ${fmtLoad()}`);
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
