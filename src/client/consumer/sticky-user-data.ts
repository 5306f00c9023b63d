/**
 * The StickyAssignor's subscription user data (Java's StickyAssignor, also read by librdkafka):
 * the member's previous assignment and the generation it was made in. Eager members revoke
 * everything before they rejoin, so their subscription's ownedPartitions is empty; this is how
 * the sticky assignor still knows who had what. No version prefix: V1 is V0 plus the generation,
 * so a reader tries V1 and falls back to V0 (generation unknown).
 *
 *   V0: previous_assignment [topic STRING, partitions [INT32]]
 *   V1: V0 + generation INT32
 */
import { Reader, Writer } from '../../util/bytes.js';
import type { TopicPartition } from '../offsets.js';

export interface StickyUserData {
  previousAssignment: TopicPartition[];
  /** -1 when the data is V0 (no generation). */
  generation: number;
}

export function encodeStickyUserData(previous: readonly TopicPartition[], generation: number): Buffer {
  const byTopic = new Map<string, number[]>();
  for (const tp of previous) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  const w = new Writer(32);
  w.int32(byTopic.size);
  for (const [topic, partitions] of byTopic) {
    const name = Buffer.from(topic, 'utf8');
    w.int16(name.length);
    w.bytes(name);
    w.int32(partitions.length);
    for (const p of partitions) w.int32(p);
  }
  w.int32(generation);
  return w.finish();
}

/** Null when the bytes are not sticky user data (another assignor's, or damaged). */
export function decodeStickyUserData(buf: Buffer | null): StickyUserData | null {
  if (buf === null || buf.length < 4) return null;
  try {
    const r = new Reader(buf);
    const previousAssignment: TopicPartition[] = [];
    const topics = r.int32();
    if (topics < 0 || topics > buf.length) return null;
    for (let i = 0; i < topics; i++) {
      const length = r.int16();
      if (length < 0) return null;
      const topic = r.bytes(length).toString('utf8');
      const n = r.int32();
      if (n < 0 || n * 4 > r.remaining) return null;
      for (let j = 0; j < n; j++) previousAssignment.push({ topic, partition: r.int32() });
    }
    const generation = r.remaining >= 4 ? r.int32() : -1;
    return { previousAssignment, generation };
  } catch {
    return null;
  }
}
