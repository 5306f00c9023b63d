/**
 * Emits generated/schema.ts: a machine-readable model of every message (fields, types, version
 * ranges, tags, defaults), so tests can build random values that respect each version's rules
 * and tools can inspect the protocol without the spec files. Open-ended ranges ("N+") use
 * 32767 (the largest int16 version) as their upper bound.
 */
import { HEADER } from './emit.js';
import { isEmpty, type FieldType, type MessageSpec, type VersionRange } from './spec.js';

const OPEN_MAX = 0x7fff;

function range(r: VersionRange): [number, number] | null {
  if (isEmpty(r)) return null;
  return [r.min, r.max === Infinity ? OPEN_MAX : r.max];
}

function typeText(t: FieldType): string {
  if (t.kind === 'array') return `[]${typeText(t.element)}`;
  if (t.kind === 'struct') return t.struct.typeName;
  return t.name;
}

export function emitSchema(specs: readonly MessageSpec[]): string {
  const lines: string[] = [HEADER, ''];
  lines.push('export type SchemaRange = readonly [number, number] | null;');
  lines.push('');
  lines.push('export interface SchemaField {');
  lines.push('  readonly name: string;');
  lines.push('  /** Property name on the TypeScript objects. */');
  lines.push('  readonly prop: string;');
  lines.push("  /** A primitive name, a struct type name, or '[]' + element type. */");
  lines.push('  readonly type: string;');
  lines.push('  readonly versions: SchemaRange;');
  lines.push('  readonly nullableVersions: SchemaRange;');
  lines.push('  readonly tag: number | null;');
  lines.push('  readonly taggedVersions: SchemaRange;');
  lines.push('  /** Field-level override of the message\'s flexible versions (null = none); absent when not overridden. */');
  lines.push('  readonly flexibleVersions?: SchemaRange;');
  lines.push('  readonly ignorable: boolean;');
  lines.push('  readonly default: string | number | boolean | null;');
  lines.push('  readonly mapKey: boolean;');
  lines.push('}');
  lines.push('');
  lines.push('export interface SchemaMessage {');
  lines.push('  readonly name: string;');
  lines.push("  readonly kind: 'request' | 'response' | 'header' | 'data';");
  lines.push('  readonly apiKey: number | null;');
  lines.push('  readonly validVersions: readonly [number, number];');
  lines.push('  readonly flexibleVersions: SchemaRange;');
  lines.push('  readonly latestVersionUnstable: boolean;');
  lines.push('  /** Struct type name -> fields; the root struct has the message name. */');
  lines.push('  readonly structs: Readonly<Record<string, readonly SchemaField[]>>;');
  lines.push('}');
  lines.push('');
  lines.push('export const schema: readonly SchemaMessage[] = [');
  for (const m of specs) {
    lines.push('  {');
    lines.push(`    name: ${JSON.stringify(m.name)},`);
    lines.push(`    kind: ${JSON.stringify(m.kind)},`);
    lines.push(`    apiKey: ${m.apiKey === null ? 'null' : m.apiKey},`);
    lines.push(`    validVersions: ${JSON.stringify(range(m.validVersions))},`);
    lines.push(`    flexibleVersions: ${JSON.stringify(range(m.flexibleVersions))},`);
    lines.push(`    latestVersionUnstable: ${m.latestVersionUnstable},`);
    lines.push('    structs: {');
    for (const s of m.structs) {
      lines.push(`      ${s.typeName}: [`);
      for (const f of s.fields) {
        const o = {
          name: f.name,
          prop: f.prop,
          type: typeText(f.type),
          versions: range(f.versions),
          nullableVersions: range(f.nullableVersions),
          tag: f.tag,
          taggedVersions: range(f.taggedVersions),
          flexibleVersions: f.flexibleVersions === null ? undefined : range(f.flexibleVersions),
          ignorable: f.ignorable,
          default: f.defaultValue ?? null,
          mapKey: f.mapKey,
        };
        lines.push(`        ${JSON.stringify(o)},`);
      }
      lines.push('      ],');
    }
    lines.push('    },');
    lines.push('  },');
  }
  lines.push('];');
  lines.push('');
  return lines.join('\n');
}
