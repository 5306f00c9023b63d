/**
 * Loads Kafka's message specs (messages/*.json, internal/*.json) into a normalized model the
 * emitters walk: version ranges parsed, field types resolved (primitives, arrays, inline and
 * common structs), camelCase property names and collision-free TypeScript type names.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseSpecJson } from './json.js';

/** An inclusive version range; `max` is Infinity for "N+", and an empty range has min > max. */
export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export const EMPTY_RANGE: VersionRange = { min: 1, max: 0 };

export function parseRange(text: string | undefined, what: string): VersionRange {
  if (text === undefined || text === 'none' || text === '') return EMPTY_RANGE;
  let m = /^(\d+)\+$/.exec(text);
  if (m) return { min: Number(m[1]), max: Infinity };
  m = /^(\d+)-(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[2]) };
  m = /^(\d+)$/.exec(text);
  if (m) return { min: Number(m[1]), max: Number(m[1]) };
  throw new Error(`${what}: bad version range "${text}"`);
}

export function isEmpty(r: VersionRange): boolean {
  return r.min > r.max;
}

export function contains(r: VersionRange, v: number): boolean {
  return v >= r.min && v <= r.max;
}

export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  const r = { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
  return isEmpty(r) ? EMPTY_RANGE : r;
}

/** The smallest range covering both (used only to simplify conditions, so a superset is safe). */
export function hull(a: VersionRange, b: VersionRange): VersionRange {
  if (isEmpty(a)) return b;
  if (isEmpty(b)) return a;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

export type PrimitiveName =
  | 'bool' | 'int8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'float64'
  | 'string' | 'uuid' | 'bytes' | 'records';

const PRIMITIVES: ReadonlySet<string> = new Set([
  'bool', 'int8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'float64', 'string', 'uuid', 'bytes', 'records',
]);

export type FieldType =
  | { readonly kind: 'primitive'; readonly name: PrimitiveName }
  | { readonly kind: 'struct'; readonly struct: StructSpec }
  | { readonly kind: 'array'; readonly element: FieldType };

export interface FieldSpec {
  readonly name: string;
  readonly prop: string;
  readonly type: FieldType;
  readonly versions: VersionRange;
  readonly nullableVersions: VersionRange;
  readonly tag: number | null;
  readonly taggedVersions: VersionRange;
  readonly ignorable: boolean;
  /** The spec's `default` as written (string, number or boolean), or undefined. */
  readonly defaultValue: string | number | boolean | undefined;
  /** Field-level override of flexible encoding (RequestHeader.ClientId has "none"). */
  readonly flexibleVersions: VersionRange | null;
  readonly mapKey: boolean;
  readonly about: string;
}

export interface StructSpec {
  readonly specName: string;
  /** The TypeScript type name: the message name, or message name + struct name for nested ones. */
  readonly typeName: string;
  readonly fields: FieldSpec[];
  /** Versions in which this struct can be encoded (a superset is fine). */
  versions: VersionRange;
}

export type MessageKind = 'request' | 'response' | 'header' | 'data';

export interface MessageSpec {
  readonly name: string;
  readonly kind: MessageKind;
  readonly apiKey: number | null;
  readonly validVersions: VersionRange;
  readonly flexibleVersions: VersionRange;
  readonly latestVersionUnstable: boolean;
  readonly deprecatedVersions: VersionRange;
  readonly listeners: readonly string[];
  readonly root: StructSpec;
  /** Every struct (root first), in order of first appearance. */
  readonly structs: readonly StructSpec[];
  readonly source: 'messages' | 'internal';
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

interface RawField {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  tag?: number | string;
  taggedVersions?: string;
  ignorable?: boolean;
  default?: string | number | boolean;
  flexibleVersions?: string;
  mapKey?: boolean;
  about?: string;
  fields?: RawField[];
}

interface RawSpec {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  latestVersionUnstable?: boolean;
  deprecatedVersions?: string;
  listeners?: string[];
  fields: RawField[];
  commonStructs?: { name: string; versions?: string; fields: RawField[] }[];
}

function buildMessage(raw: RawSpec, source: 'messages' | 'internal'): MessageSpec {
  const where = raw.name;
  const validVersions = parseRange(raw.validVersions, `${where}.validVersions`);
  const structs: StructSpec[] = [];
  const byName = new Map<string, StructSpec>();
  const common = new Map<string, RawField[]>();
  for (const c of raw.commonStructs ?? []) common.set(c.name, c.fields);

  const root: StructSpec = { specName: raw.name, typeName: raw.name, fields: [], versions: validVersions };
  structs.push(root);

  const resolveStruct = (typeName: string, inline: RawField[] | undefined, versions: VersionRange, path: string): StructSpec => {
    const existing = byName.get(typeName);
    if (existing !== undefined) {
      if (inline !== undefined && !common.has(typeName)) throw new Error(`${path}: struct ${typeName} defined twice`);
      existing.versions = hull(existing.versions, versions);
      return existing;
    }
    const rawFields = inline ?? common.get(typeName);
    if (rawFields === undefined) throw new Error(`${path}: unknown struct type ${typeName}`);
    // Nested types are prefixed with the message name so they are unique across messages
    // (ProduceRequest + TopicProduceData); a struct already named after its message keeps its name.
    const tsName = typeName.startsWith(raw.name) ? typeName : raw.name + typeName;
    if (structs.some((x) => x.typeName === tsName)) throw new Error(`${path}: two structs map to the type name ${tsName}`);
    const s: StructSpec = { specName: typeName, typeName: tsName, fields: [], versions };
    byName.set(typeName, s);
    structs.push(s);
    for (const f of rawFields) s.fields.push(buildField(f, versions, `${path}.${f.name}`));
    return s;
  };

  const resolveType = (t: string, f: RawField, versions: VersionRange, path: string): FieldType => {
    if (t.startsWith('[]')) return { kind: 'array', element: resolveType(t.slice(2), f, versions, path) };
    if (PRIMITIVES.has(t)) {
      if (f.fields !== undefined) throw new Error(`${path}: primitive ${t} with fields`);
      return { kind: 'primitive', name: t as PrimitiveName };
    }
    return { kind: 'struct', struct: resolveStruct(t, f.fields, versions, path) };
  };

  const buildField = (f: RawField, parentVersions: VersionRange, path: string): FieldSpec => {
    const versions = parseRange(f.versions, `${path}.versions`);
    const inVersions = intersect(parentVersions, versions);
    const tag = f.tag === undefined ? null : Number(f.tag);
    if (tag !== null && (!Number.isInteger(tag) || tag < 0)) throw new Error(`${path}: bad tag ${String(f.tag)}`);
    return {
      name: f.name,
      prop: camelCase(f.name),
      type: resolveType(f.type, f, inVersions, path),
      versions,
      nullableVersions: parseRange(f.nullableVersions, `${path}.nullableVersions`),
      tag,
      taggedVersions: tag === null ? EMPTY_RANGE : parseRange(f.taggedVersions, `${path}.taggedVersions`),
      ignorable: f.ignorable === true,
      defaultValue: f.default,
      flexibleVersions: f.flexibleVersions === undefined ? null : parseRange(f.flexibleVersions, `${path}.flexibleVersions`),
      mapKey: f.mapKey === true,
      about: f.about ?? '',
    };
  };

  for (const f of raw.fields) root.fields.push(buildField(f, validVersions, `${raw.name}.${f.name}`));

  const kind = raw.type as MessageKind;
  if (!['request', 'response', 'header', 'data'].includes(kind)) throw new Error(`${where}: unknown type ${raw.type}`);
  return {
    name: raw.name,
    kind,
    apiKey: raw.apiKey ?? null,
    validVersions,
    flexibleVersions: parseRange(raw.flexibleVersions, `${where}.flexibleVersions`),
    latestVersionUnstable: raw.latestVersionUnstable === true,
    deprecatedVersions: parseRange(raw.deprecatedVersions, `${where}.deprecatedVersions`),
    listeners: [...(raw.listeners ?? [])],
    root,
    structs,
    source,
  };
}

function loadDir(dir: string, source: 'messages' | 'internal'): MessageSpec[] {
  const names = readdirSync(dir).filter((n) => n.endsWith('.json')).sort();
  return names.map((n) => buildMessage(parseSpecJson(readFileSync(join(dir, n), 'utf8'), n) as RawSpec, source));
}

/** All message specs, sorted by name. */
export function loadMessageSpecs(messagesDir: string, internalDir: string): MessageSpec[] {
  const all = [...loadDir(messagesDir, 'messages'), ...loadDir(internalDir, 'internal')];
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
