/**
 * DeleteRecords (key 21): raises a partition's log start offset (offset -1 = the high
 * watermark). Offsets above the HW get OFFSET_OUT_OF_RANGE. The answer's low watermark is the
 * new log start offset. (With replicas, Kafka waits until followers have moved theirs too; the
 * replication work adds that wait.)
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createDeleteRecordsResponse, type DeleteRecordsRequest, type DeleteRecordsResponse } from '../../protocol/generated/delete-records.js';
import { kafkaCodeOf } from '../replica/replica-manager.js';
import { defineHandler } from './handler.js';

export const deleteRecordsHandler = defineHandler<DeleteRecordsRequest, DeleteRecordsResponse>({
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  handle(ctx, req) {
    const b = ctx.broker;
    return createDeleteRecordsResponse({
      throttleTimeMs: 0,
      topics: req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          try {
            const { log } = b.replicaManager.leaderPartitionOrError(t.name, p.partitionIndex);
            const target = p.offset === -1n ? log.highWatermark : p.offset;
            if (target < 0n || target > log.highWatermark) throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `offset ${p.offset} is above the high watermark ${log.highWatermark}`);
            log.deleteRecordsBefore(target);
            b.replicaManager.wakeUp(`${t.name}-${p.partitionIndex}`);
            return { partitionIndex: p.partitionIndex, lowWatermark: log.logStartOffset, errorCode: ErrorCode.NONE };
          } catch (err) {
            return { partitionIndex: p.partitionIndex, lowWatermark: -1n, errorCode: kafkaCodeOf(err, b.logger, `DeleteRecords ${t.name}-${p.partitionIndex}`).code };
          }
        }),
      })),
    });
  },
});
