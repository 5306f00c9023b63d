/**
 * Producer-id blocks for InitProducerId (Kafka's ZkProducerIdManager): brokers hand out ids
 * from blocks of 1000 claimed through `/latest_producer_id_block`
 * ({"version":1,"broker":1,"block_start":"0","block_end":"999"}). A claim reads the latest
 * block and writes the next one conditionally on the version read, so two brokers can never
 * claim the same block; the loser reads again.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ZkErrorCode } from '../../jute/constants.js';
import { decodeProducerIdBlock, encodeProducerIdBlock, type ProducerIdBlockRecord } from '../zk/codecs.js';
import type { KeeperSession } from '../zk/keeper-port.js';
import { createRecursive, isKeeperError } from '../zk/kafka-zk-client.js';
import { ZkPaths } from '../zk/paths.js';
import type { ProducerIdBlock } from './metadata-service.js';

/** Kafka's ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;
/** Conflicting claims before giving up (each conflict means another broker got a block). */
const MAX_CLAIM_ATTEMPTS = 100;
const INT64_MAX = 0x7fffffffffffffffn;

/** The block after `latest` (the first block, 0..999, when there is none). */
export function nextProducerIdBlock(latest: ProducerIdBlockRecord | null, brokerId: number): ProducerIdBlockRecord {
  const blockStart = latest === null ? 0n : latest.blockEnd + 1n;
  const blockEnd = blockStart + BigInt(PRODUCER_ID_BLOCK_SIZE) - 1n;
  if (blockEnd > INT64_MAX) {
    throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, 'Exhausted all producerIds as the next block\'s end producerId has exceeded the int64 type limit');
  }
  return { brokerId, blockStart, blockEnd };
}

export async function claimProducerIdBlock(session: KeeperSession, brokerId: number): Promise<ProducerIdBlock> {
  for (let attempt = 0; attempt < MAX_CLAIM_ATTEMPTS; attempt++) {
    let read;
    try {
      read = await session.getData(ZkPaths.latestProducerIdBlock);
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.NONODE)) throw err;
      await createRecursive(session, ZkPaths.latestProducerIdBlock);
      continue;
    }
    const latest = read.data === null || read.data.length === 0 ? null : decodeProducerIdBlock(read.data);
    const next = nextProducerIdBlock(latest, brokerId);
    try {
      await session.setData(ZkPaths.latestProducerIdBlock, encodeProducerIdBlock(next), read.stat.version);
      return { brokerId, firstProducerId: next.blockStart, size: PRODUCER_ID_BLOCK_SIZE };
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.BADVERSION)) throw err;
    }
  }
  throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `could not claim a producer id block after ${MAX_CLAIM_ATTEMPTS} attempts`);
}
