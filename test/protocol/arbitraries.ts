/**
 * fast-check arbitraries for every generated message and version, built from the generated
 * schema (src/protocol/generated/schema.ts). Values respect each version's rules: fields the
 * version lacks stay at their default (from the generated create<Type>()), null only where the
 * version allows it, and in flexible versions some structs carry unknown tagged fields (with
 * tags above the known ones, in order, as an encoder would write them).
 */
import fc from 'fast-check';
import * as gen from '../../src/protocol/generated/index.js';
import { schema, type SchemaField, type SchemaMessage, type SchemaRange } from '../../src/protocol/generated/schema.js';

export function inRange(r: SchemaRange | undefined, v: number): boolean {
  return r !== null && r !== undefined && v >= r[0] && v <= r[1];
}

export function schemaOf(name: string): SchemaMessage {
  const m = schema.find((s) => s.name === name);
  if (m === undefined) throw new Error(`no schema for ${name}`);
  return m;
}

const creators = gen as unknown as Record<string, (init?: object) => Record<string, unknown>>;

export function defaults(typeName: string): Record<string, unknown> {
  const create = creators[`create${typeName}`];
  if (create === undefined) throw new Error(`no create${typeName}`);
  return create();
}

interface Opts {
  readonly maxArray: number;
}

function primitive(type: string): fc.Arbitrary<unknown> | undefined {
  switch (type) {
    case 'bool':
      return fc.boolean();
    case 'int8':
      return fc.integer({ min: -128, max: 127 });
    case 'int16':
      return fc.integer({ min: -32768, max: 32767 });
    case 'uint16':
      return fc.integer({ min: 0, max: 65535 });
    case 'int32':
      return fc.integer({ min: -2147483648, max: 2147483647 });
    case 'uint32':
      return fc.integer({ min: 0, max: 4294967295 });
    case 'int64':
      return fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
    case 'float64':
      return fc.double();
    case 'string':
      return fc.string({ unit: 'binary', maxLength: 10 });
    case 'uuid':
      return fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64url'));
    case 'bytes':
    case 'records':
      return fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));
    default:
      return undefined;
  }
}

function typeArb(m: SchemaMessage, type: string, version: number, opts: Opts): fc.Arbitrary<unknown> {
  if (type.startsWith('[]')) return fc.array(typeArb(m, type.slice(2), version, opts), { maxLength: opts.maxArray });
  const p = primitive(type);
  if (p !== undefined) return p;
  return structArb(m, type, version, opts);
}

function fieldArb(m: SchemaMessage, f: SchemaField, version: number, opts: Opts): fc.Arbitrary<unknown> {
  const base = typeArb(m, f.type, version, opts);
  return inRange(f.nullableVersions, version) ? fc.option(base, { nil: null, freq: 4 }) : base;
}

function isFlexible(m: SchemaMessage, version: number): boolean {
  return inRange(m.flexibleVersions, version);
}

/** Unknown tagged fields for a struct: tags above every known tag, ascending. */
function unknownTagsArb(fields: readonly SchemaField[]): fc.Arbitrary<{ tag: number; data: Buffer }[]> {
  const firstFree = fields.reduce((max, f) => (f.tag !== null && f.tag >= max ? f.tag + 1 : max), 0);
  return fc
    .uniqueArray(fc.integer({ min: firstFree, max: firstFree + 40 }), { maxLength: 2 })
    .chain((tags) =>
      fc.tuple(...tags.sort((a, b) => a - b).map((tag) => fc.uint8Array({ maxLength: 6 }).map((d) => ({ tag, data: Buffer.from(d) })))),
    );
}

export function structArb(m: SchemaMessage, typeName: string, version: number, opts: Opts = { maxArray: 3 }): fc.Arbitrary<Record<string, unknown>> {
  const fields = m.structs[typeName];
  if (fields === undefined) throw new Error(`${m.name}: no struct ${typeName}`);
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const f of fields) {
    if (inRange(f.versions, version)) record[f.prop] = fieldArb(m, f, version, opts);
  }
  const flexible = isFlexible(m, version);
  const unknown = flexible ? fc.option(unknownTagsArb(fields), { nil: undefined, freq: 3 }) : fc.constant(undefined);
  return fc.tuple(fc.record(record), unknown).map(([present, unk]) => {
    const value = { ...defaults(typeName), ...present };
    if (unk !== undefined && unk.length > 0) value._unknownTaggedFields = unk;
    return value;
  });
}

export function messageArb(name: string, version: number, opts?: Opts): fc.Arbitrary<Record<string, unknown>> {
  const m = schemaOf(name);
  return structArb(m, m.name, version, opts);
}
