/**
 * Broker produce throughput with librdkafka (confluent_kafka on /usr/bin/python3) as the load
 * generator, printed in kafka-producer-perf-test's format, next to the raw disk-write ceiling
 * of the same machine measured in the same run (sequential 1 MiB appends to a file in the data
 * directory, then fsync).
 *
 *   npm run build && node dist/bench/broker/producer-perf.js [--records-100 1000000] [--records-1k 300000]
 *
 * The broker (keeper + 1 broker, embedded) runs in this process; the producer is a separate
 * process, as in a real deployment.
 */
import { spawn } from 'node:child_process';
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { createLogger } from '../../src/util/logger.js';

const PRODUCER = `
import sys, time, json
from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
bs, topic, n, size, acks = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
a = AdminClient({'bootstrap.servers': bs})
for f in a.create_topics([NewTopic(topic, 4, 1)]).values():
    f.result()
time.sleep(0.3)
p = Producer({'bootstrap.servers': bs, 'acks': acks, 'linger.ms': 5, 'batch.size': 1048576, 'batch.num.messages': 100000,
              'queue.buffering.max.messages': 1000000, 'queue.buffering.max.kbytes': 1048576, 'compression.type': 'none'})
payload = b'x' * size
lat = []
errors = [0]
def make_cb(t0):
    def cb(err, msg):
        if err is not None:
            errors[0] += 1
        else:
            lat.append((time.perf_counter() - t0) * 1000)
    return cb
start = time.perf_counter()
for i in range(n):
    while True:
        try:
            p.produce(topic, payload, on_delivery=make_cb(time.perf_counter()))
            break
        except BufferError:
            p.poll(0.001)
    if i % 5000 == 0:
        p.poll(0)
p.flush(300)
elapsed = time.perf_counter() - start
lat.sort()
def pct(q):
    return lat[min(len(lat) - 1, int(q * len(lat)))] if lat else 0
print(json.dumps({'n': len(lat), 'errors': errors[0], 'elapsed': elapsed, 'avg': sum(lat) / max(1, len(lat)), 'max': lat[-1] if lat else 0,
                  'p50': pct(0.5), 'p95': pct(0.95), 'p99': pct(0.99), 'p999': pct(0.999)}))
`;

function runProducer(bootstrap: string, topic: string, n: number, size: number, acks: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', PRODUCER, bootstrap, topic, String(n), String(size), acks], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`producer exited ${code}`))));
  });
}

/** Sequential 1 MiB writes of `bytes` to a file, then fsync: the disk-write ceiling. */
function diskCeiling(dir: string, bytes: number): { bufferedMBps: number; syncedMBps: number } {
  const path = join(dir, 'disk-ceiling.bin');
  const chunk = Buffer.alloc(1 << 20, 120);
  const fd = openSync(path, 'w');
  const t0 = performance.now();
  for (let written = 0; written < bytes; written += chunk.length) writeSync(fd, chunk);
  const t1 = performance.now();
  fsyncSync(fd);
  const t2 = performance.now();
  closeSync(fd);
  rmSync(path);
  const mb = bytes / (1 << 20);
  return { bufferedMBps: mb / ((t1 - t0) / 1000), syncedMBps: mb / ((t2 - t0) / 1000) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'records-100': { type: 'string' }, 'records-1k': { type: 'string' } } });
  const n100 = Number(values['records-100'] ?? 1_000_000);
  const n1k = Number(values['records-1k'] ?? 300_000);
  const cluster = await startCluster({ logger: createLogger({ level: 'warn' }) });
  console.log(`embedded keeper + broker started in ${cluster.startupMs.toFixed(0)} ms; bootstrap ${cluster.bootstrapServers}; data ${cluster.dataDir}`);
  try {
    for (const [size, n] of [[100, n100], [1024, n1k]] as const) {
      const ceiling = diskCeiling(cluster.dataDir, Math.max(size * n, 64 << 20));
      console.log(`\n# ${size} B records; disk-write ceiling here: ${ceiling.bufferedMBps.toFixed(1)} MB/sec buffered, ${ceiling.syncedMBps.toFixed(1)} MB/sec including fsync`);
      for (const acks of ['1', 'all']) {
        const r = await runProducer(cluster.bootstrapServers, `perf-${size}-${acks}`, n, size, acks);
        const rps = r.n / r.elapsed;
        const mbps = (rps * size) / (1 << 20);
        console.log(
          `acks=${acks}: ${r.n} records sent, ${rps.toFixed(1)} records/sec (${mbps.toFixed(2)} MB/sec), ${r.avg.toFixed(2)} ms avg latency, ${r.max.toFixed(2)} ms max latency, ` +
            `${r.p50.toFixed(0)} ms 50th, ${r.p95.toFixed(0)} ms 95th, ${r.p99.toFixed(0)} ms 99th, ${r.p999.toFixed(0)} ms 99.9th.${r.errors > 0 ? ` (${r.errors} errors)` : ''}`,
        );
      }
    }
  } finally {
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
