/**
 * Helpers for the replication tests: a quiet 3-broker embedded cluster with replica.* keys
 * small enough for tests, RF=3 topic creation, bounded waits, and a per-batch view of every
 * broker's copy of a partition (base offset, last offset, leader epoch, CRC).
 */
import { startCluster, type EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import type { Broker } from '../../../src/broker/broker.js';
import { lastOffsetOf, readBatchHeader, splitBatches } from '../../../src/protocol/records/index.js';
import { createLogger } from '../../../src/util/logger.js';

export const fastReplication = {
  'replica.fetch.backoff.ms': 50,
  'replica.fetch.wait.max.ms': 200,
  'replica.high.watermark.checkpoint.interval.ms': 500,
} as const;

export async function replicationCluster(brokerConfig: Record<string, string | number | boolean> = {}, brokers = 3): Promise<EmbeddedCluster> {
  return startCluster({ brokers, logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }), brokerConfig: { ...fastReplication, ...brokerConfig } });
}

export async function createReplicatedTopic(broker: Broker, name: string, options: { partitions?: number; replicationFactor?: number; configs?: Record<string, string> } = {}): Promise<void> {
  const [r] = await broker.metadata.createTopics(
    [{ name, numPartitions: options.partitions ?? 1, replicationFactor: options.replicationFactor ?? 3, configs: options.configs ?? {} }],
    { timeoutMs: 15_000 },
  );
  if (r!.errorCode !== 0) throw new Error(`creating ${name}: ${r!.errorCode} ${r!.errorMessage}`);
}

/** Polls `condition` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface BatchView {
  baseOffset: bigint;
  lastOffset: bigint;
  leaderEpoch: number;
  crc: number;
  recordCount: number;
}

/** Every batch of a broker's copy of the partition, from its log start to its LEO. */
export function batchesOf(broker: Broker, topic: string, partition = 0): BatchView[] {
  const log = broker.logs.getLog({ topic, partition });
  if (log === undefined) return [];
  const out: BatchView[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const r = log.read(offset, { maxBytes: 1 << 20, minOneMessage: true, isolation: 'read_uncommitted', upperBound: 'leo' });
    if (r.records.length === 0) break;
    for (const batch of splitBatches(r.records).batches) {
      const h = readBatchHeader(batch);
      const lastOffset = lastOffsetOf(h);
      out.push({ baseOffset: h.baseOffset, lastOffset, leaderEpoch: h.partitionLeaderEpoch, crc: h.crc, recordCount: h.recordCount });
      offset = lastOffset + 1n;
    }
  }
  return out;
}

export function logOf(broker: Broker, topic: string, partition = 0) {
  return broker.logs.getLog({ topic, partition });
}

export function leaderOf(cluster: EmbeddedCluster, topic: string, partition = 0): number {
  return cluster.brokers.find((b) => !isStopped(b))!.metadata.snapshot().topics.get(topic)?.partitions[partition]?.leader ?? -1;
}

const stopped = new WeakSet<Broker>();
export function markStopped(b: Broker): void {
  stopped.add(b);
}
export function isStopped(b: Broker): boolean {
  return stopped.has(b);
}
