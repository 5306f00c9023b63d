/**
 * The TAILDIR position file, Flume's JSON: `[{"inode":2496264,"pos":1032,"file":"/var/log/app.log"}]`.
 * Written atomically (temporary file + rename), so a crash leaves the old or the new version,
 * never half of one. Inodes can exceed 2^53, so they are read and written as digit strings.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface FilePosition {
  inode: bigint;
  pos: number;
  file: string;
}

/** Bound on the position file we read (a list of positions, not data). */
const MAX_POSITION_FILE_BYTES = 64 * 1024 * 1024;

export function readPositionFile(path: string): FilePosition[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8');
  if (text.length > MAX_POSITION_FILE_BYTES) throw new Error(`position file ${path} is larger than ${MAX_POSITION_FILE_BYTES} bytes`);
  if (text.trim() === '') return [];
  // Quote the inode numbers so JSON.parse keeps every digit.
  const parsed: unknown = JSON.parse(text.replace(/"inode"\s*:\s*(\d+)/g, '"inode":"$1"'));
  if (!Array.isArray(parsed)) throw new Error(`position file ${path} is not a JSON array`);
  const out: FilePosition[] = [];
  for (const p of parsed as Record<string, unknown>[]) {
    if (typeof p !== 'object' || p === null) continue;
    const inode = typeof p.inode === 'string' && /^\d+$/.test(p.inode) ? BigInt(p.inode) : null;
    const pos = typeof p.pos === 'number' && Number.isSafeInteger(p.pos) && p.pos >= 0 ? p.pos : null;
    if (inode === null || pos === null || typeof p.file !== 'string') continue;
    out.push({ inode, pos, file: p.file });
  }
  return out;
}

export function formatPositions(positions: readonly FilePosition[]): string {
  return `[${positions.map((p) => `{"inode":${p.inode.toString()},"pos":${p.pos},"file":${JSON.stringify(p.file)}}`).join(',')}]`;
}

export function writePositionFile(path: string, positions: readonly FilePosition[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, formatPositions(positions));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
