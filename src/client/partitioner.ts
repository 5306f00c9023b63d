/**
 * The default partitioner, compatible with Kafka's Java client and librdkafka's
 * `murmur2_random`: a keyed record goes to `toPositive(murmur2(keyBytes)) % numPartitions`
 * (Kafka's Utils.murmur2 and Utils.toPositive), so the same key lands on the same partition
 * whichever of these clients wrote it. Records without a key stick to one partition until the
 * accumulator starts a new batch for it, then move to another (KIP-480's sticky partitioning).
 */

/** Kafka's Utils.murmur2 (MurmurHash2, seed 0x9747b28c), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = (data[i4]! & 0xff) | ((data[i4 + 1]! & 0xff) << 8) | ((data[i4 + 2]! & 0xff) << 16) | ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const tail = length & ~3;
  // Java's switch falls through: the tail bytes are mixed from the highest down.
  const rest = length % 4;
  if (rest >= 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's Utils.toPositive: clears the sign bit (not Math.abs, which fails for MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key. */
export function partitionForKey(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

export interface Partitioner {
  /** The partition for a record (`key` null: no key). */
  partition(topic: string, key: Buffer | null, numPartitions: number): number;
  /** Called when the accumulator opens a new batch for `prevPartition` of a topic (KIP-480). */
  onNewBatch?(topic: string, numPartitions: number, prevPartition: number): void;
}

/** Murmur2 for keys; sticky for null keys, moving on when a new batch starts (KIP-480). */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Buffer | null, numPartitions: number): number {
    if (key !== null) return partitionForKey(key, numPartitions);
    const current = this.sticky.get(topic);
    if (current !== undefined && current < numPartitions) return current;
    return this.next(topic, numPartitions, -1);
  }

  onNewBatch(topic: string, numPartitions: number, prevPartition: number): void {
    if (this.sticky.get(topic) === prevPartition) this.next(topic, numPartitions, prevPartition);
  }

  private next(topic: string, numPartitions: number, prev: number): number {
    let p = Math.floor(this.random() * numPartitions);
    if (numPartitions > 1 && p === prev) p = (p + 1 + Math.floor(this.random() * (numPartitions - 1))) % numPartitions;
    this.sticky.set(topic, p);
    return p;
  }
}
