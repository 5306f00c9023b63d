/**
 * Crash: a client pipelines 10k creates against the compiled `gregor keeper`; the process is
 * SIGKILLed mid-stream; after a restart on the same dataDir every acknowledged znode is there
 * with its data (a write is acknowledged only after the fdatasync of its group commit).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OpCode } from '../../src/jute/constants.js';
import * as J from '../../src/jute/generated/records.js';
import { Writer } from '../../src/util/bytes.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { RawZk } from './raw-client.js';

const OPEN = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const TOTAL = 10_000;
const KILL_AFTER_ACKS = 4_000;
const WINDOW = 500;

function startCli(cfg: string): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, 'keeper', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GREGOR_LOG_LEVEL: 'info' } });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`keeper did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /keeper listening on [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`keeper exited with ${code}: ${out}`));
    });
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}

test('SIGKILL mid-stream loses no acknowledged znode', { skip: existsSync(cliPath) ? false : 'run npm run build first' }, async () => {
  const dir = tempDir('keeper-crash-');
  const cfg = join(dir.path, 'zoo.cfg');
  writeFileSync(cfg, `tickTime=2000\ndataDir=${join(dir.path, 'data')}\nclientPort=0\nclientPortAddress=127.0.0.1\nsnapCount=3000\n`);
  let { child, port } = await startCli(cfg);
  try {
    const c = await RawZk.open(port);
    await c.handshake();
    const acked: number[] = [];
    let sent = 0;
    let seen = 0;
    let killed = false;
    const send = (): void => {
      while (!killed && sent < TOTAL && sent - seen < WINDOW) {
        const i = sent++;
        c.sendFrame(createFrame(i));
      }
    };
    send();
    await c.waitFor(() => {
      for (; seen < c.frames.length; seen++) {
        const f = c.frames[seen]!;
        if (f.err === 0 && f.xid > 0) acked.push(f.xid - 1);
      }
      if (!killed && acked.length >= KILL_AFTER_ACKS) {
        killed = true;
        child.kill('SIGKILL');
        return true;
      }
      send();
      return sent >= TOTAL && seen >= TOTAL;
    }, 60_000).catch(() => undefined);
    await kill(child, 'SIGKILL');
    c.end();
    assert.ok(acked.length >= KILL_AFTER_ACKS && acked.length < TOTAL, `killed mid-stream after ${acked.length} acks`);

    ({ child, port } = await startCli(cfg));
    const v = await RawZk.open(port);
    await v.handshake();
    let missing = 0;
    for (let start = 0; start < acked.length; start += WINDOW) {
      const chunk = acked.slice(start, start + WINDOW);
      const replies = await Promise.all(
        chunk.map((i, k) => v.request(100_000 + start + k, OpCode.getData, (w) => J.encodeGetDataRequest(w, { path: `/crash-${i}`, watch: false }))),
      );
      replies.forEach((r, k) => {
        if (r.err !== 0 || J.decodeGetDataResponse(r.body).data!.toString() !== `payload-${chunk[k]}`) missing++;
      });
    }
    assert.equal(missing, 0, `${missing} of ${acked.length} acknowledged znodes lost`);
    v.end();
  } finally {
    await kill(child, 'SIGTERM');
    dir.cleanup();
  }
});

function createFrame(i: number): Buffer {
  const w = new Writer();
  J.encodeRequestHeader(w, { xid: i + 1, type: OpCode.create });
  J.encodeCreateRequest(w, { path: `/crash-${i}`, data: Buffer.from(`payload-${i}`), acl: OPEN, flags: 0 });
  return Buffer.from(w.finish());
}
