/** `gregor zk`'s pure parts: zkCli's word splitting and options, Java's Date.toString, ACL parsing and printing, error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions, tokenizeCommandLine } from '../../../src/cli/zk/tokenize.js';
import { cliErrorMessage, formatAcl, formatStat, formatWatchedEvent, javaDateString, parseAcl, permString } from '../../../src/cli/zk/format.js';
import { KeeperError, Perms, ZkErrorCode } from '../../../src/jute/index.js';

test('command lines split like ZooKeeperMain (quotes group words and are dropped)', () => {
  assert.deepEqual(tokenizeCommandLine(`create -e /lock 'lock'`), ['create', '-e', '/lock', 'lock']);
  assert.deepEqual(tokenizeCommandLine(`set /b "with space"  `), ['set', '/b', 'with space']);
  assert.deepEqual(tokenizeCommandLine(`create /e ""`), ['create', '/e', '']);
  assert.deepEqual(tokenizeCommandLine('   '), []);
});

test('options may come anywhere; valued options take the next word; unknown ones are refused', () => {
  const o = parseOptions(['/a', '-d', '-v', '3'], ['d', 'c'], ['v']);
  assert.deepEqual([...o.flags], ['d']);
  assert.equal(o.values.get('v'), '3');
  assert.deepEqual(o.args, ['/a']);
  assert.throws(() => parseOptions(['-x', '/a'], ['d'], []), { message: "org.apache.commons.cli.UnrecognizedOptionException: Unrecognized option: -x" });
  assert.throws(() => parseOptions(['/a', '-v'], [], ['v']), { message: "org.apache.commons.cli.MissingArgumentException: Missing argument for option: v" });
});

test('times print as java.util.Date#toString', () => {
  const saved = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    assert.equal(javaDateString(0n), 'Thu Jan 01 00:00:00 UTC 1970');
    assert.equal(javaDateString(Date.UTC(2026, 10, 22, 4, 29, 5)), 'Sun Nov 22 04:29:05 UTC 2026');
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
});

test('stat, ACL and watch event output match zkCli 3.8', () => {
  const stat = { czxid: 2n, mzxid: 6n, ctime: 0n, mtime: 0n, version: 1, cversion: 2, aversion: 0, ephemeralOwner: 0x1000004f59a0000n, dataLength: 7, numChildren: 1, pzxid: 3n };
  const text = formatStat(stat);
  assert.match(text, /^cZxid = 0x2\nctime = .*\nmZxid = 0x6\nmtime = .*\npZxid = 0x3\ncversion = 2\ndataVersion = 1\naclVersion = 0\nephemeralOwner = 0x1000004f59a0000\ndataLength = 7\nnumChildren = 1\n$/);
  assert.equal(permString(Perms.ALL), 'cdrwa');
  assert.equal(permString(Perms.READ | Perms.ADMIN), 'ra');
  assert.equal(formatAcl({ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }), "'world,'anyone\n: cdrwa\n");
  assert.equal(formatWatchedEvent({ type: 'NodeDeleted', state: 'SyncConnected', path: '/lock' }), '\nWATCHER::\n\nWatchedEvent state:SyncConnected type:NodeDeleted path:/lock\n');
  assert.equal(formatWatchedEvent({ type: 'None', state: 'Closed', path: null }), '\nWATCHER::\n\nWatchedEvent state:Closed type:None path:null\n');
});

test('ACL strings parse as AclParser; bad entries are reported and skipped', () => {
  const warnings: string[] = [];
  const acl = parseAcl('digest:u:Jq7w=:cdrwa,world:anyone:r,bad:acl,ip:1.2.3.4:rq', (l) => warnings.push(l));
  assert.deepEqual(acl, [
    { perms: Perms.ALL, id: { scheme: 'digest', id: 'u:Jq7w=' } },
    { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
    { perms: Perms.READ, id: { scheme: 'ip', id: '1.2.3.4' } },
  ]);
  assert.deepEqual(warnings, ['bad:acl does not have the form scheme:id:perm', 'Unknown perm type: q']);
});

test('errors print as zkCli prints them', () => {
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.NODEEXISTS, '/lock')), 'Node already exists: /lock');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.NONODE, '/x')), 'Node does not exist: /x');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.NOAUTH, '/x')), 'Insufficient permission : /x');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.BADVERSION, '/a')), 'version No is not valid : /a');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.NOTEMPTY, '/a')), 'Node not empty: /a');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.INVALIDACL, '')), 'Acl is not valid : null');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.NOWATCHER, '/a')), 'KeeperErrorCode = No such watcher for /a');
  assert.equal(cliErrorMessage(new KeeperError(ZkErrorCode.CONNECTIONLOSS, '/a')), 'KeeperErrorCode = ConnectionLoss for /a');
});

test('the shell in process: commands against the keeper, tab completion of commands and paths', async () => {
  const { startKeeper } = await import('../../../src/keeper/index.js');
  const { tempDir } = await import('../../helpers/paths.js');
  const { ZkShell } = await import('../../../src/cli/zk/shell.js');
  const dir = tempDir('gregor-zk-shell-');
  const keeper = await startKeeper({ clientPort: 0, clientPortAddress: '127.0.0.1', dataDir: dir.path, tickTime: 500 });
  let out = '';
  let err = '';
  const shell = new ZkShell({ server: keeper.connectString, sessionTimeoutMs: 4000, readOnly: false }, { out: (t) => (out += t), err: (t) => (err += t) });
  try {
    await shell.open();
    assert.equal(await shell.execute("create /workers 'w'"), true);
    assert.equal(await shell.execute('create /workers/w1'), true);
    assert.equal(await shell.execute('create /workers'), false);
    assert.equal(await shell.execute('get /workers'), true);
    assert.equal(await shell.execute('nosuch'), false);
    assert.match(err, /Created \/workers\nCreated \/workers\/w1\nNode already exists: \/workers\n/);
    assert.match(err, /Command not found: Command not found nosuch/);
    assert.match(out, /\nw\n/);
    assert.equal(shell.prompt(), `[zk: ${keeper.connectString}(CONNECTED) 5] `);
    assert.deepEqual(await shell.complete('getA'), [['getAcl ', 'getAllChildrenNumber '], 'getA']);
    assert.deepEqual(await shell.complete('ls /wo'), [['/workers'], '/wo']);
    assert.deepEqual(await shell.complete('ls /workers/'), [['/workers/w1'], '/workers/']);
    assert.equal(await shell.execute('quit'), true);
    assert.equal(shell.quitRequested, true);
    assert.match(out, /WatchedEvent state:Closed type:None path:null\n$/);
    assert.equal(await shell.execute('ls /'), false);
    assert.match(out, /Not connected\n$/);
  } finally {
    await shell.closeSession();
    await keeper.close();
    dir.cleanup();
  }
});
