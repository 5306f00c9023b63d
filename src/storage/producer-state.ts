/**
 * ProducerStateManager — idempotent and transactional producer state of one partition, as in
 * Kafka: per producer id the epoch, the metadata of its last 5 batches (for duplicate
 * detection), the coordinator epoch and the first offset of its ongoing transaction; plus the
 * ongoing transactions (which hold back the last stable offset) and completed transactions not
 * yet below the high watermark.
 *
 * Stage, then commit: `prepareProducerAppend()` validates a set of batches against the current
 * state and returns what would change (nothing is modified, so a refused append leaves no
 * trace); `applyProducerAppend()` makes the change after the bytes are in the log.
 *
 * Snapshot file `<20-digit offset>.snapshot` (Kafka's ProducerStateManager format):
 *   version: int16 (1), crc: uint32 (CRC32C of everything after it), count: int32, then per producer
 *   producerId int64, producerEpoch int16, lastSequence int32, lastOffset int64, offsetDelta int32,
 *   timestamp int64, coordinatorEpoch int32, currentTxnFirstOffset int64 (-1: none)   = 46 bytes.
 * As in Kafka only the last batch of each producer is kept in a snapshot.
 */
import { KafkaError, ErrorCode } from '../protocol/errors.js';
import { crc32c } from '../util/crc32c.js';
import { GregorError } from '../util/errors.js';

/** Kafka's ProducerStateEntry.NUM_BATCHES_TO_RETAIN. */
export const NUM_BATCHES_TO_RETAIN = 5;
const INT32_MAX = 0x7fffffff;
const SNAPSHOT_ENTRY_BYTES = 46;
const NO_SEQUENCE = -1;
const NO_EPOCH = -1;

export type AppendOrigin = 'client' | 'replication' | 'coordinator';

export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
  lastOffset: bigint;
  timestampMs: number;
}

export interface ProducerStateEntry {
  producerId: bigint;
  producerEpoch: number;
  coordinatorEpoch: number;
  lastTimestampMs: number;
  currentTxnFirstOffset: bigint | undefined;
  batches: BatchMetadata[];
}

/** What the log knows of a batch, for producer state. */
export interface ProducerBatch {
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  firstOffset: bigint;
  lastOffset: bigint;
  maxTimestampMs: number;
  isTransactional: boolean;
  /** For control batches: the transaction marker. */
  marker?: { commit: boolean; coordinatorEpoch: number };
}

export interface CompletedTxn {
  producerId: bigint;
  firstOffset: bigint;
  lastOffset: bigint;
  isAborted: boolean;
}

export interface StagedProducerAppend {
  updates: Map<bigint, ProducerStateEntry>;
  completedTxns: CompletedTxn[];
  startedTxns: { producerId: bigint; firstOffset: bigint }[];
}

export class SnapshotFormatError extends GregorError {
  constructor(message: string) {
    super('GREGOR_ERR_PRODUCER_SNAPSHOT', message);
  }
}

/** Kafka's DefaultRecordBatch.incrementSequence (sequences wrap at Int32.MAX_VALUE). */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function emptyEntry(producerId: bigint): ProducerStateEntry {
  return { producerId, producerEpoch: NO_EPOCH, coordinatorEpoch: -1, lastTimestampMs: -1, currentTxnFirstOffset: undefined, batches: [] };
}

function copyEntry(e: ProducerStateEntry): ProducerStateEntry {
  return { ...e, batches: e.batches.slice() };
}

export class ProducerStateManager {
  readonly producers = new Map<bigint, ProducerStateEntry>();
  /** Ongoing transactions: producerId -> first offset. */
  private readonly ongoingTxns = new Map<bigint, bigint>();
  /** Completed transactions whose marker is not yet below the high watermark. */
  private unreplicatedTxns: CompletedTxn[] = [];
  /** The next offset this state has seen (the log end offset it reflects). */
  mapEndOffset = 0n;

  /** The entry for a producer, if any. */
  lastEntry(producerId: bigint): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  /** A duplicate of one of the producer's retained batches (same epoch and sequence range). */
  findDuplicateBatch(b: ProducerBatch): BatchMetadata | undefined {
    const e = this.producers.get(b.producerId);
    if (e === undefined || e.producerEpoch !== b.producerEpoch) return undefined;
    const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
    return e.batches.find((m) => m.firstSeq === b.baseSequence && m.lastSeq === lastSeq);
  }

  /**
   * Validates `batches` (in log order, offsets assigned) and returns the changes they make.
   * Throws KafkaError: INVALID_PRODUCER_EPOCH, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_TXN_STATE,
   * TRANSACTION_COORDINATOR_FENCED.
   */
  prepareProducerAppend(batches: readonly ProducerBatch[], origin: AppendOrigin): StagedProducerAppend {
    const staged: StagedProducerAppend = { updates: new Map(), completedTxns: [], startedTxns: [] };
    for (const b of batches) {
      if (b.producerId < 0n) continue;
      let entry = staged.updates.get(b.producerId);
      if (entry === undefined) {
        const current = this.producers.get(b.producerId);
        entry = current === undefined ? emptyEntry(b.producerId) : copyEntry(current);
        staged.updates.set(b.producerId, entry);
      }
      const ongoingFirst = entry.currentTxnFirstOffset;
      if (b.marker !== undefined) {
        this.checkProducerEpoch(entry, b, origin);
        if (origin !== 'replication' && entry.coordinatorEpoch > b.marker.coordinatorEpoch) {
          throw new KafkaError(ErrorCode.TRANSACTION_COORDINATOR_FENCED, `marker coordinator epoch ${b.marker.coordinatorEpoch} < ${entry.coordinatorEpoch} for producer ${b.producerId}`);
        }
        staged.completedTxns.push({ producerId: b.producerId, firstOffset: ongoingFirst ?? b.firstOffset, lastOffset: b.firstOffset, isAborted: !b.marker.commit });
        entry.producerEpoch = b.producerEpoch;
        entry.coordinatorEpoch = b.marker.coordinatorEpoch;
        entry.currentTxnFirstOffset = undefined;
        entry.lastTimestampMs = b.maxTimestampMs;
        continue;
      }
      this.checkProducerEpoch(entry, b, origin);
      if (origin === 'client') this.checkSequence(entry, b);
      if (ongoingFirst !== undefined && !b.isTransactional) {
        throw new KafkaError(ErrorCode.INVALID_TXN_STATE, `expected a transactional write from producer ${b.producerId}`);
      }
      if (b.isTransactional && ongoingFirst === undefined) {
        entry.currentTxnFirstOffset = b.firstOffset;
        staged.startedTxns.push({ producerId: b.producerId, firstOffset: b.firstOffset });
      }
      if (b.producerEpoch !== entry.producerEpoch) entry.batches = [];
      entry.producerEpoch = b.producerEpoch;
      entry.lastTimestampMs = b.maxTimestampMs;
      entry.batches.push({ firstSeq: b.baseSequence, lastSeq: incrementSequence(b.baseSequence, b.lastOffsetDelta), firstOffset: b.firstOffset, lastOffset: b.lastOffset, timestampMs: b.maxTimestampMs });
      if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
    }
    return staged;
  }

  private checkProducerEpoch(entry: ProducerStateEntry, b: ProducerBatch, origin: AppendOrigin): void {
    if (b.producerEpoch < entry.producerEpoch && origin !== 'replication') {
      // Since Kafka 2.7 a produce with an old epoch gets INVALID_PRODUCER_EPOCH (abortable), not PRODUCER_FENCED.
      throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH, `epoch ${b.producerEpoch} of producer ${b.producerId} is older than ${entry.producerEpoch}`);
    }
  }

  /**
   * Kafka's checkSequence. A new epoch must start at sequence 0 unless the producer had no
   * state (e.g. it was removed by retention: then any sequence is accepted, which is why Kafka
   * since KIP-360 no longer answers UNKNOWN_PRODUCER_ID from the log).
   */
  private checkSequence(entry: ProducerStateEntry, b: ProducerBatch): void {
    if (b.producerEpoch !== entry.producerEpoch) {
      if (b.baseSequence !== 0 && entry.producerEpoch !== NO_EPOCH) {
        throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `invalid sequence ${b.baseSequence} for new epoch ${b.producerEpoch} of producer ${b.producerId} (expected 0)`);
      }
      return;
    }
    const lastSeq = entry.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
    if (entry.producerEpoch !== NO_EPOCH && lastSeq !== NO_SEQUENCE && !inSequence(lastSeq, b.baseSequence)) {
      throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `out of order sequence ${b.baseSequence} for producer ${b.producerId} at epoch ${b.producerEpoch}, expected ${incrementSequence(lastSeq, 1)}`);
    }
  }

  /** Commits a staged append (after its bytes are in the log). */
  applyProducerAppend(staged: StagedProducerAppend, nextOffset: bigint): void {
    for (const [pid, entry] of staged.updates) this.producers.set(pid, entry);
    for (const t of staged.startedTxns) if (!this.ongoingTxns.has(t.producerId)) this.ongoingTxns.set(t.producerId, t.firstOffset);
    for (const t of staged.completedTxns) {
      this.ongoingTxns.delete(t.producerId);
      this.unreplicatedTxns.push(t);
    }
    if (nextOffset > this.mapEndOffset) this.mapEndOffset = nextOffset;
  }

  /** The LSO an abort entry records: the first offset of another still-ongoing transaction, else just past the marker. */
  lastStableOffsetAfter(completed: CompletedTxn): bigint {
    let lso = completed.lastOffset + 1n;
    for (const [pid, first] of this.ongoingTxns) if (pid !== completed.producerId && first < lso) lso = first;
    return lso;
  }

  /** The first offset not yet stable: an ongoing transaction or a completed one not yet replicated. */
  firstUnstableOffset(): bigint | undefined {
    let min: bigint | undefined;
    for (const first of this.ongoingTxns.values()) if (min === undefined || first < min) min = first;
    for (const t of this.unreplicatedTxns) if (min === undefined || t.firstOffset < min) min = t.firstOffset;
    return min;
  }

  onHighWatermarkUpdated(highWatermark: bigint): void {
    if (this.unreplicatedTxns.length > 0) this.unreplicatedTxns = this.unreplicatedTxns.filter((t) => t.lastOffset >= highWatermark);
  }

  /** Removes producers idle for `expirationMs` without an ongoing transaction (producer.id.expiration.ms). */
  removeExpiredProducers(nowMs: number, expirationMs: number): void {
    for (const [pid, e] of this.producers) {
      if (e.currentTxnFirstOffset === undefined && nowMs - e.lastTimestampMs >= expirationMs) this.producers.delete(pid);
    }
  }

  /** After the log start moved: producers whose last write is gone are forgotten (Kafka's truncateHead). */
  onLogStartOffsetIncremented(logStartOffset: bigint): void {
    for (const [pid, e] of this.producers) {
      const last = e.batches.at(-1)?.lastOffset;
      if (e.currentTxnFirstOffset === undefined && last !== undefined && last < logStartOffset) this.producers.delete(pid);
    }
    this.unreplicatedTxns = this.unreplicatedTxns.filter((t) => t.lastOffset >= logStartOffset);
  }

  clear(mapEndOffset: bigint): void {
    this.producers.clear();
    this.ongoingTxns.clear();
    this.unreplicatedTxns = [];
    this.mapEndOffset = mapEndOffset;
  }

  /** Serialises the state (Kafka's snapshot format, see the file comment). */
  snapshotBytes(): Buffer {
    const entries = [...this.producers.values()].filter((e) => e.batches.length > 0 || e.currentTxnFirstOffset !== undefined || e.producerEpoch >= 0);
    const buf = Buffer.alloc(10 + entries.length * SNAPSHOT_ENTRY_BYTES);
    buf.writeInt16BE(1, 0);
    buf.writeInt32BE(entries.length, 6);
    let at = 10;
    for (const e of entries) {
      const last = e.batches.at(-1);
      buf.writeBigInt64BE(e.producerId, at);
      buf.writeInt16BE(e.producerEpoch, at + 8);
      buf.writeInt32BE(last?.lastSeq ?? NO_SEQUENCE, at + 10);
      buf.writeBigInt64BE(last?.lastOffset ?? -1n, at + 14);
      buf.writeInt32BE(last === undefined ? 0 : Number(last.lastOffset - last.firstOffset), at + 22);
      buf.writeBigInt64BE(BigInt(e.lastTimestampMs), at + 26);
      buf.writeInt32BE(e.coordinatorEpoch, at + 34);
      buf.writeBigInt64BE(e.currentTxnFirstOffset ?? -1n, at + 38);
      at += SNAPSHOT_ENTRY_BYTES;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
    return buf;
  }

  /** Replaces the state with a snapshot taken at `offset`. */
  loadSnapshot(buf: Buffer, offset: bigint): void {
    if (buf.length < 10) throw new SnapshotFormatError('snapshot shorter than its header');
    const version = buf.readInt16BE(0);
    if (version !== 1) throw new SnapshotFormatError(`unknown snapshot version ${version}`);
    if (crc32c(buf.subarray(6)) !== buf.readUInt32BE(2)) throw new SnapshotFormatError('snapshot CRC mismatch');
    const count = buf.readInt32BE(6);
    if (count < 0 || 10 + count * SNAPSHOT_ENTRY_BYTES !== buf.length) throw new SnapshotFormatError(`snapshot count ${count} does not match its size ${buf.length}`);
    this.clear(offset);
    let at = 10;
    for (let i = 0; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
      const producerId = buf.readBigInt64BE(at);
      const lastSeq = buf.readInt32BE(at + 10);
      const lastOffset = buf.readBigInt64BE(at + 14);
      const delta = buf.readInt32BE(at + 22);
      const ts = Number(buf.readBigInt64BE(at + 26));
      const txnFirst = buf.readBigInt64BE(at + 38);
      const entry: ProducerStateEntry = {
        producerId,
        producerEpoch: buf.readInt16BE(at + 8),
        coordinatorEpoch: buf.readInt32BE(at + 34),
        lastTimestampMs: ts,
        currentTxnFirstOffset: txnFirst >= 0n ? txnFirst : undefined,
        batches: lastOffset >= 0n ? [{ firstSeq: lastSeq === NO_SEQUENCE ? NO_SEQUENCE : lastSeq - delta, lastSeq, firstOffset: lastOffset - BigInt(delta), lastOffset, timestampMs: ts }] : [],
      };
      if (entry.batches[0] !== undefined && entry.batches[0].firstSeq < 0 && lastSeq !== NO_SEQUENCE) entry.batches[0].firstSeq += INT32_MAX + 1;
      this.producers.set(producerId, entry);
      if (entry.currentTxnFirstOffset !== undefined) this.ongoingTxns.set(producerId, entry.currentTxnFirstOffset);
    }
  }
}
