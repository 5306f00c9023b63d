/**
 * The records of `__consumer_offsets`, in Kafka's own format (so Burrow, kafka-console-consumer's
 * OffsetsMessageFormatter and Kafka itself can read Gregor's topic, and the other way round).
 *
 * Every record key and value starts with an int16 schema version, followed by the generated
 * codec's body (../shared/specs/kafka/internal):
 *
 *   key version 0 or 1  OffsetCommitKey  { group, topic, partition }  value OffsetCommitValue
 *   key version 2       GroupMetadataKey { group }                    value GroupMetadataValue
 *
 * A null value is a tombstone: the offset or the group is gone (and compaction removes it).
 * What we write is what Kafka 3.x writes: keys v1 / v2, OffsetCommitValue v3 (v1 when the
 * commit carried an explicit retention, i.e. an expire timestamp), GroupMetadataValue v3 —
 * the newest non-flexible versions, which every reader of this topic understands. The byte
 * layout is src/protocol/internal-records.ts'.
 */
import type { GroupMetadataValue } from '../../protocol/generated/group-metadata-value.js';
import {
  decodeGroupCoordinatorKey, decodeGroupMetadataRecordValue, decodeOffsetCommitRecordValue, encodeGroupMetadataRecordKey,
  encodeGroupMetadataRecordValue, encodeOffsetCommitRecordKey, encodeOffsetCommitRecordValue,
} from '../../protocol/internal-records.js';
import { DecodeError } from '../../util/errors.js';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** The only value version with an explicit expireTimestamp. */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_VALUE_VERSION = 3;

/** A committed offset as stored (OffsetCommitValue's fields). */
export interface OffsetAndMetadata {
  offset: bigint;
  /** -1 when unknown. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: bigint;
  /** -1n unless the commit asked for a retention (OffsetCommit v2-v4 retentionTimeMs). */
  expireTimestampMs: bigint;
}

export type CoordinatorRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetAndMetadata | null }
  | { kind: 'group'; group: string; value: GroupMetadataValue | null };

export function encodeRecordKey(r: CoordinatorRecord): Buffer {
  if (r.kind === 'offset') return encodeOffsetCommitRecordKey({ group: r.group, topic: r.topic, partition: r.partition }, OFFSET_COMMIT_KEY_VERSION);
  return encodeGroupMetadataRecordKey({ group: r.group });
}

export function encodeRecordValue(r: CoordinatorRecord): Buffer | null {
  if (r.value === null) return null;
  if (r.kind === 'group') return encodeGroupMetadataRecordValue(r.value, GROUP_METADATA_VALUE_VERSION);
  const v = r.value;
  const version = v.expireTimestampMs >= 0n ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
  return encodeOffsetCommitRecordValue({ offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestamp: v.commitTimestampMs, expireTimestamp: v.expireTimestampMs }, version);
}

/**
 * Decodes one record of the topic. Returns null for keys of versions we do not know (Kafka skips
 * them too: newer coordinators write other record types to the same topic). A malformed key or
 * value of a known version throws DecodeError.
 */
export function decodeCoordinatorRecord(key: Buffer | null, value: Buffer | null): CoordinatorRecord | null {
  if (key === null) throw new DecodeError('__consumer_offsets record without a key');
  if (key.length >= 2 && key.readInt16BE(0) > GROUP_METADATA_KEY_VERSION) return null;
  const k = decodeGroupCoordinatorKey(key);
  if (k.kind === 'offsetCommit') {
    const base = { kind: 'offset' as const, group: k.key.group, topic: k.key.topic, partition: k.key.partition };
    if (value === null) return { ...base, value: null };
    const v = decodeOffsetCommitRecordValue(value).value;
    return { ...base, value: { offset: v.offset, leaderEpoch: v.leaderEpoch, metadata: v.metadata, commitTimestampMs: v.commitTimestamp, expireTimestampMs: v.expireTimestamp } };
  }
  return { kind: 'group', group: k.key.group, value: value === null ? null : decodeGroupMetadataRecordValue(value).value };
}

/** Java's String.hashCode over UTF-16 code units (what Kafka hashes group ids with). */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's GroupMetadataManager.partitionFor: Utils.abs(groupId.hashCode) % offsets.topic.num.partitions. */
export function partitionForGroup(groupId: string, numPartitions: number): number {
  return (javaStringHashCode(groupId) & 0x7fffffff) % numPartitions;
}
