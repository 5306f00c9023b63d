/**
 * The Kafka protocol generator: reads ../shared/specs/kafka (messages/*.json, internal/*.json,
 * errors.json) and writes src/protocol/generated/ (or `--out <dir>`). Output is deterministic,
 * so scripts/check-generated.mjs can regenerate into a temp dir and diff.
 *
 *   node --import tsx src/protocol/codegen/main.ts            # npm run generate
 *   node dist/src/protocol/codegen/main.js --out /tmp/x       # check-generated
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findRepoRoot, specPaths } from './paths.js';
import { generateAll } from './generate.js';

function parseArgs(argv: readonly string[], root: string): { out: string } {
  let out = join(root, 'src', 'protocol', 'generated');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a directory');
      out = resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: codegen/main [--out <dir>]  (default: src/protocol/generated)');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return { out };
}

function main(): void {
  const root = findRepoRoot();
  const { out } = parseArgs(process.argv.slice(2), root);
  const files = generateAll(specPaths(root));
  mkdirSync(out, { recursive: true });
  // Remove files a previous generation wrote that this one no longer does.
  for (const name of readdirSync(out)) {
    if (name.endsWith('.ts') && !files.has(name)) rmSync(join(out, name));
  }
  for (const [name, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    writeFileSync(join(out, name), text);
  }
  console.log(`protocol codegen: wrote ${files.size} files to ${out}`);
}

main();
