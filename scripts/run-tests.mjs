#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with Node's built-in test runner,
// so its summary (tests / pass / fail) is what CI prints. Node 20's runner has no glob
// support, hence this list. Optional arguments filter by substring of the path.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function walk(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
// Only compiled files whose TypeScript source still exists: dist/ keeps the output of deleted
// or renamed tests until it is cleaned, and those must not run.
const hasSource = (f) => existsSync(join(root, relative(join(root, 'dist'), f).replace(/\.js$/, '.ts')));
const files = walk(testRoot, [])
  .filter(hasSource)
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
console.log(`running ${files.length} test files:\n  ${files.map((f) => relative(root, f)).join('\n  ')}`);
const concurrency = process.env.GREGOR_TEST_CONCURRENCY ?? '2';
// --test-force-exit: a file whose test failed before it closed its sockets or timers would
// otherwise keep its process (and the whole run) alive forever; --test-timeout bounds a test
// that never settles (tests set tighter timeouts of their own).
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-force-exit', '--test-timeout=600000', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  cwd: root,
});
process.exit(r.status ?? 1);
