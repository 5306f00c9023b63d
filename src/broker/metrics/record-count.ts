/**
 * Records in a fetched slice of stored batches, for the messages-out metric: sums the
 * recordsCount of each whole RecordBatch v2 header, without decoding records. A trailing
 * partial batch (a fetch may end inside one) is not counted, since the client cannot use it yet.
 */
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RECORDS_COUNT_OFFSET } from '../../protocol/records/layout.js';

export function recordCountOf(records: Buffer): number {
  let count = 0;
  let position = 0;
  while (records.length - position >= RECORD_BATCH_OVERHEAD) {
    const size = records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (size < RECORD_BATCH_OVERHEAD || position + size > records.length) break;
    count += records.readInt32BE(position + RECORDS_COUNT_OFFSET);
    position += size;
  }
  return count;
}
