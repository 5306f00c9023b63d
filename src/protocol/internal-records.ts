/**
 * The coordinators' own record keys and values (specs/kafka/internal), as Kafka stores them in
 * `__consumer_offsets` and `__transaction_state`: an int16 version followed by the body at that
 * version. In `__consumer_offsets` the key's version also says what the record is: versions 0
 * and 1 are OffsetCommitKey (an offset commit), version 2 is GroupMetadataKey (a group's state).
 * A null value is a tombstone (the caller sees it as a record without a value).
 */
import { Reader, Writer } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import type { GeneratedCodec } from './generated/api-table.js';
import { decodeGroupMetadataKey, encodeGroupMetadataKey, type GroupMetadataKey } from './generated/group-metadata-key.js';
import { decodeGroupMetadataValue, encodeGroupMetadataValue, type GroupMetadataValue } from './generated/group-metadata-value.js';
import { decodeOffsetCommitKey, encodeOffsetCommitKey, type OffsetCommitKey } from './generated/offset-commit-key.js';
import { decodeOffsetCommitValue, encodeOffsetCommitValue, type OffsetCommitValue } from './generated/offset-commit-value.js';
import { decodeTransactionLogKey, encodeTransactionLogKey, type TransactionLogKey } from './generated/transaction-log-key.js';
import { decodeTransactionLogValue, encodeTransactionLogValue, type TransactionLogValue } from './generated/transaction-log-value.js';

export interface Versioned<T> {
  readonly version: number;
  readonly value: T;
}

/** int16 version + body. */
export function encodeVersioned<T>(codec: GeneratedCodec<T>, version: number, value: T): Buffer {
  const w = new Writer(64);
  w.int16(version);
  codec.encode(w, version, value);
  return Buffer.from(w.finish());
}

/** Reads the int16 version, then the body at that version; the body must fill the buffer. */
export function decodeVersioned<T>(codec: GeneratedCodec<T>, buf: Buffer, what: string): Versioned<T> {
  const r = new Reader(buf);
  const version = r.int16();
  const value = codec.decode(r, version);
  if (r.remaining !== 0) throw new DecodeError(`${what} v${version} has ${r.remaining} trailing bytes`);
  return { version, value };
}

const offsetCommitKey: GeneratedCodec<OffsetCommitKey> = { encode: encodeOffsetCommitKey, decode: decodeOffsetCommitKey };
const offsetCommitValue: GeneratedCodec<OffsetCommitValue> = { encode: encodeOffsetCommitValue, decode: decodeOffsetCommitValue };
const groupMetadataKey: GeneratedCodec<GroupMetadataKey> = { encode: encodeGroupMetadataKey, decode: decodeGroupMetadataKey };
const groupMetadataValue: GeneratedCodec<GroupMetadataValue> = { encode: encodeGroupMetadataValue, decode: decodeGroupMetadataValue };
const transactionLogKey: GeneratedCodec<TransactionLogKey> = { encode: encodeTransactionLogKey, decode: decodeTransactionLogKey };
const transactionLogValue: GeneratedCodec<TransactionLogValue> = { encode: encodeTransactionLogValue, decode: decodeTransactionLogValue };

// ---------------------------------------------------------------- __consumer_offsets

export type GroupCoordinatorKey =
  | { readonly kind: 'offsetCommit'; readonly version: number; readonly key: OffsetCommitKey }
  | { readonly kind: 'groupMetadata'; readonly version: number; readonly key: GroupMetadataKey };

/** Decodes a `__consumer_offsets` record key; its version tells which kind it is. */
export function decodeGroupCoordinatorKey(buf: Buffer): GroupCoordinatorKey {
  if (buf.length < 2) throw new DecodeError(`group coordinator key of ${buf.length} bytes`);
  const version = buf.readInt16BE(0);
  if (version === 0 || version === 1) {
    return { kind: 'offsetCommit', version, key: decodeVersioned(offsetCommitKey, buf, 'OffsetCommitKey').value };
  }
  if (version === 2) return { kind: 'groupMetadata', version, key: decodeVersioned(groupMetadataKey, buf, 'GroupMetadataKey').value };
  throw new DecodeError(`unknown group coordinator key version ${version}`);
}

/** Kafka writes offset commit keys at version 1. */
export function encodeOffsetCommitRecordKey(key: OffsetCommitKey, version = 1): Buffer {
  return encodeVersioned(offsetCommitKey, version, key);
}

/** Kafka writes version 3, or version 1 when the commit carries an expire timestamp. */
export function encodeOffsetCommitRecordValue(value: OffsetCommitValue, version = 3): Buffer {
  return encodeVersioned(offsetCommitValue, version, value);
}

export function decodeOffsetCommitRecordValue(buf: Buffer): Versioned<OffsetCommitValue> {
  return decodeVersioned(offsetCommitValue, buf, 'OffsetCommitValue');
}

export function encodeGroupMetadataRecordKey(key: GroupMetadataKey): Buffer {
  return encodeVersioned(groupMetadataKey, 2, key);
}

/** Kafka writes group metadata values at version 3. */
export function encodeGroupMetadataRecordValue(value: GroupMetadataValue, version = 3): Buffer {
  return encodeVersioned(groupMetadataValue, version, value);
}

export function decodeGroupMetadataRecordValue(buf: Buffer): Versioned<GroupMetadataValue> {
  return decodeVersioned(groupMetadataValue, buf, 'GroupMetadataValue');
}

// ---------------------------------------------------------------- __transaction_state

export function encodeTransactionLogRecordKey(key: TransactionLogKey): Buffer {
  return encodeVersioned(transactionLogKey, 0, key);
}

export function decodeTransactionLogRecordKey(buf: Buffer): Versioned<TransactionLogKey> {
  return decodeVersioned(transactionLogKey, buf, 'TransactionLogKey');
}

/** Kafka writes transaction log values at version 0 (1 adds tagged fields, KIP-890). */
export function encodeTransactionLogRecordValue(value: TransactionLogValue, version = 0): Buffer {
  return encodeVersioned(transactionLogValue, version, value);
}

export function decodeTransactionLogRecordValue(buf: Buffer): Versioned<TransactionLogValue> {
  return decodeVersioned(transactionLogValue, buf, 'TransactionLogValue');
}
