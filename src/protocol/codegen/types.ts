/**
 * Per-field facts the emitters share: TypeScript types, default values and "is this the
 * default" tests, version conditions rendered as code, and minimum encoded sizes (used to
 * bound array counts before allocating).
 */
import {
  contains, EMPTY_RANGE, intersect, isEmpty,
  type FieldSpec, type FieldType, type MessageSpec, type StructSpec, type VersionRange,
} from './spec.js';

/** Renders "version in range" as code, simplified against the message's valid versions. */
export function cond(r: VersionRange, valid: VersionRange): string {
  const x = intersect(r, valid);
  if (isEmpty(x)) return 'false';
  const lo = x.min <= valid.min ? null : x.min;
  const hi = x.max >= valid.max ? null : x.max;
  if (lo === null && hi === null) return 'true';
  if (hi === null) return `version >= ${lo}`;
  if (lo === null) return `version <= ${hi}`;
  if (lo === hi) return `version === ${lo}`;
  return `version >= ${lo} && version <= ${hi}`;
}

export function not(c: string): string {
  if (c === 'true') return 'false';
  if (c === 'false') return 'true';
  const m = /^version (>=|<=|===) (\d+)$/.exec(c);
  if (m) return `version ${m[1] === '>=' ? '<' : m[1] === '<=' ? '>' : '!=='} ${m[2]}`;
  return `!(${c})`;
}

/** The versions in which a field is written in the main body (not as a tagged field). */
export function regularRange(f: FieldSpec): VersionRange {
  if (f.tag === null) return f.versions;
  if (f.taggedVersions.max !== Infinity && f.taggedVersions.max < f.versions.max) {
    throw new Error(`${f.name}: taggedVersions must be open-ended`);
  }
  const max = Math.min(f.versions.max, f.taggedVersions.min - 1);
  return max < f.versions.min ? EMPTY_RANGE : { min: f.versions.min, max };
}

/** The versions in which a field is written as a tagged field. */
export function taggedRange(f: FieldSpec, msg: MessageSpec): VersionRange {
  if (f.tag === null) return EMPTY_RANGE;
  return intersect(intersect(f.versions, f.taggedVersions), msg.flexibleVersions);
}

/** The versions in which a field's variable-length parts use compact encodings. */
export function flexibleRange(f: FieldSpec, msg: MessageSpec): VersionRange {
  return f.flexibleVersions === null ? msg.flexibleVersions : intersect(msg.flexibleVersions, f.flexibleVersions);
}

export function isNullableType(f: FieldSpec): boolean {
  return !isEmpty(f.nullableVersions) || f.defaultValue === 'null' || (f.type.kind === 'primitive' && f.type.name === 'records');
}

export function tsType(t: FieldType): string {
  switch (t.kind) {
    case 'array':
      return `${tsType(t.element)}[]`;
    case 'struct':
      return t.struct.typeName;
    case 'primitive':
      switch (t.name) {
        case 'bool':
          return 'boolean';
        case 'int64':
          return 'bigint';
        case 'string':
        case 'uuid':
          return 'string';
        case 'bytes':
        case 'records':
          return 'Buffer';
        default:
          return 'number';
      }
  }
}

export function fieldTsType(f: FieldSpec): string {
  const base = tsType(f.type);
  return isNullableType(f) ? `${base} | null` : base;
}

function parseInteger(raw: string | number, f: FieldSpec): bigint {
  const s = String(raw).trim();
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  let v: bigint;
  if (/^0x[0-9a-f]+$/i.test(body)) v = BigInt(body);
  else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
  else if (/^\d+$/.test(body)) v = BigInt(body);
  else throw new Error(`${f.name}: bad integer default ${s}`);
  return neg ? -v : v;
}

/** The default value of a field as a code expression (a fresh object for arrays and structs). */
export function defaultExpr(f: FieldSpec): string {
  const d = f.defaultValue;
  if (d === 'null') {
    if (!isNullableType(f)) throw new Error(`${f.name}: default null on a non-nullable field`);
    return 'null';
  }
  const t = f.type;
  if (t.kind === 'array') {
    if (d !== undefined && d !== '') throw new Error(`${f.name}: arrays only default to empty or null`);
    return '[]';
  }
  if (t.kind === 'struct') return `create${t.struct.typeName}()`;
  switch (t.name) {
    case 'bool':
      return d === true || d === 'true' ? 'true' : 'false';
    case 'int8':
    case 'int16':
    case 'uint16':
    case 'int32':
    case 'uint32':
      return d === undefined || d === '' ? '0' : String(parseInteger(d as string | number, f));
    case 'int64':
      return d === undefined || d === '' ? '0n' : `${parseInteger(d as string | number, f)}n`;
    case 'float64': {
      if (d === undefined || d === '') return '0';
      const n = Number(d);
      if (!Number.isFinite(n)) throw new Error(`${f.name}: bad float default ${String(d)}`);
      return String(n);
    }
    case 'string':
      return JSON.stringify(d === undefined ? '' : String(d));
    case 'uuid':
      return 'rt.ZERO_UUID';
    case 'bytes':
      return 'rt.EMPTY_BUFFER';
    case 'records':
      return 'null';
  }
}

/**
 * Code that is true when `e` differs from the field's default. Structs compare deeply through
 * an `isDefault<Struct>` function, recorded in `needIsDefault` so the emitter writes it.
 */
export function nonDefaultExpr(f: FieldSpec, e: string, needIsDefault: Set<StructSpec>): string {
  const d = defaultExpr(f);
  const t = f.type;
  if (d === 'null') return `${e} !== null`;
  if (t.kind === 'array') return `(${e} === null || ${e}.length !== 0)`;
  if (t.kind === 'struct') {
    needIsDefault.add(t.struct);
    return `(${e} === null || !isDefault${t.struct.typeName}(${e}))`;
  }
  if (t.name === 'bytes') return `(${e} === null || ${e}.length !== 0)`;
  return `${e} !== ${d}`;
}

/** Minimum encoded bytes of a value of type `t` (lower bound over all versions). */
export function minTypeBytes(t: FieldType, nullable: boolean, msg: MessageSpec): number {
  const compactPossible = !isEmpty(msg.flexibleVersions);
  switch (t.kind) {
    case 'array':
      return compactPossible ? 1 : 4;
    case 'struct':
      return nullable ? 1 : minStructBytes(t.struct, msg);
    case 'primitive':
      switch (t.name) {
        case 'bool':
        case 'int8':
          return 1;
        case 'int16':
        case 'uint16':
          return 2;
        case 'int32':
        case 'uint32':
          return 4;
        case 'int64':
        case 'float64':
          return 8;
        case 'uuid':
          return 16;
        case 'string':
          return compactPossible ? 1 : 2;
        case 'bytes':
        case 'records':
          return compactPossible ? 1 : 4;
      }
  }
}

/** Minimum encoded size of a struct over every valid version of its message. */
export function minStructBytes(s: StructSpec, msg: MessageSpec): number {
  let best = Infinity;
  for (let v = msg.validVersions.min; v <= msg.validVersions.max; v++) {
    let n = contains(msg.flexibleVersions, v) ? 1 : 0;
    for (const f of s.fields) {
      if (!contains(regularRange(f), v)) continue;
      n += minTypeBytes(f.type, contains(f.nullableVersions, v), msg);
    }
    best = Math.min(best, n);
  }
  return best === Infinity ? 0 : best;
}
