/**
 * Builds every generated file's text (name -> content) from the specs. Deterministic: specs are
 * sorted by name, APIs by key, and nothing depends on the clock or the file system order.
 *
 * Layout of src/protocol/generated/:
 *   <api>.ts        one per API (request + response), e.g. produce.ts
 *   <message>.ts    one per header / data / internal message, e.g. offset-commit-key.ts
 *   api-table.ts    the API table (keys, names, version ranges, listeners, codecs) and ApiKey
 *   messages.ts     codecs of the non-API messages (headers, data, internal records)
 *   schema.ts       a machine-readable model of every message (for tests and tools)
 *   index.ts        re-exports all of the above
 *   errors.ts       Kafka's error table
 */
import type { SpecPaths } from './paths.js';
import { generateErrors, readErrorSpecs } from './errors-gen.js';
import { HEADER } from './emit.js';
import { emitMessage } from './emit-message.js';
import { isEmpty, loadMessageSpecs, type MessageSpec } from './spec.js';
import { emitSchema } from './emit-schema.js';

export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

export interface ApiPair {
  readonly apiKey: number;
  readonly name: string;
  readonly request: MessageSpec;
  readonly response: MessageSpec;
  readonly file: string;
}

function pairApis(specs: readonly MessageSpec[]): ApiPair[] {
  const requests = new Map<number, MessageSpec>();
  const responses = new Map<number, MessageSpec>();
  for (const s of specs) {
    if (s.kind === 'request') requests.set(s.apiKey!, s);
    if (s.kind === 'response') responses.set(s.apiKey!, s);
  }
  const pairs: ApiPair[] = [];
  for (const [key, request] of [...requests].sort(([a], [b]) => a - b)) {
    const response = responses.get(key);
    if (response === undefined) throw new Error(`${request.name}: no response spec for api key ${key}`);
    const name = request.name.replace(/Request$/, '');
    if (response.name !== `${name}Response`) throw new Error(`api key ${key}: ${request.name} vs ${response.name}`);
    if (request.validVersions.min !== response.validVersions.min || request.validVersions.max !== response.validVersions.max) {
      throw new Error(`${name}: request and response valid versions differ`);
    }
    pairs.push({ apiKey: key, name, request, response, file: kebabCase(name) });
  }
  if (responses.size !== requests.size) throw new Error('a response spec has no request spec');
  return pairs;
}

/** One generated module (types, creators, codecs) for the given messages. */
export function moduleText(messages: readonly MessageSpec[]): string {
  const lines: string[] = [HEADER, ''];
  lines.push("import type { Reader, Writer } from '../../util/bytes.js';");
  lines.push("import * as rt from '../codec-runtime.js';");
  lines.push('');
  for (const m of messages) lines.push(...emitMessage(m));
  return lines.join('\n').replace(/\n+$/, '\n');
}

function flexibleMin(m: MessageSpec): number {
  return isEmpty(m.flexibleVersions) ? -1 : Math.max(m.flexibleVersions.min, m.validVersions.min);
}

function apiTableText(pairs: readonly ApiPair[]): string {
  const lines: string[] = [HEADER, ''];
  lines.push("import type { Reader, Writer } from '../../util/bytes.js';");
  pairs.forEach((p) => {
    lines.push(
      `import { decode${p.request.name}, decode${p.response.name}, encode${p.request.name}, encode${p.response.name}, type ${p.request.name}, type ${p.response.name} } from './${p.file}.js';`,
    );
  });
  lines.push('');
  lines.push('/** Kafka API keys by name. */');
  lines.push('export const ApiKey = {');
  for (const p of pairs) lines.push(`  ${p.name}: ${p.apiKey},`);
  lines.push('} as const;');
  lines.push('');
  lines.push('/** Request and response body types by API name. */');
  lines.push('export interface ApiMessages {');
  for (const p of pairs) lines.push(`  ${p.name}: { request: ${p.request.name}; response: ${p.response.name} };`);
  lines.push('}');
  lines.push('');
  lines.push('export interface GeneratedCodec<T> {');
  lines.push('  encode(w: Writer, version: number, value: T): void;');
  lines.push('  decode(r: Reader, version: number): T;');
  lines.push('}');
  lines.push('');
  lines.push('export interface GeneratedApi {');
  lines.push('  readonly apiKey: number;');
  lines.push('  readonly name: string;');
  lines.push('  /** Lowest valid version. */');
  lines.push('  readonly minVersion: number;');
  lines.push('  /** Highest stable version (what a broker advertises); -1 when no version is stable yet. */');
  lines.push('  readonly maxVersion: number;');
  lines.push('  /** Highest version the codecs handle, including an unstable latest one. */');
  lines.push('  readonly latestVersion: number;');
  lines.push('  readonly latestVersionUnstable: boolean;');
  lines.push('  /** First flexible version, or -1 when no version is flexible. */');
  lines.push('  readonly flexibleMinVersion: number;');
  lines.push('  /** Deprecated versions [min, max], or null. */');
  lines.push('  readonly deprecatedVersions: readonly [number, number] | null;');
  lines.push('  /** Where the API is served: zkBroker, broker, controller. */');
  lines.push('  readonly listeners: readonly string[];');
  lines.push('  readonly request: GeneratedCodec<any>;');
  lines.push('  readonly response: GeneratedCodec<any>;');
  lines.push('}');
  lines.push('');
  lines.push('/** Every API in the specs, sorted by key. */');
  lines.push('export const generatedApis: readonly GeneratedApi[] = [');
  for (const p of pairs) {
    const v = p.request.validVersions;
    const unstable = p.request.latestVersionUnstable;
    const maxStable = unstable ? v.max - 1 : v.max;
    const dep = p.request.deprecatedVersions;
    lines.push('  {');
    lines.push(`    apiKey: ${p.apiKey},`);
    lines.push(`    name: '${p.name}',`);
    lines.push(`    minVersion: ${v.min},`);
    lines.push(`    maxVersion: ${maxStable < v.min ? -1 : maxStable},`);
    lines.push(`    latestVersion: ${v.max},`);
    lines.push(`    latestVersionUnstable: ${unstable},`);
    lines.push(`    flexibleMinVersion: ${flexibleMin(p.request)},`);
    lines.push(`    deprecatedVersions: ${isEmpty(dep) ? 'null' : `[${dep.min}, ${dep.max === Infinity ? v.max : dep.max}]`},`);
    lines.push(`    listeners: [${p.request.listeners.map((l) => `'${l}'`).join(', ')}],`);
    lines.push(`    request: { encode: encode${p.request.name}, decode: decode${p.request.name} },`);
    lines.push(`    response: { encode: encode${p.response.name}, decode: decode${p.response.name} },`);
    lines.push('  },');
  }
  lines.push('];');
  lines.push('');
  return lines.join('\n');
}

function messagesTableText(others: readonly MessageSpec[]): string {
  const lines: string[] = [HEADER, ''];
  lines.push("import type { Reader, Writer } from '../../util/bytes.js';");
  for (const m of others) lines.push(`import { decode${m.name}, encode${m.name} } from './${kebabCase(m.name)}.js';`);
  lines.push('');
  lines.push('export interface GeneratedMessage {');
  lines.push('  readonly name: string;');
  lines.push("  readonly kind: 'header' | 'data';");
  lines.push("  /** 'internal' for the coordinators' record keys and values (specs/kafka/internal). */");
  lines.push("  readonly source: 'messages' | 'internal';");
  lines.push('  readonly minVersion: number;');
  lines.push('  readonly maxVersion: number;');
  lines.push('  readonly flexibleMinVersion: number;');
  lines.push('  encode(w: Writer, version: number, value: any): void;');
  lines.push('  decode(r: Reader, version: number): any;');
  lines.push('}');
  lines.push('');
  lines.push('/** Headers, data messages and internal records, sorted by name. */');
  lines.push('export const generatedMessages: readonly GeneratedMessage[] = [');
  for (const m of others) {
    lines.push(
      `  { name: '${m.name}', kind: '${m.kind}', source: '${m.source}', minVersion: ${m.validVersions.min}, maxVersion: ${m.validVersions.max}, flexibleMinVersion: ${flexibleMin(m)}, encode: encode${m.name}, decode: decode${m.name} },`,
    );
  }
  lines.push('];');
  lines.push('');
  return lines.join('\n');
}

/** A name -> text map that refuses to write one file twice (two messages mapping to one name). */
class FileSet extends Map<string, string> {
  override set(name: string, text: string): this {
    if (this.has(name)) throw new Error(`two generated files are named ${name}`);
    return super.set(name, text);
  }
}

export function generateAll(paths: SpecPaths): Map<string, string> {
  const files = new FileSet();
  files.set('errors.ts', generateErrors(readErrorSpecs(paths.errors)));
  const specs = loadMessageSpecs(paths.messages, paths.internal);
  const pairs = pairApis(specs);
  for (const p of pairs) files.set(`${p.file}.ts`, moduleText([p.request, p.response]));
  const others = specs.filter((s) => s.kind === 'header' || s.kind === 'data');
  for (const m of others) files.set(`${kebabCase(m.name)}.ts`, moduleText([m]));
  files.set('api-table.ts', apiTableText(pairs));
  files.set('messages.ts', messagesTableText(others));
  files.set('schema.ts', emitSchema(specs));
  const barrel = [HEADER, '', '// Everything generated, for tools and tests; application code imports the per-API modules.'];
  for (const name of [...files.keys()].sort()) barrel.push(`export * from './${name.replace(/\.ts$/, '.js')}';`);
  if (files.has('index.ts')) throw new Error('a message file is named index.ts');
  files.set('index.ts', barrel.join('\n') + '\n');
  return files;
}
