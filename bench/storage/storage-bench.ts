/**
 * Storage benchmark: UnifiedLog append throughput for 16 KiB and 1 MiB batches of 1 KiB records
 * next to a raw sequential write of the same bytes (same run, same directory), and read
 * throughput from the tail cache and from segment files next to a raw sequential read.
 *
 *   node --import tsx bench/storage/storage-bench.ts [--mb 256] [--partitions 10000] [--dir /tmp]
 *
 * Prints kafka-producer-perf-test style lines and the ratios to the raw references.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRecordBatch } from '../../src/protocol/records/batch.js';
import { ManualClock, systemClock } from '../../src/util/clock.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { createLogger } from '../../src/util/logger.js';
import { FileHandleCache, alignedSlab } from '../../src/storage/file-handle-cache.js';
import { buildLogConfig } from '../../src/storage/log-config.js';
import { UnifiedLog } from '../../src/storage/unified-log.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const totalMb = Number(arg('mb', '256'));
const baseDir = arg('dir', tmpdir());
const logger = createLogger({ level: 'silent' });

function makeBatch(records: number): Buffer {
  const value = Buffer.alloc(1024 - 8, 0x61);
  return encodeRecordBatch({ records: Array.from({ length: records }, (_, i) => ({ key: Buffer.from(String(i).padStart(8, '0')), value, timestamp: BigInt(Date.now()) })) });
}

function openLog(dir: string, tailCacheBytes: number): UnifiedLog {
  return UnifiedLog.open({
    dir,
    topicPartition: { topic: 'bench', partition: 0 },
    config: buildLogConfig({ 'max.message.bytes': 2 * 1024 * 1024 }),
    clock: systemClock,
    logger,
    files: new FileHandleCache(64),
    tailCacheBytes,
    hadCleanShutdown: true,
    scheduleDeletion: () => undefined,
  });
}

function line(label: string, records: number, bytes: number, seconds: number, latenciesMs: number[], noun = 'records'): number {
  const mbps = bytes / seconds / (1024 * 1024);
  const avg = latenciesMs.reduce((a, b) => a + b, 0) / Math.max(1, latenciesMs.length);
  const max = Math.max(0, ...latenciesMs);
  console.log(`${label}: ${records} ${noun}, ${(records / seconds).toFixed(1)} ${noun}/sec (${mbps.toFixed(2)} MB/sec), ${avg.toFixed(3)} ms avg latency, ${max.toFixed(3)} ms max latency`);
  return mbps;
}

function benchAppend(batchRecords: number): { log: number; raw: number } {
  const dir = mkdtempSync(join(baseDir, 'gregor-bench-'));
  try {
    const batch = makeBatch(batchRecords);
    const n = Math.max(1, Math.floor((totalMb * 1024 * 1024) / batch.length));
    // Raw reference: the same bytes written sequentially to one file.
    const fd = openSync(join(dir, 'raw.bin'), 'w');
    let t = process.hrtime.bigint();
    const rawLat: number[] = [];
    let pos = 0;
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      pos += writeSync(fd, batch, 0, batch.length, pos);
      rawLat.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    fsyncSync(fd);
    const rawSec = Number(process.hrtime.bigint() - t) / 1e9;
    closeSync(fd);
    rmSync(join(dir, 'raw.bin'));
    const raw = line(`raw write  ${batch.length} B batches`, n * batchRecords, n * batch.length, rawSec, rawLat);
    const log = openLog(join(dir, 'log'), 8 * 1024 * 1024);
    const lat: number[] = [];
    t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const s = process.hrtime.bigint();
      log.append(batch, { leaderEpoch: 0, origin: 'client' });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    log.flush();
    const logSec = Number(process.hrtime.bigint() - t) / 1e9;
    const logMbps = line(`log append ${batch.length} B batches`, n * batchRecords, n * batch.length, logSec, lat);
    log.close();
    return { log: logMbps, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchRead(): { tail: number; disk: number; diskAgain: number; raw: number } {
  const dir = mkdtempSync(join(baseDir, 'gregor-bench-'));
  try {
    const batch = makeBatch(16);
    const n = Math.floor((totalMb * 1024 * 1024) / batch.length);
    let log = openLog(join(dir, 'log'), 8 * 1024 * 1024);
    for (let i = 0; i < n; i++) log.append(batch, { leaderEpoch: 0, origin: 'client' });
    log.highWatermark = log.logEndOffset;
    // Tail cache: consumers at the end re-read the newest ~8 MiB.
    const tailStart = log.tailCache.firstOffset!;
    let bytes = 0;
    let reads = 0;
    const lat: number[] = [];
    let t = process.hrtime.bigint();
    while (bytes < totalMb * 1024 * 1024) {
      let off = tailStart;
      while (off < log.logEndOffset) {
        const s = process.hrtime.bigint();
        const r = log.read(off, { maxBytes: 1024 * 1024 });
        lat.push(Number(process.hrtime.bigint() - s) / 1e6);
        bytes += r.records.length;
        reads++;
        off += BigInt((r.records.length / batch.length) * 16);
      }
    }
    const tail = line('read tail cache (1 MiB fetches)', reads, bytes, Number(process.hrtime.bigint() - t) / 1e9, lat, 'fetches');
    log.close();
    // From segment files (fresh log object: empty tail cache; pages may be in the OS cache).
    log = openLog(join(dir, 'log'), 0);
    log.highWatermark = log.logEndOffset;
    bytes = 0;
    reads = 0;
    lat.length = 0;
    t = process.hrtime.bigint();
    let off = 0n;
    while (off < log.logEndOffset) {
      const s = process.hrtime.bigint();
      const r = log.read(off, { maxBytes: 1024 * 1024 });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      bytes += r.records.length;
      reads++;
      off += BigInt((r.records.length / batch.length) * 16);
    }
    const disk = line('read segments (1 MiB fetches)', reads, bytes, Number(process.hrtime.bigint() - t) / 1e9, lat, 'fetches');
    // A second consumer reading the same range: its CRCs were checked by the first pass.
    bytes = 0;
    reads = 0;
    lat.length = 0;
    t = process.hrtime.bigint();
    off = 0n;
    while (off < log.logEndOffset) {
      const s = process.hrtime.bigint();
      const r = log.read(off, { maxBytes: 1024 * 1024 });
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      bytes += r.records.length;
      reads++;
      off += BigInt((r.records.length / batch.length) * 16);
    }
    const diskAgain = line('read segments again (1 MiB fetches)', reads, bytes, Number(process.hrtime.bigint() - t) / 1e9, lat, 'fetches');
    const segPath = log.segments[0]!.logPath;
    log.close();
    // Raw reference: sequential 1 MiB reads of the same segment file into an aligned buffer.
    const fd = openSync(segPath, 'r');
    const buf = alignedSlab(1024 * 1024);
    bytes = 0;
    reads = 0;
    lat.length = 0;
    t = process.hrtime.bigint();
    for (;;) {
      const s = process.hrtime.bigint();
      const r = readSync(fd, buf, 0, buf.length, bytes);
      lat.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r === 0) break;
      bytes += r;
      reads++;
    }
    closeSync(fd);
    const raw = line('raw read of the segment file (1 MiB)', reads, bytes, Number(process.hrtime.bigint() - t) / 1e9, lat, 'reads');
    return { tail, disk, diskAgain, raw };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Many partitions: create + one append each, clean shutdown, clean open, descriptors in use. */
async function benchPartitions(n: number): Promise<void> {
  const dir = mkdtempSync(join(baseDir, 'gregor-bench-'));
  try {
    const clock = new ManualClock(Date.now());
    const opts = { logDirs: [dir], clock, logger, backgroundTasks: false, maxOpenFiles: 1024 };
    const batch = makeBatch(1);
    let t = Date.now();
    let m = await LogManager.open(opts);
    for (let p = 0; p < n; p++) m.getOrCreateLog({ topic: 'many', partition: p }).append(batch, { leaderEpoch: 0, origin: 'client' });
    const createMs = Date.now() - t;
    t = Date.now();
    await m.shutdown();
    const shutdownMs = Date.now() - t;
    t = Date.now();
    m = await LogManager.open(opts);
    const openMs = Date.now() - t;
    let readable = 0;
    for (const log of m.allLogs()) {
      log.highWatermark = log.logEndOffset;
      if (log.read(0n, { maxBytes: 1 << 20 }).records.length > 0) readable++;
    }
    console.log(`${n} partitions: create+append ${createMs} ms, clean shutdown ${shutdownMs} ms, clean open ${openMs} ms, ${readable} read back, ${m.files.size} descriptors open (bound ${opts.maxOpenFiles}, ${m.files.evictions} LRU evictions)`);
    m.abandon();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const a16 = benchAppend(16);
const a1m = benchAppend(1024);
const r = benchRead();
await benchPartitions(Number(arg('partitions', '10000')));
console.log('\nratios (log / raw reference, same run):');
console.log(`  append 16 KiB batches: ${(a16.log / a16.raw).toFixed(2)} (${a16.log.toFixed(1)} vs ${a16.raw.toFixed(1)} MB/s)`);
console.log(`  append 1 MiB batches:  ${(a1m.log / a1m.raw).toFixed(2)} (${a1m.log.toFixed(1)} vs ${a1m.raw.toFixed(1)} MB/s)`);
console.log(`  read tail cache:       ${(r.tail / r.raw).toFixed(2)} (${r.tail.toFixed(1)} vs raw read ${r.raw.toFixed(1)} MB/s)`);
console.log(`  read segments:         ${(r.disk / r.raw).toFixed(2)} (${r.disk.toFixed(1)} vs raw read ${r.raw.toFixed(1)} MB/s)`);
console.log(`  read segments again:   ${(r.diskAgain / r.raw).toFixed(2)} (${r.diskAgain.toFixed(1)} vs raw read ${r.raw.toFixed(1)} MB/s)`);
