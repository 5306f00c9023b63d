/**
 * zkCli.sh is the judge of `gregor zk` and of the keeper: one scripted two-client session (the
 * users' notes: an ephemeral lock, a workers group with a child watch, sequential nodes, set/get/
 * stat, delete, deleteall, digest ACLs with addauth) runs in the matrix
 * {zkCli.sh, gregor zk} x {keeper, real ZooKeeper 3.8}. Each shell is driven through its stdin,
 * one line at a time; times, zxids and session ids are normalised; every transcript must equal
 * zkCli.sh's against the real ZooKeeper.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKeeper, type Keeper } from '../../src/keeper/index.js';
import { ZooKeeperClient } from '../../src/keeper/client/index.js';
import { cliPath, tempDir } from '../helpers/paths.js';
import { interopTool } from '../helpers/interop.js';
import { realZooKeeper, startRealZooKeeper, type RealZooKeeper } from '../helpers/real-zookeeper.js';

const ZKCLI = '/usr/share/zookeeper/bin/zkCli.sh';
const zkCliTool = existsSync(ZKCLI) ? interopTool('zkCli.sh (Debian zookeeper)', ['java', '-version']) : interopTool('zkCli.sh (Debian zookeeper)', ['test', '-e', ZKCLI]);
const realZk = realZooKeeper();
const skip = zkCliTool.skip || realZk.skip;

type ClientName = 'A' | 'B';

const digestId = `u:${createHash('sha1').update('u:p').digest('base64')}`;

/** The script: which client types which line. */
const script: Array<[ClientName, string]> = [
  ['A', "create -e /lock 'lock'"],
  ['B', "create -e /lock 'lock'"],
  ['B', 'stat -w /lock'],
  ['A', 'create /workers'],
  ['A', 'ls -w /workers'],
  ['B', "create -e /workers/w1 'w1:8888'"],
  ['A', "create -s /workers/task- 'job'"],
  ['A', 'create -e -s /workers/eph-'],
  ['A', 'ls /workers'],
  ['A', "set /workers 'cfg v1'"],
  ['A', 'get /workers'],
  ['A', 'get -s /workers'],
  ['A', 'stat /workers'],
  ['A', 'set -s -v 1 /workers cfg2'],
  ['A', 'set -v 1 /workers cfg3'],
  ['A', 'get -w /workers'],
  ['B', 'set /workers fromB'],
  ['A', 'delete /workers'],
  ['A', 'delete /nothing'],
  ['A', 'get /nothing'],
  ['A', 'create /app one'],
  ['A', 'create /app/x'],
  ['A', 'create /app/x/y deep'],
  ['A', 'ls -R /app'],
  ['A', 'delete -v 3 /app/x/y'],
  ['A', 'deleteall /app'],
  ['A', 'ls /'],
  ['A', 'addauth digest u:p'],
  ['A', 'create /sec secret'],
  ['A', `setAcl /sec digest:${digestId}:cdrwa`],
  ['A', 'getAcl /sec'],
  ['B', 'get /sec'],
  ['B', 'getAcl /sec'],
  ['B', 'addauth digest u:p'],
  ['B', 'get /sec'],
  ['B', 'getAcl -s /sec'],
  ['B', 'setAcl -s /sec world:anyone:r'],
  ['A', 'set /sec nope'],
  // (getEphemerals is left out: under a chroot zkCli.sh prints server paths — the Java client does
  // not strip the chroot there — while the keeper client does; see src/keeper/client/README.md.)
  ['A', 'getAllChildrenNumber /workers'],
  ['A', 'quit'],
  ['B', 'ls /workers'],
  ['B', 'stat /lock'],
  ['B', 'quit'],
];

interface Shell {
  proc: ChildProcessWithoutNullStreams;
  stdout: string;
  stderr: string;
  lastOutputMs: number;
}

function launch(kind: 'zkCli.sh' | 'gregor zk', server: string): Shell {
  const proc =
    kind === 'zkCli.sh'
      ? spawn(ZKCLI, ['-server', server], { env: { ...process.env, CLIENT_JVMFLAGS: '-Xshare:auto -XX:TieredStopAtLevel=1' } })
      : spawn(process.execPath, [cliPath, 'zk', '-server', server], { env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' } });
  const shell: Shell = { proc, stdout: '', stderr: '', lastOutputMs: Date.now() };
  proc.stdout.on('data', (d: Buffer) => {
    shell.stdout += d.toString('utf8');
    shell.lastOutputMs = Date.now();
  });
  proc.stderr.on('data', (d: Buffer) => {
    shell.stderr += d.toString('utf8');
    shell.lastOutputMs = Date.now();
  });
  return shell;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until no shell has printed for `quietMs` (at least `minMs`, at most `maxMs`). */
async function settle(shells: Shell[], minMs: number, quietMs: number, maxMs: number): Promise<void> {
  const start = Date.now();
  await sleep(minMs);
  while (Date.now() - start < maxMs) {
    const last = Math.max(...shells.map((s) => s.lastOutputMs));
    if (Date.now() - last >= quietMs) return;
    await sleep(20);
  }
}

/** Waits until `text` occurs in the shell's stdout more than `seenBefore - 1` times (split count). */
async function waitFor(shell: Shell, text: string, timeoutMs: number, seenBefore = 1): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (shell.stdout.split(text).length <= seenBefore) {
    if (Date.now() > deadline) throw new Error(`shell did not print '${text}': ${shell.stdout} ${shell.stderr}`);
    await sleep(20);
  }
}

async function exited(shell: Shell, timeoutMs: number): Promise<void> {
  if (shell.proc.exitCode !== null) return;
  const done = new Promise<void>((r) => shell.proc.once('exit', () => r()));
  const timer = setTimeout(() => shell.proc.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

/** Sent after every line: `printwatches` without an argument prints its setting, connected or not. */
const MARKER_COMMAND = 'printwatches';
const MARKER_OUTPUT = 'printwatches is o';

function normalise(text: string, server: string): string {
  return text
    .split('\n')
    .filter((l) => !l.startsWith('SLF4J:') && !/^printwatches is (on|off)$/.test(l))
    .join('\n')
    .split(server)
    .join('<server>')
    // zkCli's quit may exit before its event thread prints the final Closed event: drop it, with
    // the empty line printMessage puts before each of its two lines ("\nWATCHER::", "\nWatchedEvent…").
    .replace(/\n\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null\n$/, '\n')
    .replace(/^(ctime|mtime) = .*$/gm, '$1 = <time>')
    .replace(/0x[0-9a-f]+/g, '0x<hex>');
}

type Transcript = Record<ClientName, { stdout: string; stderr: string }>;

/** Transcript differences from the reference, one message per client and stream. */
function compare(name: string, got: Partial<Transcript>, reference: Partial<Transcript>): string[] {
  const failures: string[] = [];
  for (const who of Object.keys(reference) as ClientName[]) {
    for (const stream of ['stdout', 'stderr'] as const) {
      try {
        assert.equal(got[who]?.[stream], reference[who]![stream]);
      } catch (err) {
        failures.push(`${name}, client ${who} ${stream}:\n${(err as Error).message}`);
      }
    }
  }
  return failures;
}

/** Per step, how many WATCHER:: blocks each shell had printed once the step settled (from the reference run). */
type EventCounts = Array<Partial<Record<ClientName, number>>>;

const countEvents = (shell: Shell): number => shell.stdout.split('WATCHER::').length - 1;

/**
 * Runs `lines` through one shell per client. The reference run settles generously and records
 * how many watch events each shell had printed after each step; the other runs wait for the
 * same counts before settling, so an event printed late (zkCli prints them from its event
 * thread) cannot swap places with the next command's output.
 */
async function runScript(
  kind: 'zkCli.sh' | 'gregor zk',
  server: string,
  lines: Array<[ClientName, string]> = script,
  expected?: EventCounts,
): Promise<{ transcript: Partial<Transcript>; counts: EventCounts }> {
  const names = [...new Set(lines.map(([who]) => who))];
  const shells = Object.fromEntries(names.map((n) => [n, launch(kind, server)])) as Record<ClientName, Shell>;
  const counts: EventCounts = [];
  try {
    for (const s of Object.values(shells)) await waitFor(s, 'state:SyncConnected', 30_000);
    await settle(Object.values(shells), 100, 150, 2000);
    const markers = Object.fromEntries(names.map((n) => [n, 0])) as Record<ClientName, number>;
    for (const [step, [who, line]] of lines.entries()) {
      // close / connect print their state event from zkCli's event thread while its main thread
      // reads on: the reference waits for it explicitly.
      const awaited = line === 'close' ? 'state:Closed' : line.startsWith('connect') ? 'state:SyncConnected' : undefined;
      const awaitedBefore = awaited === undefined ? 0 : shells[who].stdout.split(awaited).length;
      shells[who].proc.stdin.write(`${line}\n`);
      if (line === 'close') {
        // No marker here: once closed, it would also print "Not connected", racing zkCli's Closed event.
        await waitFor(shells[who], 'state:Closed', 10_000, awaitedBefore);
      } else if (line !== 'quit') {
        // A barrier: both shells run one line at a time, so the marker's answer means the line is done.
        shells[who].proc.stdin.write(`${MARKER_COMMAND}\n`);
        markers[who]++;
        await waitFor(shells[who], MARKER_OUTPUT, 15_000, markers[who]);
      }
      if (expected === undefined) {
        if (awaited !== undefined) await waitFor(shells[who], awaited, 10_000, awaitedBefore);
        await settle(Object.values(shells), 100, 300, 5000);
      } else {
        const deadline = Date.now() + 10_000;
        // (A shell that quits is not waited for: zkCli may exit before its event thread prints Closed.)
        const waitOn = names.filter((n) => !(n === who && line === 'quit'));
        while (waitOn.some((n) => countEvents(shells[n]) < (expected[step]?.[n] ?? 0)) && Date.now() < deadline) await sleep(10);
        await settle(Object.values(shells), 20, 80, 3000);
      }
      counts.push(Object.fromEntries(names.map((n) => [n, countEvents(shells[n])])));
    }
    for (const s of Object.values(shells)) {
      s.proc.stdin.end();
      await exited(s, 10_000);
    }
  } finally {
    for (const s of Object.values(shells)) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
  }
  const t = (s: Shell): { stdout: string; stderr: string } => ({ stdout: normalise(s.stdout, server), stderr: normalise(s.stderr, server) });
  const dump = process.env.GREGOR_ZKCLI_DUMP; // a directory: keep raw transcripts for debugging
  if (dump !== undefined) {
    for (const n of names) {
      const file = join(dump, `${kind.replace(/\W/g, '')}-${server.replace(/\W/g, '_')}-${n}`);
      writeFileSync(`${file}.out`, shells[n].stdout);
      writeFileSync(`${file}.err`, shells[n].stderr);
    }
  }
  return { transcript: Object.fromEntries(names.map((n) => [n, t(shells[n])])), counts };
}

let keeper: Keeper | undefined;
let keeperDir: { path: string; cleanup: () => void } | undefined;
let real: RealZooKeeper | undefined;

before(async () => {
  if (skip) return;
  keeperDir = tempDir('gregor-zkcli-keeper-');
  keeper = await startKeeper({ clientPort: 0, clientPortAddress: '127.0.0.1', dataDir: keeperDir.path, tickTime: 2000, extendedTypesEnabled: true });
  real = await startRealZooKeeper();
});

after(async () => {
  await keeper?.close();
  keeperDir?.cleanup();
  await real?.stop();
});

/** The cells compared with zkCli.sh on the real ZooKeeper: [name, shell, server]. */
function matrixCells(): Array<[string, 'zkCli.sh' | 'gregor zk', string]> {
  return [
    ['gregor zk x real ZooKeeper 3.8', 'gregor zk', real!.connectString],
    ['zkCli.sh x keeper', 'zkCli.sh', keeper!.connectString],
    ['gregor zk x keeper', 'gregor zk', keeper!.connectString],
  ];
}

/** Each run gets its own chroot, so runs on one server start from the same empty tree. */
async function chrootFor(connectString: string, name: string): Promise<string> {
  const zk = new ZooKeeperClient(connectString);
  await zk.connect();
  await zk.create(`/${name}`);
  await zk.close();
  return `${connectString}/${name}`;
}

test('zkCli.sh and gregor zk print the same transcripts against the keeper and a real ZooKeeper 3.8', { skip, timeout: 170_000 }, async () => {
  const ref = await runScript('zkCli.sh', await chrootFor(real!.connectString, 'zkcli'));
  const reference = ref.transcript as Transcript;
  // Sanity: the reference really exercised what the users' notes describe.
  assert.match(reference.B.stderr, /Node already exists: \/lock/);
  assert.match(reference.A.stdout, /WatchedEvent state:SyncConnected type:NodeChildrenChanged path:\/workers/);
  assert.match(reference.B.stdout, /WatchedEvent state:SyncConnected type:NodeDeleted path:\/lock/);
  assert.match(reference.B.stderr, /Insufficient permission : \/sec/);
  assert.match(reference.A.stderr, /Created \/workers\/task-0000000001/);
  // The cells run side by side: each waits for the reference's watch events step by step.
  const failures = (
    await Promise.all(
      matrixCells().map(async ([name, kind, base]) => {
        const run = await runScript(kind, await chrootFor(base, `${kind === 'zkCli.sh' ? 'zkcli' : 'gregor'}`), script, ref.counts);
        return compare(name, run.transcript, reference);
      }),
    )
  ).flat();
  assert.deepEqual(failures, []);
});

/** Every other command and flag zkCli has, its error texts and usage lines: one client. */
const broadScript: Array<[ClientName, string]> = [
  'create /a data1', 'create /a/b', 'create /a/b/c cc', 'ls -R /a', 'ls -R /', 'ls -s /a', 'ls -w /a',
  'set -v 5 /a x', 'set -s /a newdata', 'delete -v 7 /a/b/c', 'stat /a', 'stat /zz', 'get -s /a', 'get -w /a',
  'stat -w /a/b', 'set /a again', 'set /a/b xx', 'create -t 600000 /ttl x', 'create -c /cont', 'create -s /a/seq x',
  'create -e -s /a/eseq', 'create -e /a/eseq0000000003/child', 'create -c -e /bad', 'create -t 100 -e /bad',
  'getAllChildrenNumber /a', 'sync /a', 'addWatch /a', 'addWatch -m PERSISTENT /a/b',
  'set /a/b/c yy', 'create /a/b/d', 'removewatches /a', 'removewatches /a -d', 'removewatches /zz',
  // (not `removewatches /a/b -c` on a persistent watch: ZooKeeper 3.8.0 drops the connection there)
  // (no failing deleteall: zkCli 3.8.0 prints "Failed to delete some node(s)" only some of the times)
  'whoami', 'addauth digest u:p', 'whoami', 'create /acl x digest:u:bad:cdrwa', 'create /acl2 x auth:u:p:cdrwa',
  'getAcl -s /acl2', 'getAcl /acl', 'setAcl -s /acl2 world:anyone:r', 'setAcl -v 9 /acl2 world:anyone:cdrwa',
  'setAcl -R /a world:anyone:cdrwa', 'getAcl /a/b/c', 'setAcl /a bad:acl', 'create /q x', 'setAcl /q world:anyone:rq', 'getAcl /q', 'get /acl', 'ls foo', 'ls /a/', 'create',
  'ls', 'set /a', 'get /zz', 'delete /a', 'get -x /a', 'deleteall /a', 'ls /', 'create /b "quoted data"', 'get /b',
  "create /c 'single quoted'", 'get /c', 'set /b "with space" ', 'get /b', 'create /d', 'get /d', 'create /e ""', 'get /e',
  'stat /d', 'config', 'config -s', 'config -c', 'printwatches off', 'get -w /d', 'set /d x', 'printwatches on', 'close', 'ls /', 'connect', 'ls /', 'quit',
].map((line) => ['A', line] as [ClientName, string]);

test('every zkCli command, flag and error text: gregor zk and the keeper match zkCli.sh on a real ZooKeeper', { skip, timeout: 170_000 }, async () => {
  const ref = await runScript('zkCli.sh', await chrootFor(real!.connectString, 'broad-zkcli'), broadScript);
  const reference = ref.transcript;
  assert.match(reference.A!.stderr, /version No is not valid : \/a/);
  assert.match(reference.A!.stdout, /type:PersistentWatchRemoved path:\/a/);
  const failures = (
    await Promise.all(
      matrixCells().map(async ([name, kind, base]) => {
        const run = await runScript(kind, await chrootFor(base, `broad-${kind === 'zkCli.sh' ? 'zkcli' : 'gregor'}`), broadScript, ref.counts);
        return compare(name, run.transcript, reference);
      }),
    )
  ).flat();
  assert.deepEqual(failures, []);
});

/** One-shot mode: `<shell> -server hosts cmd args` runs one command and exits 1 if it failed. */
/**
 * zkCli prints its SyncConnected event from its event thread, so in one-shot mode it lands
 * before or after the command's output depending on scheduling. Count those events and compare
 * the rest of the output without them (and without the blank lines around them).
 */
function splitConnectedEvents(stdout: string): { stdout: string; connectedEvents: number } {
  const lines = stdout.split('\n');
  const connectedEvents = lines.filter((l) => l === 'WatchedEvent state:SyncConnected type:None path:null').length;
  const rest = lines.filter((l) => l !== 'WATCHER::' && l !== 'WatchedEvent state:SyncConnected type:None path:null' && l !== '');
  return { stdout: rest.join('\n'), connectedEvents };
}

function oneShot(kind: 'zkCli.sh' | 'gregor zk', server: string, words: string[]): Promise<{ code: number | null; stdout: string; connectedEvents: number; stderr: string }> {
  return new Promise((resolve) => {
    const proc =
      kind === 'zkCli.sh'
        ? spawn(ZKCLI, ['-server', server, ...words])
        : spawn(process.execPath, [cliPath, 'zk', '-server', server, ...words], { env: { ...process.env, GREGOR_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ...splitConnectedEvents(normalise(stdout, server)), stderr: normalise(stderr, server) });
    });
  });
}

test('one-shot commands: same output and exit status as zkCli.sh, on the keeper and a real ZooKeeper', { skip, timeout: 90_000 }, async () => {
  const commands = [
    ['create', '/one', 'shot data'],
    ['get', '-s', '/one'],
    ['get', '/missing'],
  ];
  /** A fresh chroot holding what the command expects (the node /one for `get -s /one`). */
  const prepare = async (base: string, name: string, words: string[]): Promise<string> => {
    const server = await chrootFor(base, name);
    if (words[0] === 'get' && words[2] === '/one') {
      const zk = new ZooKeeperClient(server);
      await zk.connect();
      await zk.create('/one', 'shot data');
      await zk.close();
    }
    return server;
  };
  for (const [n, words] of commands.entries()) {
    const reference = await oneShot('zkCli.sh', await prepare(real!.connectString, `ref-${n}`, words), words);
    assert.equal(reference.code, words[1] === '/missing' ? 1 : 0, JSON.stringify(reference));
    for (const [kind, base] of [['gregor zk', real!.connectString], ['zkCli.sh', keeper!.connectString], ['gregor zk', keeper!.connectString]] as const) {
      const got = await oneShot(kind, await prepare(base, `${kind === 'zkCli.sh' ? 'z' : 'g'}-${n}`, words), words);
      assert.deepEqual(got, reference, `${kind} on ${base}: ${words.join(' ')}`);
    }
  }
});
