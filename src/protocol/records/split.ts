/**
 * Cutting a `records` byte field (Produce, Fetch, a log segment's bytes) into batches without
 * copying. A fetch may end in the middle of a batch (the broker fills up to max.bytes and
 * returns the first batch whole even past it, Kafka's KIP-74); such a partial trailing batch is
 * reported in `trailingBytes`, not treated as an error. A length below the minimum batch size
 * is corrupt: nothing after it can be located.
 */
import { ErrorCode, KafkaError } from '../errors.js';
import { BATCH_LENGTH_OFFSET, LOG_OVERHEAD, MIN_BATCH_LENGTH } from './layout.js';

export interface SplitBatches {
  /** Whole batches, each a slice sharing memory with the input. */
  batches: Buffer[];
  /** Bytes at the end that do not make a whole batch (0 when the input ends on a boundary). */
  trailingBytes: number;
}

/** Yields [position, size] of each whole batch; returns the position where whole batches end. */
export function* batchPositions(records: Buffer): Generator<[position: number, sizeInBytes: number], number> {
  let position = 0;
  while (records.length - position >= LOG_OVERHEAD) {
    const batchLength = records.readInt32BE(position + BATCH_LENGTH_OFFSET);
    if (batchLength < MIN_BATCH_LENGTH) {
      throw new KafkaError(
        ErrorCode.CORRUPT_MESSAGE,
        `record batch at position ${position} has length ${batchLength}, smaller than the minimum of ${MIN_BATCH_LENGTH}`,
      );
    }
    const size = batchLength + LOG_OVERHEAD;
    if (records.length - position < size) break;
    yield [position, size];
    position += size;
  }
  return position;
}

/** Splits `records` into zero-copy batch slices (headers are not validated; see validateBatch). */
export function splitBatches(records: Buffer): SplitBatches {
  const batches: Buffer[] = [];
  const it = batchPositions(records);
  let r = it.next();
  while (r.done !== true) {
    const [position, size] = r.value;
    batches.push(records.subarray(position, position + size));
    r = it.next();
  }
  return { batches, trailingBytes: records.length - r.value };
}
