/** Paths tests need: the repository root (tests run compiled from dist/test), the built CLI, temp dirs. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json')) || dir.endsWith('/dist')) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${start}`);
    dir = up;
  }
  return dir;
}

export const repoRoot: string = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The compiled `gregor` binary (run `npm run build` first; `npm test` does). */
export const cliPath: string = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
export const sharedSpecsDir: string = join(repoRoot, '..', 'shared', 'specs');

/** A fresh temporary directory, removed by the returned cleanup function. */
export function tempDir(prefix = 'gregor-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
