/**
 * The command-line shell both code generators share (Kafka protocol, ZooKeeper jute): parse
 * `--out <dir>`, then write the generated files in name order and remove `.ts` files a previous
 * generation wrote that this one no longer does, so scripts/check-generated.mjs can diff a fresh
 * generation against the committed one.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export function parseGeneratorArgs(argv: readonly string[], name: string, defaultOut: string): { out: string } {
  let out = defaultOut;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a directory');
      out = resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log(`usage: ${name} [--out <dir>]  (default: ${defaultOut})`);
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return { out };
}

export function writeGeneratedFiles(out: string, files: ReadonlyMap<string, string>): void {
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) {
    if (name.endsWith('.ts') && !files.has(name)) rmSync(join(out, name));
  }
  for (const name of [...files.keys()].sort()) writeFileSync(join(out, name), files.get(name)!);
}
