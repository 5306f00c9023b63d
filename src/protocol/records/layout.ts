/**
 * RecordBatch v2 (magic 2) header layout, as Kafka's DefaultRecordBatch documents it:
 *
 *   baseOffset: int64                 @0
 *   batchLength: int32                @8   bytes after this field (total size - 12)
 *   partitionLeaderEpoch: int32       @12  not covered by the CRC (the broker rewrites it)
 *   magic: int8                       @16  always 2
 *   crc: uint32                       @17  CRC32C of bytes @21 .. end of batch
 *   attributes: int16                 @21
 *   lastOffsetDelta: int32            @23
 *   baseTimestamp: int64              @27  (the delete horizon when attribute bit 6 is set)
 *   maxTimestamp: int64               @35  (the append time for LogAppendTime batches)
 *   producerId: int64                 @43
 *   producerEpoch: int16              @51
 *   baseSequence: int32               @53
 *   recordCount: int32                @57
 *   records                           @61  (compressed as one block when attributes say so)
 *
 * Offsets and leader epoch sit before the CRC's coverage so that a broker can assign them
 * without recomputing the checksum.
 */
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** Bytes of header before the first record (Kafka's RECORD_BATCH_OVERHEAD). */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted in batchLength (Kafka's LOG_OVERHEAD). */
export const LOG_OVERHEAD = 12;
/** The smallest legal batchLength: a header with no records. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

/** The only record format Gregor accepts (Kafka 4.0, KIP-896: magic 0 and 1 are gone). */
export const CURRENT_MAGIC = 2;

/** Kafka's RecordBatch.NO_TIMESTAMP, NO_PRODUCER_ID, NO_PRODUCER_EPOCH, NO_SEQUENCE, NO_PARTITION_LEADER_EPOCH. */
export const NO_TIMESTAMP = -1n;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
