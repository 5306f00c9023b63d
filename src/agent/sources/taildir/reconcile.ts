/**
 * TAILDIR's decisions after a directory scan, as a pure function: which files are new (and
 * where to start reading them), which were renamed, truncated (copytruncate) or grew, and which
 * left the pattern. No I/O, no clock: the source lists and stats the files, calls this, and
 * carries the decisions out.
 *
 * Files are identified by inode, as Flume does: a rename keeps the inode (and the position);
 * a new file at an old path is a new inode. A position saved in the position file is used when
 * its inode turns up again (under any matching name); a saved position past the file's end means
 * the file was truncated while we were away: read it from 0.
 */
export interface ScannedFile {
  path: string;
  inode: bigint;
  size: number;
  /** Index of the file group that matched it (its headers). */
  group: number;
}

export interface TrackedFile {
  inode: bigint;
  path: string;
  /** Committed position. */
  pos: number;
  /** Size at the previous scan. */
  size: number;
  /** Whether we hold a descriptor (a file left the pattern can still be read to its end). */
  open: boolean;
}

export type TailDecision =
  | { kind: 'track'; inode: bigint; path: string; pos: number; size: number; group: number; fromPositionFile: boolean }
  | { kind: 'renamed'; inode: bigint; from: string; to: string }
  | { kind: 'truncated'; inode: bigint; pos: number; size: number }
  | { kind: 'resized'; inode: bigint; size: number }
  | { kind: 'gone'; inode: bigint }
  | { kind: 'forget'; inode: bigint };

export function reconcile(
  tracked: ReadonlyMap<bigint, TrackedFile>,
  scanned: readonly ScannedFile[],
  saved: ReadonlyMap<bigint, number>,
  skipToEnd: boolean,
): TailDecision[] {
  const out: TailDecision[] = [];
  const seen = new Set<bigint>();
  for (const f of scanned) {
    if (seen.has(f.inode)) continue; // matched twice (two groups, or a hard link): first wins
    seen.add(f.inode);
    const t = tracked.get(f.inode);
    if (t === undefined) {
      const savedPos = saved.get(f.inode);
      let pos = savedPos ?? (skipToEnd ? f.size : 0);
      if (pos > f.size) pos = 0;
      out.push({ kind: 'track', inode: f.inode, path: f.path, pos, size: f.size, group: f.group, fromPositionFile: savedPos !== undefined });
      continue;
    }
    if (t.path !== f.path) out.push({ kind: 'renamed', inode: f.inode, from: t.path, to: f.path });
    if (f.size < t.pos) out.push({ kind: 'truncated', inode: f.inode, pos: t.pos, size: f.size });
    if (f.size !== t.size) out.push({ kind: 'resized', inode: f.inode, size: f.size });
  }
  for (const t of tracked.values()) {
    if (seen.has(t.inode)) continue;
    out.push(t.open ? { kind: 'gone', inode: t.inode } : { kind: 'forget', inode: t.inode });
  }
  return out;
}
