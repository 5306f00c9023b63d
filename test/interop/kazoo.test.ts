/**
 * kazoo (Python, Debian) runs its recipes against the keeper — Lock with 3 contenders (mutual
 * exclusion checked), Election, LockingQueue, Barrier, Counter, Party — and, as a control that
 * the script itself is right, against a real ZooKeeper 3.8. See py/kazoo_recipes.py.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startKeeper } from '../../src/keeper/index.js';
import { pythonModule, systemPython } from '../helpers/interop.js';
import { repoRoot, tempDir } from '../helpers/paths.js';
import { realZooKeeper, startRealZooKeeper } from '../helpers/real-zookeeper.js';

const kazoo = pythonModule('kazoo');
const script = join(repoRoot, 'test', 'interop', 'py', 'kazoo_recipes.py');

function runRecipes(connectString: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(systemPython, [script, connectString], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 90_000);
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function assertAllRecipes(result: { code: number | null; output: string }): void {
  const oks = result.output.split('\n').filter((l) => l.startsWith('ok '));
  assert.equal(result.code, 0, result.output);
  assert.deepEqual(
    oks.map((l) => l.split(':')[0]),
    ['ok lock_three_contenders', 'ok election', 'ok locking_queue', 'ok barrier', 'ok counter', 'ok party'],
    result.output,
  );
}

test('kazoo recipes against the keeper', { skip: kazoo.skip, timeout: 120_000 }, async () => {
  const dir = tempDir('gregor-kazoo-');
  const keeper = await startKeeper({ clientPort: 0, clientPortAddress: '127.0.0.1', dataDir: dir.path, tickTime: 2000 });
  try {
    assertAllRecipes(await runRecipes(keeper.connectString));
  } finally {
    await keeper.close();
    dir.cleanup();
  }
});

test('kazoo recipes against a real ZooKeeper 3.8 (control)', { skip: kazoo.skip || realZooKeeper().skip, timeout: 120_000 }, async () => {
  const zk = await startRealZooKeeper();
  try {
    assertAllRecipes(await runRecipes(zk.connectString));
  } finally {
    await zk.stop();
  }
});
