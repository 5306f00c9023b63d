/**
 * Keeper benchmark: create / setData / getData / exists / delete with 1, 16 and 128 requests in
 * flight, through the keeper client, against any ZooKeeper-protocol server. By default it starts
 * the keeper (`gregor keeper`, its own process) and a real Apache ZooKeeper 3.8 (Debian's jars)
 * on this machine, runs the same cells on both, and prints them side by side with the ratio.
 * Never part of npm test.
 *
 *   npm run build && node dist/bench/keeper/run.js [--ops 10000] [--seconds 5] [--inflight 1,16,128] [--data-bytes 100]
 *   node dist/bench/keeper/run.js --target 127.0.0.1:2181        # one server you started yourself
 *
 * Each (op, in-flight) cell is bounded by --ops operations and --seconds of wall time. Lines
 * follow kafka-producer-perf-test's shape: "N ops, X ops/sec, A ms avg latency, M ms max
 * latency, P50 ms 50th, P99 ms 99th".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZooKeeperClient } from '../../src/keeper/client/index.js';
import { fourLetterWord, freePort, realZooKeeper, startRealZooKeeper } from '../../test/helpers/real-zookeeper.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const opsPerCell = Number(arg('--ops') ?? 10_000);
const secondsPerCell = Number(arg('--seconds') ?? 5);
const inflights = (arg('--inflight') ?? '1,16,128').split(',').map(Number);
const dataBytes = Number(arg('--data-bytes') ?? 100);
const target = arg('--target');

type OpName = 'create' | 'setData' | 'getData' | 'exists' | 'delete';

interface Cell {
  op: OpName;
  inflight: number;
  ops: number;
  opsPerSec: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `count` calls of `fn(i)` with `inflight` outstanding, stopping early at the deadline. */
async function runCell(op: OpName, inflight: number, count: number, fn: (i: number) => Promise<unknown>): Promise<Cell> {
  const latencies: number[] = [];
  const deadline = performance.now() + secondsPerCell * 1000;
  let next = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      await fn(i);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsedS = (performance.now() - start) / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const sum = latencies.reduce((a, b) => a + b, 0);
  return {
    op,
    inflight,
    ops: latencies.length,
    opsPerSec: latencies.length / elapsedS,
    avgMs: sum / Math.max(1, latencies.length),
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted[sorted.length - 1] ?? 0,
  };
}

function line(server: string, c: Cell): string {
  return (
    `${server.padEnd(10)} ${c.op.padEnd(8)} inflight=${String(c.inflight).padEnd(4)} ` +
    `${c.ops} ops, ${c.opsPerSec.toFixed(0)} ops/sec, ${c.avgMs.toFixed(2)} ms avg latency, ${c.maxMs.toFixed(2)} ms max latency, ` +
    `${c.p50Ms.toFixed(2)} ms 50th, ${c.p99Ms.toFixed(2)} ms 99th.`
  );
}

/** All cells against one server: per in-flight level, create N nodes, then read/write them, then delete them. */
async function benchServer(name: string, connectString: string): Promise<Cell[]> {
  const zk = new ZooKeeperClient(connectString, { sessionTimeoutMs: 30_000, maxQueuedRequests: 1_000_000 });
  await zk.connect();
  const data = Buffer.alloc(dataBytes, 0x61);
  const cells: Cell[] = [];
  try {
    for (const inflight of inflights) {
      const parent = `/bench-${inflight}`;
      await zk.create(parent).catch(() => undefined);
      const path = (i: number): string => `${parent}/n${i}`;
      const create = await runCell('create', inflight, opsPerCell, (i) => zk.create(path(i), data));
      const made = create.ops;
      const cellsHere = [
        create,
        await runCell('setData', inflight, opsPerCell, (i) => zk.setData(path(i % made), data)),
        await runCell('getData', inflight, opsPerCell, (i) => zk.getData(path(i % made))),
        await runCell('exists', inflight, opsPerCell, (i) => zk.exists(path(i % made))),
      ];
      // Delete every created node (bounded by the time cap; the rest is removed untimed).
      const del = await runCell('delete', inflight, made, (i) => zk.delete(path(i)));
      cellsHere.push(del);
      await zk.deleteAll(parent);
      for (const c of cellsHere) {
        console.log(line(name, c));
        cells.push(c);
      }
    }
  } finally {
    await zk.close();
  }
  return cells;
}

async function waitForServer(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fourLetterWord(host, port, 'ruok', 1000)) === 'imok') return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`keeper on ${host}:${port} did not answer ruok`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** `gregor keeper --config zoo.cfg` in its own process (the bench's client must not share its event loop). */
async function startKeeperProcess(): Promise<{ connectString: string; stop(): Promise<void> }> {
  const here = dirname(fileURLToPath(import.meta.url));
  const cli = join(here, '..', '..', 'src', 'cli', 'main.js');
  const root = mkdtempSync(join(tmpdir(), 'gregor-bench-keeper-'));
  const port = await freePort();
  const cfg = join(root, 'zoo.cfg');
  writeFileSync(cfg, `tickTime=2000\ndataDir=${join(root, 'data')}\nclientPort=${port}\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n`);
  const child: ChildProcess = spawn(process.execPath, [cli, 'keeper', '--config', cfg], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' },
  });
  await waitForServer('127.0.0.1', port, 20_000);
  return {
    connectString: `127.0.0.1:${port}`,
    async stop() {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function sideBySide(keeper: Cell[], reference: Cell[]): void {
  console.log('\nop       inflight  keeper ops/s  p50 ms  p99 ms | zookeeper ops/s  p50 ms  p99 ms | ratio (keeper/zookeeper ops/s)');
  for (const k of keeper) {
    const r = reference.find((c) => c.op === k.op && c.inflight === k.inflight);
    if (r === undefined) continue;
    console.log(
      `${k.op.padEnd(8)} ${String(k.inflight).padStart(8)}  ${k.opsPerSec.toFixed(0).padStart(12)}  ${k.p50Ms.toFixed(2).padStart(6)}  ${k.p99Ms.toFixed(2).padStart(6)} | ` +
        `${r.opsPerSec.toFixed(0).padStart(15)}  ${r.p50Ms.toFixed(2).padStart(6)}  ${r.p99Ms.toFixed(2).padStart(6)} | ${(k.opsPerSec / r.opsPerSec).toFixed(2)}x`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`keeper bench: ${opsPerCell} ops per cell (cap ${secondsPerCell} s), in flight ${inflights.join('/')}, ${dataBytes}-byte values, ${new Date().toISOString()}`);
  if (target !== undefined) {
    await benchServer(target, target);
    return;
  }
  const keeper = await startKeeperProcess();
  let keeperCells: Cell[];
  try {
    keeperCells = await benchServer('keeper', keeper.connectString);
  } finally {
    await keeper.stop();
  }
  if (realZooKeeper().skip !== false) {
    console.log('real ZooKeeper 3.8 not available (java / Debian zookeeper): no reference run');
    return;
  }
  const zk = await startRealZooKeeper();
  let refCells: Cell[];
  try {
    refCells = await benchServer('zookeeper', zk.connectString);
  } finally {
    await zk.stop();
  }
  sideBySide(keeperCells, refCells);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
