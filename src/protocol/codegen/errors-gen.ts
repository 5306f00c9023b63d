/** Generates generated/errors.ts: Kafka's error table (code, name, message, Java exception, retriable) from errors.json. */
import { readFileSync } from 'node:fs';
import { HEADER } from './emit.js';

interface ErrorSpec {
  code: number;
  name: string;
  message: string | null;
  /** The Java client's exception class (org.apache.kafka.common.errors), null for NONE. */
  exception: string | null;
  retriable: boolean;
}

export function readErrorSpecs(path: string): ErrorSpec[] {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(raw)) throw new Error(`${path}: expected an array`);
  const specs = raw.map((e: any): ErrorSpec => {
    if (typeof e.code !== 'number' || typeof e.name !== 'string') throw new Error(`${path}: bad entry ${JSON.stringify(e)}`);
    return { code: e.code, name: e.name, message: e.message ?? null, exception: typeof e.exception === 'string' ? e.exception : null, retriable: e.retriable === true };
  });
  return specs.sort((a, b) => a.code - b.code);
}

export function generateErrors(specs: readonly ErrorSpec[]): string {
  const lines: string[] = [HEADER, ''];
  lines.push('/** Kafka error codes by name (errors.json). */');
  lines.push('export const ErrorCode = {');
  for (const e of specs) lines.push(`  ${e.name}: ${e.code},`);
  lines.push('} as const;');
  lines.push('');
  lines.push('export interface ErrorTableEntry {');
  lines.push('  readonly code: number;');
  lines.push('  readonly name: string;');
  lines.push('  readonly message: string;');
  lines.push('  /** The Java exception class name (what Kafka\'s tools print), \'\' for NONE. */');
  lines.push('  readonly exception: string;');
  lines.push('  readonly retriable: boolean;');
  lines.push('}');
  lines.push('');
  lines.push('/** Every known error, sorted by code. */');
  lines.push('export const errorTable: readonly ErrorTableEntry[] = [');
  for (const e of specs) {
    lines.push(`  { code: ${e.code}, name: ${JSON.stringify(e.name)}, message: ${JSON.stringify(e.message ?? '')}, exception: ${JSON.stringify(e.exception ?? '')}, retriable: ${e.retriable} },`);
  }
  lines.push('];');
  lines.push('');
  return lines.join('\n');
}
