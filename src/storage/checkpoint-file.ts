/**
 * Kafka's text checkpoint files (CheckpointFile): a version line, a count line, then one entry
 * per line, fields separated by single spaces:
 *
 *   0
 *   2
 *   orders 0 1234
 *   orders 1 99
 *
 * Used for recovery-point-offset-checkpoint, replication-offset-checkpoint,
 * log-start-offset-checkpoint and cleaner-offset-checkpoint (entries `topic partition offset`)
 * and for each partition's leader-epoch-checkpoint (entries `epoch startOffset`).
 *
 * Written atomically: the whole file goes to `<name>.tmp`, is fsynced, renamed over the old
 * file, and the directory is fsynced — a crash leaves either the old or the new file.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { GregorError } from '../util/errors.js';

export const CHECKPOINT_VERSION = 0;
/** A bound on entries read from one file (10M partitions would be absurd). */
const MAX_CHECKPOINT_ENTRIES = 10_000_000;

export class CheckpointFormatError extends GregorError {
  constructor(path: string, why: string) {
    super('GREGOR_ERR_CHECKPOINT_FORMAT', `malformed checkpoint file ${path}: ${why}`);
  }
}

/**
 * Writes `content` to `path` atomically (tmp + fsync + rename + directory fsync). With
 * `sync: false` the fsyncs are skipped: still atomic against a process crash (rename), not
 * against power loss — for files rewritten often and made durable later (leader epochs).
 */
export function writeFileAtomically(path: string, content: Buffer | string, sync = true): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done);
    if (sync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (sync) fsyncDirectory(dirname(path));
}

export function fsyncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads the entry lines of a checkpoint file (undefined when it does not exist). */
export function readCheckpointLines(path: string, fieldsPerEntry: number): string[][] | undefined {
  if (!existsSync(path)) return undefined;
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.length < 2) throw new CheckpointFormatError(path, 'missing version or count line');
  const version = Number(lines[0]);
  if (version !== CHECKPOINT_VERSION) throw new CheckpointFormatError(path, `unknown version ${lines[0]}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || count > MAX_CHECKPOINT_ENTRIES) throw new CheckpointFormatError(path, `bad count ${lines[1]}`);
  const out: string[][] = [];
  for (let i = 0; i < count; i++) {
    const line = lines[2 + i];
    if (line === undefined) throw new CheckpointFormatError(path, `expected ${count} entries, found ${i}`);
    const fields = line.split(' ');
    if (fields.length !== fieldsPerEntry) throw new CheckpointFormatError(path, `line ${i + 3} has ${fields.length} fields`);
    out.push(fields);
  }
  return out;
}

export function writeCheckpointLines(path: string, entries: readonly (readonly (string | number | bigint)[])[], sync = true): void {
  const body = [String(CHECKPOINT_VERSION), String(entries.length), ...entries.map((e) => e.join(' '))].join('\n') + '\n';
  writeFileAtomically(path, body, sync);
}

/** `topic partition offset` checkpoints, keyed by "topic-partition". */
export class OffsetCheckpointFile {
  constructor(readonly path: string) {}

  read(): Map<string, bigint> {
    const out = new Map<string, bigint>();
    const lines = readCheckpointLines(this.path, 3);
    if (lines === undefined) return out;
    for (const [topic, partition, offset] of lines) {
      if (!/^-?\d+$/.test(partition!) || !/^-?\d+$/.test(offset!)) throw new CheckpointFormatError(this.path, `bad entry ${topic} ${partition} ${offset}`);
      out.set(`${topic}-${partition}`, BigInt(offset!));
    }
    return out;
  }

  write(entries: Iterable<{ topic: string; partition: number; offset: bigint }>): void {
    const lines: (string | number | bigint)[][] = [];
    for (const e of entries) lines.push([e.topic, e.partition, e.offset]);
    writeCheckpointLines(this.path, lines);
  }
}
