/** Shared helpers for storage tests: batches, logs in temp dirs, quiet loggers. */
import { encodeRecordBatch, type RecordInput } from '../../src/protocol/records/batch.js';
import { ManualClock } from '../../src/util/clock.js';
import { createLogger } from '../../src/util/logger.js';
import { FileHandleCache } from '../../src/storage/file-handle-cache.js';
import { buildLogConfig, type ConfigOverrides } from '../../src/storage/log-config.js';
import { UnifiedLog } from '../../src/storage/unified-log.js';
import type { LogSegment } from '../../src/storage/log-segment.js';

export const quietLogger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });

export interface BatchSpec {
  count?: number;
  keys?: (string | null)[];
  values?: (string | null)[];
  timestampMs?: number;
  timestamps?: number[];
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  valueBytes?: number;
}

export function makeBatch(spec: BatchSpec = {}): Buffer {
  const n = spec.count ?? spec.keys?.length ?? spec.values?.length ?? 1;
  const records: RecordInput[] = [];
  const ts = spec.timestampMs ?? 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const key = spec.keys?.[i];
    const value = spec.values !== undefined ? spec.values[i] : spec.valueBytes !== undefined ? 'x'.repeat(spec.valueBytes) : `value-${i}`;
    records.push({
      key: key === undefined || key === null ? null : Buffer.from(key),
      value: value === null || value === undefined ? null : Buffer.from(value),
      timestamp: BigInt(spec.timestamps?.[i] ?? ts),
    });
  }
  return encodeRecordBatch({
    producerId: spec.producerId ?? -1n,
    producerEpoch: spec.producerEpoch ?? -1,
    baseSequence: spec.baseSequence ?? -1,
    isTransactional: spec.transactional ?? false,
    records,
  });
}

/** An end-transaction marker batch (control record key: version, type; value: version, coordinatorEpoch). */
export function makeMarker(producerId: bigint, producerEpoch: number, commit: boolean, coordinatorEpoch = 0, timestampMs = 1_700_000_000_000): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? 1 : 0, 2);
  const value = Buffer.alloc(6);
  value.writeInt16BE(0, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return encodeRecordBatch({ producerId, producerEpoch, baseSequence: -1, isTransactional: true, isControl: true, records: [{ key, value, timestamp: BigInt(timestampMs) }] });
}

export interface TestLog {
  log: UnifiedLog;
  clock: ManualClock;
  files: FileHandleCache;
  deleted: LogSegment[][];
  reopen(opts?: { clean?: boolean; recoveryPoint?: bigint; logStartOffset?: bigint }): UnifiedLog;
}

export function openTestLog(dir: string, overrides: ConfigOverrides = {}, clock = new ManualClock(1_700_000_000_000), maxOpenFiles = 64): TestLog {
  const files = new FileHandleCache(maxOpenFiles);
  const deleted: LogSegment[][] = [];
  const open = (clean: boolean, recoveryPoint?: bigint, logStartOffset?: bigint): UnifiedLog =>
    UnifiedLog.open({
      dir,
      topicPartition: { topic: 't', partition: 0 },
      config: buildLogConfig(overrides),
      clock,
      logger: quietLogger,
      files,
      tailCacheBytes: 1 << 20,
      hadCleanShutdown: clean,
      recoveryPoint,
      logStartOffset,
      scheduleDeletion: (segs) => {
        deleted.push(segs);
        for (const s of segs) s.deleteFiles();
      },
      jitter: () => 0,
    });
  const t: TestLog = {
    log: open(true),
    clock,
    files,
    deleted,
    reopen(opts = {}) {
      t.log = open(opts.clean ?? true, opts.recoveryPoint, opts.logStartOffset);
      return t.log;
    },
  };
  return t;
}
