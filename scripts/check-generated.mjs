#!/usr/bin/env node
// Fails when the committed generated code differs from a fresh generation. The generators
// read the specs from ../shared; when that folder is absent (a clone without it) the check
// is skipped with a visible message.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const shared = join(root, '..', 'shared', 'specs');
if (!existsSync(shared)) {
  console.log('check-generated: ../shared/specs not present, skipping the regenerate-and-diff check');
  process.exit(0);
}

const generators = [
  { script: 'dist/src/protocol/codegen/main.js', committed: 'src/protocol/generated' },
  { script: 'dist/src/jute/codegen/main.js', committed: 'src/jute/generated' },
];

function listFiles(dir) {
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

let failed = false;
for (const g of generators) {
  if (!existsSync(join(root, g.script))) {
    console.log(`check-generated: ${g.script} not built yet, skipping`);
    continue;
  }
  const out = mkdtempSync(join(tmpdir(), 'gregor-gen-'));
  const r = spawnSync(process.execPath, [join(root, g.script), '--out', out], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`check-generated: ${g.script} failed`);
    failed = true;
    continue;
  }
  const want = listFiles(out);
  const have = listFiles(join(root, g.committed));
  const names = new Set([...want, ...have]);
  for (const name of names) {
    const a = existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : null;
    const b = existsSync(join(root, g.committed, name)) ? readFileSync(join(root, g.committed, name), 'utf8') : null;
    if (a !== b) {
      console.error(`check-generated: ${g.committed}/${name} differs from a fresh generation (run npm run generate)`);
      failed = true;
    }
  }
  rmSync(out, { recursive: true, force: true });
  if (!failed) console.log(`check-generated: ${g.committed} matches a fresh generation (${want.length} files)`);
}
process.exit(failed ? 1 : 0);
