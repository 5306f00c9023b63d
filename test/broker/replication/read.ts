/**
 * Reading a partition over the wire, as a consumer would (replicaId -1, read_uncommitted): every
 * record up to the HW the broker answers with, decoded. Uses src/client's BrokerConnection only
 * (the consumer is not involved).
 */
import { BrokerConnection } from '../../../src/client/connection.js';
import { createFetchRequest } from '../../../src/protocol/generated/fetch.js';
import { createProduceRequest } from '../../../src/protocol/generated/produce.js';
import { encodeRecordBatch } from '../../../src/protocol/records/index.js';
import { decodeRecordBatch } from '../../../src/protocol/records/batch.js';
import { splitBatches } from '../../../src/protocol/records/split.js';
import type { Broker } from '../../../src/broker/broker.js';

export interface ReadRecord {
  offset: bigint;
  value: string;
}

export async function connectTo(broker: Broker): Promise<BrokerConnection> {
  const [host, port] = broker.bootstrap.split(':');
  const c = new BrokerConnection({ host: host!, port: Number(port), clientId: 'replication-test', connectTimeoutMs: 5000, requestTimeoutMs: 10_000 });
  await c.connect();
  return c;
}

/** Everything a consumer can read from `broker` (it must lead the partition); bounded by `maxRounds` fetches. */
export async function readAll(broker: Broker, topic: string, partition = 0, maxRounds = 1000): Promise<{ errorCode: number; records: ReadRecord[]; highWatermark: bigint }> {
  const c = await connectTo(broker);
  try {
    const topicId = broker.metadata.snapshot().topics.get(topic)!.topicId.toString('base64url');
    const records: ReadRecord[] = [];
    let offset = 0n;
    let highWatermark = -1n;
    for (let round = 0; round < maxRounds; round++) {
      const res = await c.request('Fetch', createFetchRequest({
        maxWaitMs: 0, minBytes: 0, maxBytes: 4 << 20, sessionEpoch: -1,
        topics: [{ topic, topicId, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }] }],
      }));
      const p = res.responses[0]!.partitions[0]!;
      if (p.errorCode !== 0) return { errorCode: p.errorCode, records, highWatermark };
      highWatermark = p.highWatermark;
      for (const bytes of splitBatches(p.records ?? Buffer.alloc(0)).batches) {
        const batch = decodeRecordBatch(bytes);
        for (const r of batch.records) if (r.offset >= offset) records.push({ offset: r.offset, value: r.value?.toString() ?? '' });
      }
      const next = records.length === 0 ? offset : records.at(-1)!.offset + 1n;
      if (next >= highWatermark || next === offset) return { errorCode: 0, records, highWatermark };
      offset = next;
    }
    return { errorCode: 0, records, highWatermark };
  } finally {
    c.close();
  }
}

/** One Produce of `values` (one batch) to partition 0 of `topic` on `broker`; the partition's error code and base offset. */
export async function produceTo(broker: Broker, topic: string, values: readonly string[], acks: number, timeoutMs = 30_000): Promise<{ errorCode: number; baseOffset: bigint }> {
  const c = await connectTo(broker);
  try {
    const records = encodeRecordBatch({ records: values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: 0n })) });
    const res = await c.request('Produce', createProduceRequest({ acks, timeoutMs, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }] }), { timeoutMs: timeoutMs + 10_000 });
    const p = res.responses[0]!.partitionResponses[0]!;
    return { errorCode: p.errorCode, baseOffset: p.baseOffset };
  } finally {
    c.close();
  }
}
