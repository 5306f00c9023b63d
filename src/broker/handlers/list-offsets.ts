/**
 * ListOffsets (key 2): offsets by timestamp. -1 latest (HW, or the LSO under read_committed),
 * -2 earliest (log start offset), -3 the record with the largest timestamp, -4 earliest local
 * (= earliest: no tiered storage), a timestamp >= 0: the first offset whose timestamp is at
 * least it (offset -1 / timestamp -1 when there is none below the visible end).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import {
  createListOffsetsResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type ListOffsetsResponseListOffsetsPartitionResponse,
} from '../../protocol/generated/list-offsets.js';
import { kafkaCodeOf } from '../replica/replica-manager.js';
import { defineHandler, type RequestContext } from './handler.js';

export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;
export const MAX_TIMESTAMP = -3n;
export const EARLIEST_LOCAL_TIMESTAMP = -4n;
export const LATEST_TIERED_TIMESTAMP = -5n;

function lookup(ctx: RequestContext, req: ListOffsetsRequest, topic: string, p: { partitionIndex: number; currentLeaderEpoch: number; timestamp: bigint }): ListOffsetsResponseListOffsetsPartitionResponse {
  const out: ListOffsetsResponseListOffsetsPartitionResponse = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
  try {
    const { partition, log } = ctx.broker.replicaManager.leaderPartitionOrError(topic, p.partitionIndex, p.currentLeaderEpoch);
    const fromConsumer = req.replicaId < 0;
    const visibleEnd = !fromConsumer ? log.logEndOffset : req.isolationLevel === 1 ? log.lastStableOffset : log.highWatermark;
    switch (p.timestamp) {
      case LATEST_TIMESTAMP:
        out.offset = visibleEnd;
        out.leaderEpoch = partition.leaderEpoch;
        break;
      case EARLIEST_TIMESTAMP:
      case EARLIEST_LOCAL_TIMESTAMP:
        out.offset = log.logStartOffset;
        out.leaderEpoch = epochOf(log.offsetForTimestamp(EARLIEST_TIMESTAMP)?.leaderEpoch);
        break;
      case LATEST_TIERED_TIMESTAMP:
        break; // nothing is tiered: Kafka answers -1
      default: {
        if (p.timestamp < MAX_TIMESTAMP && p.timestamp !== LATEST_TIERED_TIMESTAMP) throw new KafkaError(ErrorCode.INVALID_REQUEST, `timestamp ${p.timestamp}`);
        const found = log.offsetForTimestamp(p.timestamp);
        if (found !== null && found.offset < visibleEnd) {
          out.offset = found.offset;
          out.timestamp = found.timestamp;
          out.leaderEpoch = epochOf(found.leaderEpoch);
        }
      }
    }
    if (ctx.apiVersion === 0) {
      // v0 answers with a list of offsets instead of one offset and timestamp.
      out.oldStyleOffsets = out.offset >= 0n ? [out.offset] : [];
      out.offset = -1n;
      out.timestamp = -1n;
    }
    if (ctx.apiVersion < 4) out.leaderEpoch = -1;
  } catch (err) {
    out.errorCode = kafkaCodeOf(err, ctx.broker.logger, `ListOffsets ${topic}-${p.partitionIndex}`).code;
  }
  return out;
}

function epochOf(e: number | null | undefined): number {
  return e === null || e === undefined ? -1 : e;
}

export const listOffsetsHandler = defineHandler<ListOffsetsRequest, ListOffsetsResponse>({
  apiKey: 2,
  // v0 (removed by Kafka 4.0, KIP-896) is kept: tools still in use send it, e.g. Burrow 1.2's lag checks.
  minVersion: 0,
  maxVersion: 10,
  handle(ctx, req) {
    return createListOffsetsResponse({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => lookup(ctx, req, t.name, p)) })),
    });
  },
});
