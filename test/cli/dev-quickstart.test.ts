/**
 * `gregor dev` is Kafka's quickstart: its brokers run with the development settings of Kafka's
 * sample server.properties — one replica for __consumer_offsets and no initial rebalance delay
 * (group.initial.rebalance.delay.ms=0: "a better out-of-the-box experience for development and
 * testing"), so a console consumer's first join does not sit out the 3 s production default.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, test } from 'node:test';
import { Admin } from '../../src/client/admin/admin.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/ports.js';

const dir = tempDir('gregor-dev-quickstart-');
let child: ChildProcess | null = null;
after(() => {
  if (child !== null && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  dir.cleanup();
});

test('gregor dev runs its brokers with the sample server.properties development settings', { timeout: 60_000 }, async () => {
  const port = await freePort();
  const keeperPort = await freePort();
  const dev = spawn(process.execPath, [cliPath, 'dev', '--data-dir', `${dir.path}/data`, '--port', String(port), '--keeper-port', String(keeperPort), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' },
  });
  child = dev;
  await new Promise<void>((resolve, reject) => {
    let out = '';
    dev.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Press Ctrl-C')) resolve();
    });
    dev.on('exit', (code) => reject(new Error(`gregor dev exited ${code}: ${out}`)));
  });
  const admin = new Admin({ bootstrapServers: `127.0.0.1:${port}` });
  try {
    const [broker] = await admin.describeConfigs([{ type: 'broker', name: '0', keys: ['group.initial.rebalance.delay.ms', 'offsets.topic.replication.factor'] }]);
    const value = (name: string): string | null | undefined => broker!.entries.find((e) => e.name === name)?.value;
    assert.equal(value('group.initial.rebalance.delay.ms'), '0');
    assert.equal(value('offsets.topic.replication.factor'), '1');
  } finally {
    await admin.close();
    const exited = new Promise((r) => dev.once('exit', r));
    dev.kill('SIGTERM');
    await exited;
  }
});
