/**
 * Protocol codec throughput: encode/decode of a Produce request and a Fetch response carrying
 * 1 MiB of records, a metadata-heavy response (many small fields), and CRC32C (native and
 * fallback) next to a plain Buffer.copy of the same bytes, all in one run. Never part of npm test.
 *
 *   npm run build && node dist/bench/protocol/run.js [--seconds 1]
 *
 * Run the compiled output, as the broker runs: under tsx every `rt.x` call of the generated
 * codecs goes through a module-namespace getter, which made field-heavy encodes several times
 * slower than they are.
 *
 * Lines follow kafka-producer-perf-test's shape: "N ops, X ops/sec (Y MB/sec), A ms avg
 * latency, M ms max latency".
 */
import { randomFillSync } from 'node:crypto';
import { Reader, Writer } from '../../src/util/bytes.js';
import { crc32cFallback, crc32cNative } from '../../src/util/crc32c.js';
import {
  ApiKey, decodeRequest, decodeResponse, encodeRequestChunks, encodeRequestFrame, encodeResponse, encodeResponseChunks,
} from '../../src/protocol/api.js';
import { createProduceRequest } from '../../src/protocol/generated/produce.js';
import { createFetchResponse, createFetchResponseFetchableTopicResponse, createFetchResponsePartitionData } from '../../src/protocol/generated/fetch.js';
import {
  createMetadataResponse, createMetadataResponseBroker, createMetadataResponsePartition, createMetadataResponseTopic,
  decodeMetadataResponse, encodeMetadataResponse,
} from '../../src/protocol/generated/metadata.js';

const MiB = 1024 * 1024;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const seconds = arg('--seconds', 1);

interface Result {
  readonly name: string;
  readonly ops: number;
  readonly opsPerSec: number;
  readonly mbPerSec: number;
}

/** Runs `fn` repeatedly for about `seconds` (after a warm-up) and prints one perf-test line. */
function measure(name: string, bytesPerOp: number, fn: () => unknown): Result {
  const warmUntil = performance.now() + Math.min(300, seconds * 300);
  while (performance.now() < warmUntil) fn();
  let ops = 0;
  let maxMs = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  let now = start;
  while (now < end) {
    const t0 = now;
    fn();
    now = performance.now();
    const ms = now - t0;
    if (ms > maxMs) maxMs = ms;
    ops++;
  }
  const elapsedS = (now - start) / 1000;
  const opsPerSec = ops / elapsedS;
  const mbPerSec = (opsPerSec * bytesPerOp) / MiB;
  console.log(
    `${name}: ${ops} ops, ${opsPerSec.toFixed(1)} ops/sec (${mbPerSec.toFixed(1)} MB/sec), ` +
      `${((elapsedS * 1000) / ops).toFixed(4)} ms avg latency, ${maxMs.toFixed(3)} ms max latency`,
  );
  return { name, ops, opsPerSec, mbPerSec };
}

const records = randomFillSync(Buffer.allocUnsafe(MiB));
const copyTarget = Buffer.allocUnsafe(MiB);

console.log(`# protocol bench, node ${process.version}, ${seconds} s per case, payload ${records.length} bytes`);
measure('reference Buffer.copy 1 MiB', MiB, () => records.copy(copyTarget));

// Produce v9 (flexible) and v3 (classic): one topic, one partition, 1 MiB record set.
for (const version of [3, 9]) {
  const header = { requestApiKey: ApiKey.Produce, requestApiVersion: version, correlationId: 1, clientId: 'bench' };
  const body = createProduceRequest({
    acks: -1,
    timeoutMs: 30000,
    topicData: [{ name: 'bench-topic', partitionData: [{ index: 0, records }] }],
  });
  const frame = encodeRequestFrame(header, body, { initialBytes: MiB + 256 });
  const payload = frame.subarray(4);
  measure(`Produce v${version} request encode, one buffer (1 MiB records copied)`, MiB, () =>
    encodeRequestFrame(header, body, { initialBytes: MiB + 256 }),
  );
  measure(`Produce v${version} request encode, chunks (1 MiB records zero-copy)`, MiB, () => encodeRequestChunks(header, body));
  measure(`Produce v${version} request decode (1 MiB records, zero-copy)`, MiB, () => decodeRequest(payload));
}

// Fetch v12 / v16 response: one topic, one partition, 1 MiB of stored batches.
for (const version of [12, 16]) {
  const body = createFetchResponse({
    responses: [
      createFetchResponseFetchableTopicResponse({
        topic: 'bench-topic',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        partitions: [createFetchResponsePartitionData({ highWatermark: 1000n, lastStableOffset: 1000n, logStartOffset: 0n, records })],
      }),
    ],
  });
  const bytes = Buffer.from(encodeResponse(ApiKey.Fetch, version, 1, body));
  measure(`Fetch v${version} response encode, one buffer (1 MiB records copied)`, MiB, () =>
    encodeResponse(ApiKey.Fetch, version, 1, body, { initialBytes: MiB + 256 }),
  );
  measure(`Fetch v${version} response encode, chunks (1 MiB records zero-copy)`, MiB, () => encodeResponseChunks(ApiKey.Fetch, version, 1, body));
  measure(`Fetch v${version} response decode (1 MiB records, zero-copy)`, MiB, () => decodeResponse(ApiKey.Fetch, version, bytes));
}

// A field-heavy message: Metadata v12 response for 100 topics x 10 partitions, 3 brokers.
{
  const body = createMetadataResponse({
    brokers: [0, 1, 2].map((id) => createMetadataResponseBroker({ nodeId: id, host: `broker-${id}.local`, port: 9092 + id, rack: null })),
    clusterId: 'gregor-cluster',
    controllerId: 0,
    topics: Array.from({ length: 100 }, (_, t) =>
      createMetadataResponseTopic({
        name: `topic-${t}`,
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        partitions: Array.from({ length: 10 }, (_, p) =>
          createMetadataResponsePartition({ partitionIndex: p, leaderId: p % 3, leaderEpoch: 1, replicaNodes: [0, 1, 2], isrNodes: [0, 1, 2] }),
        ),
      }),
    ),
  });
  const w = new Writer();
  encodeMetadataResponse(w, 12, body);
  const bytes = Buffer.from(w.finish());
  measure(`Metadata v12 response encode (100 topics x 10 partitions, ${bytes.length} bytes)`, bytes.length, () => {
    const x = new Writer(bytes.length + 64);
    encodeMetadataResponse(x, 12, body);
  });
  measure(`Metadata v12 response decode (100 topics x 10 partitions, ${bytes.length} bytes)`, bytes.length, () =>
    decodeMetadataResponse(new Reader(bytes), 12),
  );
}

// CRC32C over the same 1 MiB, next to the Buffer.copy reference above.
if (crc32cNative !== null) {
  const native = crc32cNative;
  measure('CRC32C native (@node-rs/crc32) 1 MiB', MiB, () => native(records));
} else {
  console.log('CRC32C native: not available on this machine');
}
measure('CRC32C fallback (table-driven JS) 1 MiB', MiB, () => crc32cFallback(records));
measure('reference Buffer.copy 1 MiB (again, after the run)', MiB, () => records.copy(copyTarget));
