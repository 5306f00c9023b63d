/**
 * The command interpreter behind `gregor zk`: zkCli.sh's commands, flags and output, one line
 * at a time over a ZooKeeperClient. I/O goes through the injected `out` / `err` writers (stdout
 * and stderr as zkCli uses them: results on stdout, "Created ..." and errors on stderr), so the
 * shell can be driven by a test as well as by a terminal.
 */
import { CreateMode, KeeperError, ZkErrorCode, type ACL } from '../../jute/index.js';
import { ZooKeeperClient, OPEN_ACL_UNSAFE, op, type WatchedEvent } from '../../keeper/client/index.js';
import { cliErrorMessage, formatAcl, formatStat, formatWatchedEvent, parseAcl } from './format.js';
import { parseOptions, tokenizeCommandLine, type ParsedOptions } from './tokenize.js';

export interface ShellIo {
  out(text: string): void;
  err(text: string): void;
}

export interface ShellOptions {
  server: string;
  sessionTimeoutMs: number;
  readOnly: boolean;
}

interface CommandSpec {
  usage: string;
  flags?: string[];
  valued?: string[];
  /** Number of positional arguments (after the command name): [min, max]. */
  args: [number, number];
  run(shell: ZkShell, o: ParsedOptions): Promise<void>;
}

/** Thrown by a command to print a message and fail without a stack trace (zkCli's CliException). */
class CliError extends Error {}

const commandSpecs: Record<string, CommandSpec> = {
  addWatch: {
    usage: 'addWatch [-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE',
    valued: ['m'],
    args: [1, 1],
    async run(sh, o) {
      const m = o.values.get('m') ?? 'PERSISTENT_RECURSIVE';
      if (m !== 'PERSISTENT' && m !== 'PERSISTENT_RECURSIVE') throw new CliError(`Unsupported mode: ${m}`);
      await sh.zk().addWatch(o.args[0]!, m === 'PERSISTENT' ? 'persistent' : 'persistentRecursive', true);
    },
  },
  addauth: {
    usage: 'addauth scheme auth',
    args: [1, 2],
    async run(sh, o) {
      // zkCli does not wait for the answer; a refusal shows up as an AuthFailed event.
      await sh.zk().addAuth(o.args[0]!, Buffer.from(o.args[1] ?? '', 'utf8')).catch(() => undefined);
    },
  },
  close: {
    usage: 'close ',
    args: [0, 0],
    async run(sh) {
      await sh.closeSession();
    },
  },
  config: {
    usage: 'config [-c] [-w] [-s]',
    flags: ['c', 'w', 's'],
    args: [0, 0],
    async run(sh, o) {
      // ZooKeeper's getConfig: the dynamic configuration znode, read outside any chroot.
      const { data, stat } = await sh.zk().getData('/zookeeper/config', { watch: o.flags.has('w'), ignoreChroot: true });
      const text = data === null ? '' : data.toString('utf8');
      if (o.flags.has('c')) {
        // ConfigUtils.getClientConfigStr: "<version> <client connect string>".
        const lines = text.split('\n');
        const version = (lines.find((l) => l.startsWith('version=')) ?? 'version=').slice('version='.length);
        const clients = lines.filter((l) => l.startsWith('server.')).map((l) => l.split(';')[1]).filter((c): c is string => c !== undefined);
        sh.io.out(`${version} ${clients.join(',')}\n`);
      } else sh.io.out(`${text}\n`);
      if (o.flags.has('s')) sh.io.out(formatStat(stat));
    },
  },
  connect: {
    usage: 'connect host:port',
    args: [0, 1],
    async run(sh, o) {
      await sh.reconnect(o.args[0]);
    },
  },
  create: {
    usage: 'create [-s] [-e] [-c] [-t ttl] path [data] [acl]',
    flags: ['s', 'e', 'c'],
    valued: ['t'],
    args: [1, 3],
    async run(sh, o) {
      const seq = o.flags.has('s');
      const eph = o.flags.has('e');
      const container = o.flags.has('c');
      const ttlText = o.values.get('t');
      if (container && (seq || eph)) throw new CliError('-c cannot be combined with -s or -e. Containers cannot be ephemeral or sequential.');
      if (ttlText !== undefined && (eph || container)) throw new CliError(`TTLs cannot be used with ${eph ? 'Ephemeral' : 'Container'} znodes`);
      let ttlMs: number | undefined;
      if (ttlText !== undefined) {
        ttlMs = Number(ttlText);
        if (!Number.isInteger(ttlMs)) throw new CliError(`-t argument must be a long value`);
      }
      const mode =
        ttlMs !== undefined ? (seq ? CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL : CreateMode.PERSISTENT_WITH_TTL)
        : container ? CreateMode.CONTAINER
        : eph && seq ? CreateMode.EPHEMERAL_SEQUENTIAL
        : eph ? CreateMode.EPHEMERAL
        : seq ? CreateMode.PERSISTENT_SEQUENTIAL
        : CreateMode.PERSISTENT;
      const data = o.args[1] === undefined ? null : Buffer.from(o.args[1], 'utf8');
      const acl = o.args[2] === undefined ? OPEN_ACL_UNSAFE : sh.acl(o.args[2]);
      const created = await sh.zk().create(o.args[0]!, data, { mode, acl, ttlMs });
      sh.io.err(`Created ${created}\n`);
    },
  },
  delete: {
    usage: 'delete [-v version] path',
    valued: ['v'],
    args: [1, 1],
    async run(sh, o) {
      await sh.zk().delete(o.args[0]!, versionOption(o));
    },
  },
  deleteall: {
    usage: 'deleteall path [-b batch size]',
    valued: ['b'],
    args: [1, 1],
    async run(sh, o) {
      const batch = o.values.get('b') === undefined ? 1000 : Number(o.values.get('b'));
      if (!Number.isInteger(batch) || batch <= 0) throw new CliError('batch size must be a positive integer');
      const zk = sh.zk();
      zk.checkPath(o.args[0]!);
      // ZKUtil.deleteRecursive: the subtree breadth first, deleted deepest first in multi batches.
      const tree = await listSubTreeBFS(zk, o.args[0]!);
      let ok = true;
      for (let end = tree.length; end > 0 && ok; end -= batch) {
        const ops = tree.slice(Math.max(0, end - batch), end).reverse().map((p) => op.delete(p));
        ok = await zk.multi(ops).then(() => true, () => false);
      }
      if (!ok) sh.io.err('Failed to delete some node(s) in the subtree!\n');
    },
  },
  get: {
    usage: 'get [-s] [-w] path',
    flags: ['s', 'w'],
    args: [1, 1],
    async run(sh, o) {
      const { data, stat } = await sh.zk().getData(o.args[0]!, { watch: o.flags.has('w') });
      sh.io.out(`${data === null ? 'null' : data.toString('utf8')}\n`);
      if (o.flags.has('s')) sh.io.out(formatStat(stat));
    },
  },
  getAcl: {
    usage: 'getAcl [-s] path',
    flags: ['s'],
    args: [1, 1],
    async run(sh, o) {
      const { acl, stat } = await sh.zk().getACL(o.args[0]!);
      for (const a of acl) sh.io.out(formatAcl(a));
      if (o.flags.has('s')) sh.io.out(formatStat(stat));
    },
  },
  getAllChildrenNumber: {
    usage: 'getAllChildrenNumber path',
    args: [1, 1],
    async run(sh, o) {
      sh.io.out(`${await sh.zk().getAllChildrenNumber(o.args[0]!)}\n`);
    },
  },
  getEphemerals: {
    usage: 'getEphemerals path',
    args: [0, 1],
    async run(sh, o) {
      const list = await sh.zk().getEphemerals(o.args[0] ?? '/');
      sh.io.out(`[${list.join(', ')}]\n`);
    },
  },
  history: {
    usage: 'history ',
    args: [0, 0],
    async run(sh) {
      const from = Math.max(0, sh.history.length - 11);
      for (let i = from; i < sh.history.length; i++) sh.io.out(`${i} - ${sh.history[i]}\n`);
    },
  },
  ls: {
    usage: 'ls [-s] [-w] [-R] path',
    flags: ['s', 'w', 'R'],
    args: [1, 1],
    async run(sh, o) {
      const path = o.args[0]!;
      if (o.flags.has('R')) {
        for (const p of await listSubTree(sh.zk(), path)) sh.io.out(`${p}\n`);
        return;
      }
      const watch = o.flags.has('w');
      if (o.flags.has('s')) {
        const { children, stat } = await sh.zk().getChildren2(path, { watch });
        sh.io.out(`[${children.sort().join(', ')}]\n`);
        sh.io.out(formatStat(stat));
      } else {
        const children = await sh.zk().getChildren(path, { watch });
        sh.io.out(`[${children.sort().join(', ')}]\n`);
      }
    },
  },
  printwatches: {
    usage: 'printwatches on|off',
    args: [0, 1],
    async run(sh, o) {
      const v = o.args[0];
      if (v === undefined) sh.io.out(`printwatches is ${sh.printWatches ? 'on' : 'off'}\n`);
      else sh.printWatches = v === 'on';
    },
  },
  quit: {
    usage: 'quit ',
    args: [0, 0],
    async run(sh) {
      sh.quitRequested = true;
      await sh.closeSession();
    },
  },
  redo: {
    usage: 'redo cmdno',
    args: [1, 1],
    async run(sh, o) {
      const line = sh.history[Number(o.args[0])];
      if (line === undefined) throw new CliError('Command index out of range');
      await sh.execute(line);
    },
  },
  removewatches: {
    usage: 'removewatches path [-c|-d|-a] [-l]',
    flags: ['c', 'd', 'a', 'l'],
    args: [1, 1],
    async run(sh, o) {
      const type = o.flags.has('c') ? 'children' : o.flags.has('d') ? 'data' : 'any';
      await sh.zk().removeWatches(o.args[0]!, type, undefined, o.flags.has('l'));
    },
  },
  set: {
    usage: 'set [-s] [-v version] path data',
    flags: ['s'],
    valued: ['v'],
    args: [2, 2],
    async run(sh, o) {
      const stat = await sh.zk().setData(o.args[0]!, Buffer.from(o.args[1]!, 'utf8'), versionOption(o));
      if (o.flags.has('s')) sh.io.out(formatStat(stat));
    },
  },
  setAcl: {
    usage: 'setAcl [-s] [-v version] [-R] path acl',
    flags: ['s', 'R'],
    valued: ['v'],
    args: [2, 2],
    async run(sh, o) {
      const acl = sh.acl(o.args[1]!);
      const zk = sh.zk();
      if (o.flags.has('R')) {
        for (const p of await listSubTree(zk, o.args[0]!)) await zk.setACL(p, acl, versionOption(o));
        return;
      }
      const stat = await zk.setACL(o.args[0]!, acl, versionOption(o));
      if (o.flags.has('s')) sh.io.out(formatStat(stat));
    },
  },
  stat: {
    usage: 'stat [-w] path',
    flags: ['w'],
    args: [1, 1],
    async run(sh, o) {
      const path = o.args[0]!;
      const stat = await sh.zk().exists(path, { watch: o.flags.has('w') });
      if (stat === null) throw new KeeperError(ZkErrorCode.NONODE, path);
      sh.io.out(formatStat(stat));
    },
  },
  sync: {
    usage: 'sync path',
    args: [1, 1],
    async run(sh, o) {
      try {
        await sh.zk().sync(o.args[0]!);
        sh.io.out('Sync is OK\n');
      } catch (err) {
        if (err instanceof KeeperError && err.cause === undefined) sh.io.out(`Sync has failed rc=${err.errorCode}\n`);
        else throw err;
      }
    },
  },
  version: {
    usage: 'version ',
    args: [0, 0],
    async run(sh) {
      sh.io.out('ZooKeeper CLI version: gregor zk 0.1.0 (ZooKeeper protocol 3.8)\n');
    },
  },
  whoami: {
    usage: 'whoami ',
    args: [0, 0],
    async run(sh) {
      const infos = await sh.zk().whoAmI();
      sh.io.out('Auth scheme: User\n');
      for (const i of infos) sh.io.out(`${i.authScheme}: ${i.user}\n`);
    },
  },
};

/** Commands that work without a live session (ZooKeeperMain.processZKCmd handles these before its connection check). */
const LOCAL_COMMANDS = new Set(['connect', 'history', 'redo', 'printwatches', 'quit']);

function versionOption(o: ParsedOptions): number {
  const v = o.values.get('v');
  if (v === undefined) return -1;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`-v argument must be an int value`);
  return n;
}

/** ZKUtil.listSubTreeBFS: the path and its descendants, breadth first. */
async function listSubTreeBFS(zk: ZooKeeperClient, root: string): Promise<string[]> {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    for (const c of await zk.getChildren(p)) out.push(p === '/' ? `/${c}` : `${p}/${c}`);
  }
  return out;
}

/**
 * `ls -R`'s order (ZKUtil.visitSubTreeDFS with a callback printing each node's children): the
 * root, then depth first, each node's sorted children listed before descending into them.
 */
async function listSubTree(zk: ZooKeeperClient, root: string): Promise<string[]> {
  const out = [root];
  const visit = async (p: string): Promise<void> => {
    const children = (await zk.getChildren(p)).sort().map((c) => (p === '/' ? `/${c}` : `${p}/${c}`));
    out.push(...children);
    for (const c of children) await visit(c);
  };
  await visit(root);
  return out;
}

export function usageText(): string {
  // zkCli lists them in Java's String order (upper case first: addWatch before addauth).
  const lines = Object.keys(commandSpecs)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((name) => `\t${commandSpecs[name]!.usage}`);
  return `ZooKeeper -server host:port -client-configuration properties-file cmd args\n${lines.join('\n')}\n`;
}

export class ZkShell {
  readonly io: ShellIo;
  private readonly options: ShellOptions;
  private client: ZooKeeperClient | null = null;
  private server: string;
  printWatches = true;
  quitRequested = false;
  readonly history: string[] = [];

  constructor(options: ShellOptions, io: ShellIo) {
    this.options = options;
    this.server = options.server;
    this.io = io;
  }

  /** Starts the session (not waiting for it: commands queue until it is up, as in zkCli). */
  open(announce = true): Promise<void> {
    if (announce) this.io.out(`Connecting to ${this.server}\n`);
    const zk = new ZooKeeperClient(this.server, { sessionTimeoutMs: this.options.sessionTimeoutMs, readOnly: this.options.readOnly });
    zk.on('event', (e: WatchedEvent) => {
      if (this.printWatches) this.io.out(formatWatchedEvent(e));
    });
    this.client = zk;
    return zk.connect().catch(() => undefined);
  }

  /** The state zkCli shows in its prompt: CONNECTING, CONNECTED, CLOSED, ... */
  promptState(): string {
    const s = this.client?.state;
    switch (s) {
      case 'SyncConnected': return 'CONNECTED';
      case 'Connecting':
      case 'Disconnected': return 'CONNECTING';
      case 'AuthFailed': return 'AUTH_FAILED';
      default: return 'CLOSED';
    }
  }

  prompt(): string {
    return `[zk: ${this.server}(${this.promptState()}) ${this.history.length}] `;
  }

  zk(): ZooKeeperClient {
    const c = this.client;
    if (c === null || c.state === 'Closed' || c.state === 'Expired' || c.state === 'AuthFailed') throw new NotConnected();
    return c;
  }

  acl(text: string): ACL[] {
    const acl = parseAcl(text, (line) => this.io.err(`${line}\n`));
    if (acl.length === 0) throw new KeeperError(ZkErrorCode.INVALIDACL, '');
    return acl;
  }

  async closeSession(): Promise<void> {
    const c = this.client;
    if (c !== null && c.state !== 'Closed') await c.close();
  }

  async reconnect(server?: string): Promise<void> {
    await this.closeSession();
    if (server !== undefined) this.server = server;
    // Like zkCli's connectToZK: the new session connects in the background; commands wait for it.
    void this.open(false);
  }

  /**
   * Tab completion as zkCli's JLine completer: the command name first, then znode paths (the
   * children of the typed path's parent that start with its last segment).
   */
  async complete(line: string): Promise<[string[], string]> {
    const words = line.split(/\s+/);
    const last = words[words.length - 1] ?? '';
    if (words.length <= 1) {
      const names = [...Object.keys(commandSpecs), 'help'].filter((n) => n.startsWith(last)).sort();
      return [names.map((n) => `${n} `), last];
    }
    if (!last.startsWith('/') || this.client === null || this.client.state !== 'SyncConnected') return [[], last];
    const slash = last.lastIndexOf('/');
    const parent = slash === 0 ? '/' : last.slice(0, slash);
    const prefix = last.slice(slash + 1);
    try {
      const children = await this.client.getChildren(parent);
      const base = parent === '/' ? '/' : `${parent}/`;
      return [children.filter((c) => c.startsWith(prefix)).sort().map((c) => base + c), last];
    } catch {
      return [[], last];
    }
  }

  /** Runs one command line; resolves false if the command failed (the one-shot exit status). */
  async execute(line: string): Promise<boolean> {
    const words = tokenizeCommandLine(line);
    if (words.length === 0) return true;
    this.history.push(line);
    const name = words[0]!;
    const spec = commandSpecs[name];
    if (spec === undefined) {
      this.io.err(usageText());
      if (name !== 'help') this.io.err(`Command not found: Command not found ${name}\n`);
      return name === 'help';
    }
    let o: ParsedOptions;
    try {
      o = parseOptions(words.slice(1), spec.flags ?? [], spec.valued ?? []);
    } catch (err) {
      this.io.err(`${(err as Error).message}\n`);
      return false;
    }
    if (o.args.length < spec.args[0] || o.args.length > spec.args[1]) {
      this.io.err(`${spec.usage}\n`);
      return false;
    }
    const alive = (): boolean => this.client !== null && this.client.state !== 'Closed' && this.client.state !== 'Expired' && this.client.state !== 'AuthFailed';
    if (!LOCAL_COMMANDS.has(name) && !alive()) {
      this.io.out('Not connected\n');
      return false;
    }
    try {
      await spec.run(this, o);
      // As ZooKeeperMain: history, redo and printwatches then fall through to its connection check.
      if ((name === 'history' || name === 'redo' || name === 'printwatches') && !alive()) {
        this.io.out('Not connected\n');
        return false;
      }
      return true;
    } catch (err) {
      if (err instanceof NotConnected) this.io.out('Not connected\n');
      else this.io.err(`${cliErrorMessage(err)}\n`);
      return false;
    }
  }
}

class NotConnected extends Error {}
