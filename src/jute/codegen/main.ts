/**
 * The jute generator: reads ../shared/specs/zookeeper/zookeeper.jute and constants.json and
 * writes src/jute/generated/ (or `--out <dir>`): records.ts (an interface plus encode/decode
 * per record) and constants.ts. Output is deterministic for scripts/check-generated.mjs.
 *
 *   node --import tsx src/jute/codegen/main.ts            # npm run generate
 *   node dist/src/jute/codegen/main.js --out /tmp/x       # check-generated
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseGeneratorArgs, writeGeneratedFiles } from '../../util/generator-cli.js';
import { findRepoRoot } from '../../protocol/codegen/paths.js';
import { emitConstants, emitRecords, type ZkConstants } from './emit.js';
import { parseJute } from './parse.js';

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
  const { out } = parseGeneratorArgs(process.argv.slice(2), 'jute/codegen/main', join(root, 'src', 'jute', 'generated'));
  const files = generateJute(join(root, '..', 'shared', 'specs', 'zookeeper'));
  writeGeneratedFiles(out, files);
  console.log(`jute codegen: wrote ${files.size} files to ${out}`);
}

main();
