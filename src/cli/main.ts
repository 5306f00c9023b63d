#!/usr/bin/env node
/**
 * The `gregor` binary: one command with subcommands named after the tools people know
 * (kafka-topics.sh -> `gregor topics`, zkCli.sh -> `gregor zk`, ...). Each subcommand lives in
 * its own module under src/cli/commands and is loaded only when invoked.
 */
import { commands } from './commands.js';

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return [
    'Usage: gregor <command> [options]',
    '',
    'Commands:',
    ...lines,
    '',
    'Run `gregor <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    console.log('gregor 0.1.0');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    console.error(`gregor: unknown command '${name}'\n`);
    console.error(usage());
    return 1;
  }
  const mod = await command.load();
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`gregor: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
