/**
 * Broker fetch throughput with librdkafka (confluent_kafka on /usr/bin/python3) as the consumer,
 * printed in kafka-consumer-perf-test's format, next to the raw read ceiling of the same machine
 * measured in the same run (reading the partition's .log files back with 1 MiB reads).
 *
 *   npm run build && node dist/bench/broker/consumer-perf.js [--mib 1024] [--record-bytes 1024]
 *
 * The topic is filled first (librdkafka producer, acks=1, 4 partitions), then one consumer reads
 * it all from the beginning; the broker (keeper + 1 broker, embedded) runs in this process, the
 * clients in their own processes. What the fetch path costs shows up as MB.sec below the ceiling
 * and as the broker process's CPU time per GiB fetched (the clients' own CPU is not counted).
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { createLogger } from '../../src/util/logger.js';

const PRODUCER = `
import sys
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bs, topic, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic(topic, 4, 1)]).values():
    f.result()
p = Producer({'bootstrap.servers': bs, 'acks': 1, 'linger.ms': 5, 'batch.size': 1048576, 'batch.num.messages': 100000,
              'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576, 'compression.type': 'none'})
payload = b'x' * size
for i in range(n):
    while True:
        try:
            p.produce(topic, payload)
            break
        except BufferError:
            p.poll(0.001)
p.flush(300)
`;
import { CONSUMER, runPython } from './librdkafka.js';

function brokerCpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** kcat reading `n` records from the beginning to /dev/null; returns the seconds it took. */
function runKcat(bootstrap: string, topic: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('kcat', ['-C', '-b', bootstrap, '-t', topic, '-o', 'beginning', '-c', String(n), '-q', '-f', '%o\\n', '-X', 'fetch.max.bytes=52428800'], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`kcat exited ${code}`))));
  });
}

/** Reads every .log file of the topic with 1 MiB reads: the read ceiling (page cache, mostly). */
function readCeiling(dataDir: string, topic: string): { bytes: number; mbps: number } {
  const buf = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const t0 = performance.now();
  for (const logDir of readdirSync(dataDir, { recursive: true, withFileTypes: false }) as string[]) {
    if (!logDir.includes(`${topic}-`) || !logDir.endsWith('.log')) continue;
    const path = join(dataDir, logDir);
    if (!statSync(path).isFile()) continue;
    const fd = openSync(path, 'r');
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) bytes += n;
    closeSync(fd);
  }
  const s = (performance.now() - t0) / 1000;
  return { bytes, mbps: bytes / (1 << 20) / s };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { mib: { type: 'string' }, 'record-bytes': { type: 'string' } } });
  const mib = Number(values.mib ?? 1024);
  const size = Number(values['record-bytes'] ?? 1024);
  const n = Math.floor((mib * (1 << 20)) / size);
  const cluster = await startCluster({ logger: createLogger({ level: 'warn' }) });
  console.log(`embedded keeper + broker started in ${cluster.startupMs.toFixed(0)} ms; bootstrap ${cluster.bootstrapServers}; data ${cluster.dataDir}`);
  try {
    const topic = 'perf-fetch';
    await runPython(PRODUCER, [cluster.bootstrapServers, topic, String(n), String(size)]);
    const ceiling = readCeiling(cluster.dataDir, topic);
    console.log(`# ${n} records of ${size} B; raw read of the partitions' .log files here: ${(ceiling.bytes / (1 << 20)).toFixed(1)} MB at ${ceiling.mbps.toFixed(1)} MB/sec`);
    const cpu0 = process.cpuUsage();
    const r = JSON.parse((await runPython(CONSUMER, [cluster.bootstrapServers, topic, String(n), 'perf', 'inf'])).trim().split('\n').at(-1)!) as { n: number; bytes: number; elapsed: number };
    const cpuPython = brokerCpuMs(cpu0);
    const mb = r.bytes / (1 << 20);
    console.log('data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec');
    console.log(`confluent_kafka: ${mb.toFixed(1)}, ${(mb / r.elapsed).toFixed(2)}, ${r.n}, ${(r.n / r.elapsed).toFixed(1)}${r.n < n ? ` (only ${r.n} of ${n})` : ''}`);
    const cpu1 = process.cpuUsage();
    const k = await runKcat(cluster.bootstrapServers, topic, n);
    const cpuKcat = brokerCpuMs(cpu1);
    const kmb = (n * size) / (1 << 20);
    console.log(`kcat -C (wall clock, process start included): ${kmb.toFixed(1)}, ${(kmb / k).toFixed(2)}, ${n}, ${(n / k).toFixed(1)}`);
    console.log(`broker CPU (keeper + broker process, user+sys) per GiB fetched: ${((cpuPython / mb) * 1024).toFixed(0)} ms (confluent_kafka), ${((cpuKcat / kmb) * 1024).toFixed(0)} ms (kcat)`);
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
