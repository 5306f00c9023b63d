/**
 * What the broker benches share: running a confluent_kafka (librdkafka) script on Debian's
 * /usr/bin/python3, and the consumer load that reads a topic and reports what it read.
 */
import { spawn } from 'node:child_process';

/** Runs `script` with `args`; resolves with its stdout (stderr is passed through). */
export function runPython(script: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`python exited ${code}`))));
  });
}

/**
 * argv: bootstrap, topic, records, group id, time limit in seconds ('inf': none). Prints
 * {"n", "bytes", "elapsed"}: the clock starts at the first record, as kafka-consumer-perf-test's fetch time.
 */
export const CONSUMER = `
import sys, time, json
from confluent_kafka import Consumer
bs, topic, n, group, limit_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
c = Consumer({'bootstrap.servers': bs, 'group.id': group, 'auto.offset.reset': 'earliest', 'enable.auto.commit': False,
              'fetch.max.bytes': 52428800, 'max.partition.fetch.bytes': 1048576, 'queued.max.messages.kbytes': 262144})
c.subscribe([topic])
got = 0
nbytes = 0
start = None
while got < n:
    msgs = c.consume(10000, 10.0)
    if not msgs:
        break
    for m in msgs:
        if m.error() is None:
            if start is None:
                start = time.perf_counter()
            got += 1
            nbytes += len(m.value())
    if start is not None and time.perf_counter() - start > limit_s:
        break
elapsed = time.perf_counter() - (start or time.perf_counter())
c.close()
print(json.dumps({'n': got, 'bytes': nbytes, 'elapsed': elapsed}))
`;
