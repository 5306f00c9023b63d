/**
 * The iteration order of a java.util.HashSet<String>, which is the order ZooKeeper returns
 * children (DataNode's HashSet, initial capacity 8) and a session's ephemerals (HashSet,
 * default capacity 16) in. Clients should not depend on it, but people compare outputs: we
 * reproduce it. Elements are ordered by bucket — (h ^ h >>> 16) & (capacity - 1) of
 * String.hashCode — and, within a bucket, by insertion. The table doubles whenever the size
 * exceeds 3/4 of it and never shrinks, so the capacity follows the largest size the set had.
 */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

export function javaHashSetCapacity(maxSizeEver: number, initialCapacity: number): number {
  let cap = initialCapacity;
  while (maxSizeEver > cap * 0.75) cap *= 2;
  return cap;
}

/** `items` in insertion order -> HashSet iteration order for a table of `capacity`. */
export function javaHashSetOrder(items: Iterable<string>, capacity: number): string[] {
  const mask = capacity - 1;
  const keyed = [...items].map((s) => {
    const h = javaStringHash(s);
    return { s, bucket: (h ^ (h >>> 16)) & mask };
  });
  keyed.sort((a, b) => a.bucket - b.bucket);
  return keyed.map((k) => k.s);
}
