/**
 * The Kafka protocol generator: reads ../shared/specs/kafka (messages/*.json, internal/*.json,
 * errors.json) and writes src/protocol/generated/ (or `--out <dir>`). Output is deterministic,
 * so scripts/check-generated.mjs can regenerate into a temp dir and diff.
 *
 *   node --import tsx src/protocol/codegen/main.ts            # npm run generate
 *   node dist/src/protocol/codegen/main.js --out /tmp/x       # check-generated
 */
import { join } from 'node:path';
import { parseGeneratorArgs, writeGeneratedFiles } from '../../util/generator-cli.js';
import { findRepoRoot, specPaths } from './paths.js';
import { generateAll } from './generate.js';

function main(): void {
  const root = findRepoRoot();
  const { out } = parseGeneratorArgs(process.argv.slice(2), 'codegen/main', join(root, 'src', 'protocol', 'generated'));
  const files = generateAll(specPaths(root));
  writeGeneratedFiles(out, files);
  console.log(`protocol codegen: wrote ${files.size} files to ${out}`);
}

main();
