/**
 * OffsetForLeaderEpoch (key 23, KIP-101/279): the end offset of a leader epoch on the leader
 * (the start offset of the next epoch, or the LEO for the latest), so a follower or a consumer
 * detecting log divergence truncates to the right place. Unknown epochs: -1/-1 as Kafka answers.
 */
import { createOffsetForLeaderEpochResponse, type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch.js';
import { ErrorCode } from '../../protocol/errors.js';
import { kafkaCodeOf } from '../replica/replica-manager.js';
import { defineHandler } from './handler.js';

export const offsetForLeaderEpochHandler = defineHandler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  handle(ctx, req) {
    const b = ctx.broker;
    return createOffsetForLeaderEpochResponse({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          try {
            const { log } = b.replicaManager.leaderPartitionOrError(t.topic, p.partition, p.currentLeaderEpoch);
            const r = log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: r?.leaderEpoch ?? -1, endOffset: r?.endOffset ?? -1n };
          } catch (err) {
            return { errorCode: kafkaCodeOf(err, b.logger, `OffsetForLeaderEpoch ${t.topic}-${p.partition}`).code, partition: p.partition, leaderEpoch: -1, endOffset: -1n };
          }
        }),
      })),
    });
  },
});
