import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keeperConfig, parseZooCfg } from '../../src/keeper/config.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { RawZk } from './raw-client.js';

const built = existsSync(cliPath) ? false : 'run npm run build first';

test('zoo.cfg parsing: defaults, session timeout bounds, whitelist, zookeeper.* spellings', () => {
  const c = parseZooCfg('tickTime=1000\ndataDir=/tmp/x\n# comment\nclientPort=2182\n4lw.commands.whitelist=ruok, srvr\nzookeeper.extendedTypesEnabled=true\n', '/');
  assert.equal(c.minSessionTimeoutMs, 2000);
  assert.equal(c.maxSessionTimeoutMs, 20000);
  assert.equal(c.clientPort, 2182);
  assert.equal(c.dataLogDir, '/tmp/x');
  assert.deepEqual([...c.fourLetterWordWhitelist], ['ruok', 'srvr']);
  assert.equal(c.extendedTypesEnabled, true);
  assert.equal(c.juteMaxBufferBytes, 0xfffff);
  assert.equal(c.snapCount, 100000);
  assert.equal(keeperConfig({ dataDir: '/d', '4lw.commands.whitelist': '*' }).fourLetterWordWhitelist.size, 14);
  assert.throws(() => parseZooCfg('clientPort=1\n'), /dataDir/);
  assert.throws(() => parseZooCfg('dataDir=/x\nminSessionTimeout=9000\nmaxSessionTimeout=100\n'), /minSessionTimeout/);
  assert.equal(parseZooCfg('dataDir=/x\nserver.1=h:2888:3888\nserver.2=g:2888:3888\n').servers.size, 2);
});

test('gregor keeper: --help, ensemble configs refused, -D system properties, SIGTERM stops it', { skip: built }, async () => {
  const dir = tempDir('keeper-cli-');
  let started: ChildProcess | undefined;
  try {
    assert.equal(spawnSync(process.execPath, [cliPath, 'keeper', '--help'], { encoding: 'utf8' }).status, 0);
    const quorum = join(dir.path, 'quorum.cfg');
    writeFileSync(quorum, `dataDir=${dir.path}/q\nserver.1=127.0.0.1:2888:3888\n`);
    const refused = spawnSync(process.execPath, [cliPath, 'keeper', '--config', quorum], { encoding: 'utf8' });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /ensemble \(quorum\) mode is not implemented yet/);

    // A relative dataDir is relative to the working directory, as ZooKeeper's (java.io.File) is,
    // not to the config file's directory.
    mkdirSync(join(dir.path, 'conf'));
    writeFileSync(join(dir.path, 'conf', 'zoo.cfg'), `dataDir=data\nclientPort=0\nclientPortAddress=127.0.0.1\n`);
    const child = spawn(process.execPath, [cliPath, 'keeper', '--config', 'conf/zoo.cfg', '-Djute.maxbuffer=1000'], {
      cwd: dir.path,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GREGOR_LOG_LEVEL: 'info' },
    });
    started = child;
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /keeper listening on [^:]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      setTimeout(() => reject(new Error(`no start line: ${out}`)), 20_000).unref();
    });
    assert.ok(existsSync(join(dir.path, 'data', 'version-2')), 'dataDir=data under the working directory');
    assert.ok(!existsSync(join(dir.path, 'conf', 'data')));
    const a = await RawZk.open(port);
    await a.handshake();
    const big = Buffer.alloc(2000);
    a.sendFrame(big);
    await a.closedPromise();
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    // A failed assertion must not leave the keeper running (node:test would never exit).
    if (started !== undefined && started.exitCode === null && started.signalCode === null) started.kill('SIGKILL');
    dir.cleanup();
  }
});
