/**
 * `gregor dev` as a user runs it: data under ./data of the working directory, the banner with
 * the bootstrap and zookeeper addresses, a clean stop on Ctrl-C (SIGINT) and SIGTERM, and a
 * restart that serves the same data. kcat is the client.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath, tempDir } from '../helpers/paths.js';
import { interopTool } from '../helpers/interop.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { runProcess } from './helpers/cluster.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
const cwd = tempDir('gregor-dev-cli-');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  cwd.cleanup();
});

function start(port: number, keeperPort: number, extra: string[] = []): Promise<{ child: ChildProcess; banner: string }> {
  const child = spawn(process.execPath, [cliPath, 'dev', '--port', String(port), '--keeper-port', String(keeperPort), '--host', '127.0.0.1', ...extra], {
    cwd: cwd.path,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' },
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C')) resolve({ child, banner: out });
    });
    child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

test('gregor dev: banner, ./data, clean stop on SIGINT and SIGTERM, restart with its data, --http-port metrics', { skip: kcat.skip, timeout: 90_000 }, async () => {
  const port = await freePort();
  const keeperPort = await freePort();
  const first = await start(port, keeperPort);
  assert.match(first.banner, new RegExp(`bootstrap.servers\\s+127.0.0.1:${port}`));
  assert.match(first.banner, new RegExp(`zookeeper.connect\\s+127.0.0.1:${keeperPort}`));
  assert.match(first.banner, new RegExp(`data\\s+${realpathSync(cwd.path)}/data|data\\s+${cwd.path}/data`));
  const bootstrap = `127.0.0.1:${port}`;
  const p = await runProcess('kcat', ['-b', bootstrap, '-P', '-t', 'kept', '-K', ':'], { input: 'a:1\nb:2\nc:3\n' });
  assert.equal(p.code, 0, p.stderr);
  assert.equal(await stop(first.child, 'SIGINT'), 0);
  assert.ok(existsSync(join(cwd.path, 'data', 'broker-0', '.kafka_cleanshutdown')), 'clean shutdown marker written');

  const httpPort = await freePort();
  const second = await start(port, keeperPort, ['--http-port', String(httpPort)]);
  assert.match(second.banner, new RegExp(`metrics\\s+http://127.0.0.1:${httpPort}/metrics`));
  const c = await runProcess('kcat', ['-b', bootstrap, '-C', '-t', 'kept', '-o', 'beginning', '-e', '-q', '-f', '%k=%s\n']);
  assert.equal(c.code, 0, c.stderr);
  assert.deepEqual(c.stdout.trim().split('\n').sort(), ['a=1', 'b=2', 'c=3']);
  const metrics = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  assert.match(metrics, /^kafka_server_brokertopicmetrics_messagesout_total\{topic="kept",broker="0"\} 3$/m, 'the restarted broker served the 3 records');
  assert.match(metrics, /^kafka_log_log_size\{topic="kept",partition="0",broker="0"\} [1-9]\d*$/m, 'the log came back from disk');
  assert.equal(await stop(second.child, 'SIGTERM'), 0);
});
