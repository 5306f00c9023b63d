/**
 * The jute generator: reads ../shared/specs/zookeeper/zookeeper.jute and constants.json and
 * writes src/jute/generated/ (or `--out <dir>`): records.ts (an interface plus encode/decode
 * per record) and constants.ts. Output is deterministic for scripts/check-generated.mjs.
 *
 *   node --import tsx src/jute/codegen/main.ts            # npm run generate
 *   node dist/src/jute/codegen/main.js --out /tmp/x       # check-generated
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { findRepoRoot } from '../../protocol/codegen/paths.js';
import { emitConstants, emitRecords, type ZkConstants } from './emit.js';
import { parseJute } from './parse.js';

function parseArgs(argv: readonly string[], root: string): { out: string } {
  let out = join(root, 'src', 'jute', 'generated');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--out') {
      const v = argv[++i];
      if (v === undefined) throw new Error('--out needs a directory');
      out = resolve(v);
    } else if (a === '--help' || a === '-h') {
      console.log('usage: jute/codegen/main [--out <dir>]  (default: src/jute/generated)');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return { out };
}

export function generateJute(specDir: string): Map<string, string> {
  const records = parseJute(readFileSync(join(specDir, 'zookeeper.jute'), 'utf8'));
  const constants = JSON.parse(readFileSync(join(specDir, 'constants.json'), 'utf8')) as ZkConstants;
  return new Map([
    ['records.ts', emitRecords(records)],
    ['constants.ts', emitConstants(constants)],
  ]);
}

function main(): void {
  const root = findRepoRoot(import.meta.url);
  const { out } = parseArgs(process.argv.slice(2), root);
  const files = generateJute(join(root, '..', 'shared', 'specs', 'zookeeper'));
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) {
    if (name.endsWith('.ts') && !files.has(name)) rmSync(join(out, name));
  }
  for (const [name, text] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) writeFileSync(join(out, name), text);
  console.log(`jute codegen: wrote ${files.size} files to ${out}`);
}

main();
