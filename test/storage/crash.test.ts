/**
 * Crash test: a child process appends with an fsync per batch and reports each acknowledged
 * offset; it is killed with SIGKILL at random moments (20 rounds), sometimes a torn batch is
 * left at the tail; after recovery every acknowledged batch must read back intact, nothing past
 * a torn write may be visible, and the indexes are rebuilt (lookups land on the right batch).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecordBatch } from '../../src/protocol/records/batch.js';
import { splitBatches } from '../../src/protocol/records/index.js';
import { ManualClock } from '../../src/util/clock.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { tempDir } from '../helpers/paths.js';
import { quietLogger } from './helpers.js';
import { valueFor } from './fixtures/crash-writer.js';

const here = dirname(fileURLToPath(import.meta.url));
const isTs = import.meta.url.endsWith('.ts');
const child = join(here, 'fixtures', isTs ? 'crash-writer.ts' : 'crash-writer.js');

function runUntilKilled(dir: string, killAfterMs: number): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...(isTs ? ['--import', 'tsx'] : []), child, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let acked = -1n;
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('ready') && timer === undefined) timer = setTimeout(() => p.kill('SIGKILL'), killAfterMs);
        if (line.startsWith('ack ')) acked = BigInt(line.split(' ')[2]!);
      }
    });
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}`));
      else resolve(acked);
    });
  });
}

test('SIGKILL during fsync-per-batch appends loses no acknowledged batch; torn tails are cut', { timeout: 240_000 }, async () => {
  const d = tempDir('gregor-crash-');
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  let lastAcked = -1n;
  try {
    for (let round = 0; round < 20; round++) {
      const acked = await runUntilKilled(d.path, 100 + Math.floor(rand() * 400));
      if (acked > lastAcked) lastAcked = acked;
      const partDir = join(d.path, 'crash-0');
      const torn = round % 2 === 1;
      if (torn) {
        // A torn write: the first part of a valid batch after the last one on disk.
        const active = readdirSync(partDir).filter((f) => f.endsWith('.log')).sort().at(-1)!;
        const partial = Buffer.alloc(40 + Math.floor(rand() * 100), 0);
        partial.writeBigInt64BE(999_999n, 0);
        partial.writeInt32BE(5000, 8);
        appendFileSync(join(partDir, active), partial);
      }
      const logs = await LogManager.open({ logDirs: [d.path], clock: new ManualClock(Date.now()), logger: quietLogger, backgroundTasks: false, defaultConfig: { 'segment.bytes': 256 * 1024, 'index.interval.bytes': 512 } });
      const log = logs.getLog({ topic: 'crash', partition: 0 })!;
      assert.ok(log.logEndOffset > lastAcked, `round ${round}: LEO ${log.logEndOffset} must be past the last ack ${lastAcked}`);
      log.highWatermark = log.logEndOffset;
      // Read everything back: every record intact and where it belongs.
      let next = 0n;
      while (next < log.logEndOffset) {
        const r = log.read(next, { maxBytes: 256 * 1024 });
        const batches = splitBatches(r.records).batches;
        assert.ok(batches.length > 0, `round ${round}: read at ${next} returned nothing`);
        for (const b of batches) {
          for (const rec of decodeRecordBatch(b).records) {
            assert.equal(rec.offset, next, `round ${round}: offsets are dense`);
            assert.deepEqual(rec.value, valueFor(rec.offset), `round ${round}: value of offset ${rec.offset}`);
            next++;
          }
        }
      }
      // Indexes were rebuilt: every segment's offset index points at batch boundaries.
      for (const seg of log.segments) {
        seg.sanityCheck();
        if (seg.size > 4096) assert.ok(seg.offsetIndex.entries > 0, `${seg.logPath} has index entries`);
      }
      const probe = BigInt(Math.floor(rand() * Number(log.logEndOffset)));
      const first = decodeRecordBatch(splitBatches(log.read(probe, { maxBytes: 1 }).records).batches[0]!).records;
      assert.ok(first[0]!.offset <= probe && first.at(-1)!.offset >= probe, 'lookup lands on the batch holding the offset');
      logs.abandon();
    }
    const sizes = readdirSync(join(d.path, 'crash-0')).filter((f) => f.endsWith('.log')).map((f) => statSync(join(d.path, 'crash-0', f)).size);
    assert.ok(sizes.length >= 1);
  } finally {
    d.cleanup();
  }
});
