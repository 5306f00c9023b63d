/**
 * Where the generator reads from and writes to. The repo root is found by walking up from
 * this module to the first package.json not in a `dist` directory (the compiled generator
 * lives in dist/src/protocol/codegen, the TypeScript one in src/protocol/codegen), so both
 * `npm run generate` (tsx) and scripts/check-generated.mjs (compiled) agree.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function findRepoRoot(fromUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(fromUrl));
  while (true) {
    if (basename(dir) !== 'dist' && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json found above ${fileURLToPath(fromUrl)}`);
    dir = parent;
  }
}

export interface SpecPaths {
  readonly kafkaSpecs: string;
  readonly messages: string;
  readonly internal: string;
  readonly errors: string;
}

export function specPaths(root: string): SpecPaths {
  const kafkaSpecs = join(root, '..', 'shared', 'specs', 'kafka');
  return {
    kafkaSpecs,
    messages: join(kafkaSpecs, 'messages'),
    internal: join(kafkaSpecs, 'internal'),
    errors: join(kafkaSpecs, 'errors.json'),
  };
}
