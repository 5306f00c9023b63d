/** Builds every generated file's text (name -> content) from the specs. No I/O except reading specs. */
import type { SpecPaths } from './paths.js';
import { generateErrors, readErrorSpecs } from './errors-gen.js';

export function generateAll(paths: SpecPaths): Map<string, string> {
  const files = new Map<string, string>();
  files.set('errors.ts', generateErrors(readErrorSpecs(paths.errors)));
  return files;
}
