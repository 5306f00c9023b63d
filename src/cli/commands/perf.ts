/**
 * `gregor perf produce|consume`: kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh,
 * with their options and output lines.
 */
import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Consumer } from '../../client/consumer/consumer.js';
import type { ConsumerConfig } from '../../client/consumer/config.js';
import { Producer } from '../../client/producer/producer.js';
import type { ProducerConfig } from '../../client/producer/config.js';
import { flag, int, keyValues, parseKafkaArgs, readPropertiesFile, str, UsageError, type ParsedOptions } from '../kafka/args.js';
import { applyConsumerProps, applyProducerProps } from '../kafka/client-props.js';
import { bootstrapOf, runTool } from '../kafka/run.js';

const HELP = `Usage: gregor perf produce --topic TOPIC --num-records N --record-size BYTES --throughput N --producer-props KEY=VALUE...
       gregor perf consume --bootstrap-server HOST:PORT --topic TOPIC --messages N [options]

Load tests in the format of kafka-producer-perf-test.sh and kafka-consumer-perf-test.sh.

perf produce options:
  --topic TOPIC                  the topic to produce to
  --num-records N                how many records
  --record-size BYTES            the size of each record (or --payload-file)
  --payload-file FILE            records taken at random from FILE, split by --payload-delimiter (default \\n)
  --throughput N                 at most N records/sec; -1 = no limit
  --producer-props K=V ...       producer properties (bootstrap.servers is required here or in --producer.config)
  --producer.config FILE         producer properties file
  --bootstrap-server HOST:PORT   shorthand for bootstrap.servers
  --print-metrics                print the producer's counters at the end

perf consume options:
  --bootstrap-server HOST:PORT   the broker(s) to connect to
  --topic TOPIC                  the topic to consume
  --messages N                   how many records to consume
  --group GROUP                  consumer group (default perf-consumer-N)
  --fetch-size BYTES             max.partition.fetch.bytes (default 1048576)
  --timeout MS                   give up after MS without records (default 10000)
  --from-latest                  start at the end instead of the beginning
  --show-detailed-stats          a line every --reporting-interval ms (default 5000)
  --hide-header                  no header line
  --threads, --num-fetch-threads accepted and ignored (deprecated in Kafka 3)
  --consumer.config FILE         consumer properties file
  --print-metrics                print the consumer's counters at the end

Examples:
  gregor perf produce --topic perf --num-records 1000000 --record-size 1024 --throughput -1 --producer-props bootstrap.servers=localhost:9092 acks=1
  gregor perf produce --topic perf --num-records 100000 --record-size 100 --throughput 10000 --producer-props bootstrap.servers=localhost:9092 compression.type=lz4
  gregor perf consume --bootstrap-server localhost:9092 --topic perf --messages 1000000`;

const PRODUCE_SPEC = {
  topic: { type: 'string' },
  'num-records': { type: 'string' },
  'record-size': { type: 'string' },
  'payload-file': { type: 'string' },
  'payload-delimiter': { type: 'string' },
  throughput: { type: 'string' },
  'producer-props': { type: 'string', greedy: true },
  'producer.config': { type: 'string' },
  'bootstrap-server': { type: 'string' },
  'print-metrics': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

const CONSUME_SPEC = {
  'bootstrap-server': { type: 'string' },
  'broker-list': { type: 'string' },
  topic: { type: 'string' },
  messages: { type: 'string' },
  group: { type: 'string' },
  'fetch-size': { type: 'string' },
  timeout: { type: 'string' },
  'from-latest': { type: 'boolean' },
  'show-detailed-stats': { type: 'boolean' },
  'reporting-interval': { type: 'string' },
  'hide-header': { type: 'boolean' },
  'consumer.config': { type: 'string' },
  'num-fetch-threads': { type: 'string' },
  threads: { type: 'string' },
  'print-metrics': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export async function run(args: string[]): Promise<number> {
  const [mode, ...rest] = args;
  if (mode === undefined || mode === '--help' || mode === '-h') {
    console.log(HELP);
    return mode === undefined ? 1 : 0;
  }
  if (mode === 'produce') return runTool(HELP, 'ERROR ', () => producePerf(parseKafkaArgs(rest, PRODUCE_SPEC)));
  if (mode === 'consume') return runTool(HELP, 'ERROR ', () => consumePerf(parseKafkaArgs(rest, CONSUME_SPEC)));
  console.error(`unknown perf mode '${mode}' (produce or consume)\n${HELP}`);
  return 1;
}

function required(o: ParsedOptions, name: string): number {
  const v = int(o, name);
  if (v === undefined) throw new UsageError(`Missing required argument "[${name}]"`);
  return v;
}

/** Kafka's ProducerPerformance.Stats: a window line every 5 s, percentiles over sampled latencies at the end. */
export class ProducerStats {
  private readonly startMs = performance.now();
  private windowStartMs = this.startMs;
  private count = 0;
  private bytes = 0;
  private totalLatencyMs = 0;
  private maxLatencyMs = 0;
  private windowCount = 0;
  private windowBytes = 0;
  private windowLatencyMs = 0;
  private windowMaxLatencyMs = 0;
  private readonly samples: number[];
  private readonly sampling: number;
  private index = 0;

  constructor(numRecords: number, private readonly reportingIntervalMs = 5000, private readonly print: (s: string) => void = console.log) {
    this.sampling = Math.max(1, Math.floor(numRecords / Math.min(numRecords, 500000)));
    this.samples = [];
  }

  record(latencyMs: number, bytes: number, nowMs: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatencyMs += latencyMs;
    this.maxLatencyMs = Math.max(this.maxLatencyMs, latencyMs);
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowLatencyMs += latencyMs;
    this.windowMaxLatencyMs = Math.max(this.windowMaxLatencyMs, latencyMs);
    if (this.index++ % this.sampling === 0) this.samples.push(latencyMs);
    if (nowMs - this.windowStartMs >= this.reportingIntervalMs) {
      const elapsed = nowMs - this.windowStartMs;
      this.print(`${this.windowCount} records sent, ${(1000 * this.windowCount / elapsed).toFixed(1)} records/sec (${(1000 * this.windowBytes / elapsed / 1024 / 1024).toFixed(2)} MB/sec), ${(this.windowLatencyMs / this.windowCount).toFixed(1)} ms avg latency, ${this.windowMaxLatencyMs.toFixed(1)} ms max latency.`);
      this.windowStartMs = nowMs;
      this.windowCount = 0;
      this.windowBytes = 0;
      this.windowLatencyMs = 0;
      this.windowMaxLatencyMs = 0;
    }
  }

  summary(nowMs: number): { line: string; recordsPerSec: number; mbPerSec: number } {
    const elapsed = Math.max(1, nowMs - this.startMs);
    const recordsPerSec = 1000 * this.count / elapsed;
    const mbPerSec = 1000 * this.bytes / elapsed / 1024 / 1024;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const pct = (p: number): number => Math.trunc(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
    const line = `${this.count} records sent, ${recordsPerSec.toFixed(6)} records/sec (${mbPerSec.toFixed(2)} MB/sec), ${(this.totalLatencyMs / Math.max(1, this.count)).toFixed(2)} ms avg latency, ${this.maxLatencyMs.toFixed(2)} ms max latency, ${pct(0.5)} ms 50th, ${pct(0.95)} ms 95th, ${pct(0.99)} ms 99th, ${pct(0.999)} ms 99.9th.`;
    return { line, recordsPerSec, mbPerSec };
  }
}

async function producePerf(o: ParsedOptions): Promise<number> {
  if (flag(o, 'help')) {
    console.log(HELP);
    return 0;
  }
  const topic = str(o, 'topic');
  if (topic === undefined) throw new UsageError('Missing required argument "[topic]"');
  const numRecords = required(o, 'num-records');
  const throughput = required(o, 'throughput');
  const recordSize = int(o, 'record-size');
  let payloads: Buffer[];
  if (str(o, 'payload-file') !== undefined) {
    const delimiter = str(o, 'payload-delimiter') ?? '\n';
    payloads = (await readFile(str(o, 'payload-file')!, 'utf8')).split(delimiter).filter((s) => s !== '').map((s) => Buffer.from(s));
    if (payloads.length === 0) throw new UsageError('File is empty');
  } else {
    if (recordSize === undefined) throw new UsageError('Either --record-size or --payload-file must be specified but not both.');
    // As Kafka: one payload of random uppercase letters, reused for every record.
    const p = Buffer.allocUnsafe(recordSize);
    for (let i = 0; i < recordSize; i++) p[i] = 65 + randomInt(26);
    payloads = [p];
  }
  const config: Partial<ProducerConfig> = { clientId: 'perf-producer-client' };
  if (str(o, 'producer.config') !== undefined) applyProducerProps(config, await readPropertiesFile(str(o, 'producer.config')!));
  applyProducerProps(config, keyValues(o.get('producer-props'), 'producer-props'));
  if (str(o, 'bootstrap-server') !== undefined) config.bootstrapServers = str(o, 'bootstrap-server');
  if (config.bootstrapServers === undefined) throw new UsageError('bootstrap.servers must be given in --producer-props, --producer.config or --bootstrap-server');
  const producer = new Producer(config as ProducerConfig);
  const stats = new ProducerStats(numRecords);
  const startMs = performance.now();
  let failed: Error | null = null;
  try {
    for (let i = 0; i < numRecords && failed === null; i++) {
      const value = payloads.length === 1 ? payloads[0]! : payloads[randomInt(payloads.length)]!;
      const sendMs = performance.now();
      await producer.enqueue({ topic, value, key: null }, (err) => {
        const now = performance.now();
        if (err !== null) failed ??= err;
        else stats.record(now - sendMs, value.length, now);
      });
      if (throughput > 0) {
        // Kafka's ThroughputThrottler: sleep when ahead of the target rate.
        const aheadMs = (i + 1) * 1000 / throughput - (performance.now() - startMs);
        if (aheadMs > 2) await new Promise((r) => setTimeout(r, aheadMs));
      }
    }
    await producer.flush();
  } finally {
    await producer.close();
  }
  if (failed !== null) throw failed;
  console.log(stats.summary(performance.now()).line);
  if (flag(o, 'print-metrics')) {
    const m = producer.metrics();
    printMetrics('producer-metrics', 'perf-producer-client', {
      'record-send-total': m.recordsSent, 'batch-send-total': m.batchesSent, 'request-total': m.requestsSent,
      'record-retry-total': m.retries, 'record-error-total': m.recordErrors, 'producer-id-reset-total': m.producerIdResets,
      ...Object.fromEntries(Object.entries(m.retriesByCause).map(([k, v]) => [`record-retry-total-${k}`, v])),
    });
  }
  return 0;
}

/** Kafka's --print-metrics layout: `group:name:{client-id=...}  : value`, names aligned. */
function printMetrics(group: string, clientId: string, metrics: Record<string, number>): void {
  const rows = Object.entries(metrics).map(([name, v]) => [`${group}:${name}:{client-id=${clientId}}`, v.toFixed(3)] as const);
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`\n${'Metric Name'.padEnd(width)}  Value`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)} : ${v}`);
}

/** kafka-consumer-perf-test's time format: yyyy-MM-dd HH:mm:ss:SSS (local time). */
function formatTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}:${p(d.getMilliseconds(), 3)}`;
}

export const CONSUMER_PERF_HEADER = 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

async function consumePerf(o: ParsedOptions): Promise<number> {
  if (flag(o, 'help')) {
    console.log(HELP);
    return 0;
  }
  const topic = str(o, 'topic');
  if (topic === undefined) throw new UsageError('Missing required argument "[topic]"');
  const messages = required(o, 'messages');
  const timeoutMs = int(o, 'timeout') ?? 10000;
  const reportingIntervalMs = int(o, 'reporting-interval') ?? 5000;
  const config: Partial<ConsumerConfig> = {
    clientId: 'perf-consumer-client',
    groupId: str(o, 'group') ?? `perf-consumer-${randomInt(100000)}`,
    autoOffsetReset: flag(o, 'from-latest') ? 'latest' : 'earliest',
    enableAutoCommit: false,
    maxPartitionFetchBytes: int(o, 'fetch-size') ?? 1048576,
    maxPollRecords: 10000,
  };
  if (str(o, 'consumer.config') !== undefined) applyConsumerProps(config, await readPropertiesFile(str(o, 'consumer.config')!));
  const consumer = new Consumer({ ...config, bootstrapServers: config.bootstrapServers ?? bootstrapOf(o, HELP) });
  let joinedMs = 0;
  const startMs = Date.now();
  const startPerf = performance.now();
  let count = 0;
  let bytes = 0;
  let lastRecordMs = performance.now();
  let lastReportMs = performance.now();
  let lastReportCount = 0;
  let lastReportBytes = 0;
  if (!flag(o, 'hide-header')) console.log(flag(o, 'show-detailed-stats') ? 'time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec' : CONSUMER_PERF_HEADER);
  // The clock stops when the last record is in, before close() (LeaveGroup, the parked fetch), as
  // ConsumerPerformance takes endMs before closing its consumer.
  let endPerf = 0;
  try {
    consumer.subscribe([topic], { onPartitionsAssigned: () => void (joinedMs ||= performance.now()) });
    while (count < messages && performance.now() - lastRecordMs < timeoutMs) {
      const records = await consumer.poll({ timeoutMs: 1000 });
      if (records.length > 0) lastRecordMs = performance.now();
      for (const r of records) {
        if (count >= messages) break;
        count++;
        bytes += (r.value?.length ?? 0) + (r.key?.length ?? 0);
      }
      const now = performance.now();
      if (flag(o, 'show-detailed-stats') && now - lastReportMs >= reportingIntervalMs) {
        const mb = (bytes - lastReportBytes) / 1024 / 1024;
        const s = (now - lastReportMs) / 1000;
        console.log(`${formatTime(Date.now())}, 0, ${(bytes / 1024 / 1024).toFixed(4)}, ${(mb / s).toFixed(4)}, ${count}, ${((count - lastReportCount) / s).toFixed(4)}, 0, 0, 0.0000, 0.0000`);
        lastReportMs = now;
        lastReportCount = count;
        lastReportBytes = bytes;
      }
    }
    endPerf = performance.now();
  } finally {
    await consumer.close();
  }
  const printConsumerMetrics = (): void => {
    if (flag(o, 'print-metrics')) printMetrics('consumer-fetch-manager-metrics', 'perf-consumer-client', { 'records-consumed-total': count, 'bytes-consumed-total': bytes });
  };
  if (count < messages) console.error(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.`);
  const totalS = (endPerf - startPerf) / 1000;
  const rebalanceMs = Math.round((joinedMs || startPerf) - startPerf);
  const fetchS = Math.max(0.001, totalS - rebalanceMs / 1000);
  const mb = bytes / 1024 / 1024;
  console.log(`${formatTime(startMs)}, ${formatTime(startMs + (endPerf - startPerf))}, ${mb.toFixed(4)}, ${(mb / totalS).toFixed(4)}, ${count}, ${(count / totalS).toFixed(4)}, ${rebalanceMs}, ${Math.round(fetchS * 1000)}, ${(mb / fetchS).toFixed(4)}, ${(count / fetchS).toFixed(4)}`);
  printConsumerMetrics();
  return count < messages ? 1 : 0;
}
