/**
 * LeaderEpochFileCache — the `leader-epoch-checkpoint` file of a partition (KIP-101 / KIP-279):
 * for each leader epoch the first offset written in it, as a checkpoint file with entries
 * `epoch startOffset`. Followers ask the leader for the end offset of their latest epoch
 * (OffsetForLeaderEpoch) and truncate to it, instead of to the high watermark.
 */
import { dirname } from 'node:path';
import { CheckpointFormatError, readCheckpointLines, writeCheckpointLines } from './checkpoint-file.js';

export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export class LeaderEpochFileCache {
  private epochs: EpochEntry[] = [];
  private unsynced = false;

  /** True when the file existed but could not be read: the log must re-derive epochs from its batches. */
  readonly unreadable: boolean = false;

  constructor(readonly path: string) {
    try {
      const lines = readCheckpointLines(path, 2) ?? [];
      for (const [epoch, offset] of lines) {
        if (!/^-?\d+$/.test(epoch!) || !/^-?\d+$/.test(offset!)) throw new CheckpointFormatError(path, `bad entry ${epoch} ${offset}`);
        this.epochs.push({ epoch: Number(epoch), startOffset: BigInt(offset!) });
      }
    } catch (e) {
      if (!(e instanceof CheckpointFormatError)) throw e;
      this.epochs = [];
      this.unreadable = true;
    }
  }

  entries(): readonly EpochEntry[] {
    return this.epochs;
  }

  get latestEpoch(): number | undefined {
    return this.epochs.at(-1)?.epoch;
  }

  /** Records that `epoch` starts at `startOffset` (ignored unless it is a new, larger epoch). */
  assign(epoch: number, startOffset: bigint): void {
    if (epoch < 0) return;
    const last = this.epochs.at(-1);
    if (last !== undefined && (epoch <= last.epoch || startOffset < last.startOffset)) {
      if (epoch <= last.epoch) return;
      // A larger epoch cannot start before the previous one: drop the entries it overtakes.
      this.epochs = this.epochs.filter((e) => e.startOffset < startOffset);
    }
    this.epochs.push({ epoch, startOffset });
    this.flush();
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= requested and the start offset of the next larger
   * epoch (or the log end offset when the requested epoch is the latest).
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: bigint): { leaderEpoch: number; endOffset: bigint } {
    if (requestedEpoch === UNDEFINED_EPOCH || this.epochs.length === 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const latest = this.epochs.at(-1)!;
    if (requestedEpoch === latest.epoch) return { leaderEpoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.epochs.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    let floor: EpochEntry | undefined;
    for (const e of this.epochs) if (e.epoch <= requestedEpoch) floor = e;
    if (floor === undefined) return { leaderEpoch: requestedEpoch, endOffset: higher.startOffset };
    return { leaderEpoch: floor.epoch, endOffset: higher.startOffset };
  }

  /** The epoch of the record at `offset` (the last entry starting at or before it). */
  epochForOffset(offset: bigint): number | undefined {
    let found: number | undefined;
    for (const e of this.epochs) if (e.startOffset <= offset) found = e.epoch;
    return found;
  }

  /** After truncating the log to `endOffset`: drops epochs that start at or after it. */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.epochs.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.epochs.length) return;
    this.epochs = kept;
    this.flush();
  }

  /** After the log start moved to `startOffset`: earlier epochs go, the one spanning it now starts there. */
  truncateFromStart(startOffset: bigint): void {
    let lastBefore: EpochEntry | undefined;
    const kept: EpochEntry[] = [];
    for (const e of this.epochs) {
      if (e.startOffset < startOffset) lastBefore = e;
      else kept.push(e);
    }
    if (lastBefore === undefined) return;
    if (kept.length === 0 || kept[0]!.startOffset > startOffset) kept.unshift({ epoch: lastBefore.epoch, startOffset });
    this.epochs = kept;
    this.flush();
  }

  clear(): void {
    this.epochs = [];
    this.flush();
  }

  /**
   * Changes are written at once (atomically, so a process crash leaves the old or new file) but
   * fsynced only by `sync()` — on log flush/close — as Kafka does since KAFKA-15046, so a new
   * leader epoch does not cost two fsyncs on the produce path. After a power loss recovery
   * re-derives epochs from the batches of unflushed segments.
   */
  private flush(): void {
    writeCheckpointLines(this.path, this.epochs.map((e) => [e.epoch, e.startOffset]), false);
    this.unsynced = true;
  }

  /** The paths to fsync (file and directory) if the checkpoint changed since the last sync. */
  deferredSyncPaths(): string[] {
    if (!this.unsynced) return [];
    this.unsynced = false;
    return [this.path, dirname(this.path)];
  }

  /** fsyncs the checkpoint if it changed since the last sync. */
  sync(): void {
    if (!this.unsynced) return;
    writeCheckpointLines(this.path, this.epochs.map((e) => [e.epoch, e.startOffset]), true);
    this.unsynced = false;
  }
}
