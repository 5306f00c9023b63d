/**
 * `gregor zk`: a zkCli.sh-compatible shell for the keeper (or any ZooKeeper server).
 *
 *   gregor zk -server 127.0.0.1:2181                 interactive (history in ~/.gregor_zk_history)
 *   gregor zk -server 127.0.0.1:2181 ls /            one-shot: run the command, exit 0 / 1
 *   printf 'create /a x\nget /a\nquit\n' | gregor zk -server 127.0.0.1:2181
 */
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ZkShell, usageText } from '../zk/shell.js';

const HISTORY_FILE = join(homedir(), '.gregor_zk_history');
const HISTORY_MAX_LINES = 500;

const HELP = `Usage: gregor zk [-server host:port[,host:port...][/chroot]] [-timeout ms] [-r] [-waitforconnection] [cmd args...]

A zkCli.sh-style shell for the keeper or any ZooKeeper server: same commands, flags and output.
Without a command it reads commands interactively (or from stdin); with one it runs it and exits
with status 0 on success, 1 on failure.

Options:
  -server hosts        connect string (default localhost:2181)
  -timeout ms          session timeout (default 30000)
  -r                   accept a read-only server
  -waitforconnection   wait for the session before running commands

Examples:
  gregor zk -server 127.0.0.1:2181
  gregor zk -server 127.0.0.1:2181 create -e /lock 'lock'
  gregor zk -server 127.0.0.1:2181 get -s /brokers/ids/1

Commands:
${usageText().split('\n').slice(1).join('\n')}`;

interface Args {
  server: string;
  timeoutMs: number;
  readOnly: boolean;
  waitForConnection: boolean;
  command: string[];
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { server: 'localhost:2181', timeoutMs: 30_000, readOnly: false, waitForConnection: false, command: [] };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '-server' || w === '--server') a.server = argv[++i] ?? '';
    else if (w === '-timeout' || w === '--timeout') a.timeoutMs = Number(argv[++i]);
    else if (w === '-client-configuration') i++;
    else if (w === '-r') a.readOnly = true;
    else if (w === '-waitforconnection') a.waitForConnection = true;
    else {
      a.command = argv.slice(i);
      break;
    }
  }
  if (a.server === '') return '-server needs host:port';
  if (!Number.isInteger(a.timeoutMs) || a.timeoutMs <= 0) return '-timeout needs a positive number of milliseconds';
  return a;
}

/** Re-quotes words so the shell's tokenizer gives them back unchanged. */
function joinWords(words: string[]): string {
  return words.map((w) => (w === '' || /\s/.test(w) ? (w.includes('"') ? `'${w}'` : `"${w}"`) : w)).join(' ');
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`gregor zk: ${args}`);
    return 1;
  }
  const shell = new ZkShell(
    { server: args.server, sessionTimeoutMs: args.timeoutMs, readOnly: args.readOnly },
    { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
  );
  const connected = shell.open();
  if (args.waitForConnection) await connected;
  if (args.command.length > 0) {
    const ok = await shell.execute(joinWords(args.command));
    // zkCli exits here without a Closed event; we also close the session (its ephemerals go now, not at expiry).
    shell.printWatches = false;
    await shell.closeSession();
    return ok ? 0 : 1;
  }
  return interactive(shell);
}

async function interactive(shell: ZkShell): Promise<number> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  process.stdout.write('Welcome to ZooKeeper!\n');
  // zkCli without a terminal says the same: no line editing, no prompt, commands from stdin.
  process.stdout.write(tty ? 'JLine support is enabled\n' : 'JLine support is disabled\n');
  const rl = createInterface({
    input: process.stdin,
    output: tty ? process.stdout : undefined,
    terminal: tty,
    history: tty ? loadHistory() : [],
    historySize: HISTORY_MAX_LINES,
    completer: tty
      ? (line: string, callback: (err: Error | null, result: [string[], string]) => void): void => {
          shell.complete(line).then((r) => callback(null, r), () => callback(null, [[], line]));
        }
      : undefined,
  });
  if (tty) {
    rl.setPrompt(shell.prompt());
    rl.prompt();
  }
  for await (const line of rl) {
    if (tty && line.trim() !== '') saveHistory(line);
    await shell.execute(line);
    if (shell.quitRequested) break;
    if (tty) {
      rl.setPrompt(shell.prompt());
      rl.prompt();
    }
  }
  rl.close();
  await shell.closeSession();
  return 0;
}

function loadHistory(): string[] {
  try {
    return readFileSync(HISTORY_FILE, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_MAX_LINES).reverse();
  } catch {
    return [];
  }
}

function saveHistory(line: string): void {
  try {
    appendFileSync(HISTORY_FILE, `${line}\n`);
    const lines = readFileSync(HISTORY_FILE, 'utf8').split('\n').filter((l) => l !== '');
    if (lines.length > HISTORY_MAX_LINES * 2) writeFileSync(HISTORY_FILE, lines.slice(-HISTORY_MAX_LINES).join('\n') + '\n');
  } catch {
    // history is a convenience; an unwritable home directory must not break the shell
  }
}
