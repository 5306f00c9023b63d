/**
 * Emits the TypeScript for one message spec: an interface and a `create<Type>()` per struct,
 * and straight-line `encode<Type>` / `decode<Type>` functions over Writer / Reader with
 * `version` conditions (no reflection at run time), plus `isDefault<Type>` where a struct's
 * default-ness must be tested (tagged fields, fields absent from a version).
 */
import { intersect, isEmpty, type FieldSpec, type FieldType, type MessageSpec, type StructSpec } from './spec.js';
import {
  cond, defaultExpr, fieldTsType, flexibleRange, isNullableType, minTypeBytes, nonDefaultExpr, not,
  regularRange, taggedRange, tsType,
} from './types.js';

interface Ctx {
  readonly msg: MessageSpec;
  readonly needIsDefault: Set<StructSpec>;
}

function indent(lines: string[], by = '  '): string[] {
  return lines.map((l) => (l === '' ? l : by + l));
}

/** `if (c) { a } else { b }`, simplified when `c` is a constant. */
function branch(c: string, a: string[], b: string[]): string[] {
  if (c === 'true') return a;
  if (c === 'false') return b;
  if (b.length === 0) return [`if (${c}) {`, ...indent(a), '}'];
  return [`if (${c}) {`, ...indent(a), '} else {', ...indent(b), '}'];
}

/** `c ? a : b` simplified when `c` is a constant. */
function ternary(c: string, a: string, b: string): string {
  if (c === 'true') return a;
  if (c === 'false') return b;
  if (a === b) return a;
  return `(${c} ? ${a} : ${b})`;
}

function fieldPath(s: StructSpec, f: FieldSpec): string {
  return `${s.typeName}.${f.prop}`;
}

// ---------------------------------------------------------------- encode

const FIXED_WRITE: Record<string, string> = {
  bool: 'bool', int8: 'int8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32', int64: 'int64', float64: 'float64',
};

/**
 * Statements that write `e`. A nullable struct is preceded by a presence marker: an int8 (-1
 * null, 1 present), but as the value of a tagged field an unsigned varint (0 null, 1 present),
 * as Kafka's generator does.
 */
function encodeValue(t: FieldType, e: string, nullC: string, flexC: string, depth: number, path: string, tagged = false): string[] {
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED_WRITE[t.name];
      if (fixed !== undefined) return [`w.${fixed}(${e});`];
      if (t.name === 'uuid') return [`rt.writeUuid(w, ${e});`];
      const base = t.name === 'string' ? 'String' : 'Bytes';
      const call = (compact: boolean, nullable: boolean): string =>
        `rt.write${compact ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${base}(w, ${e});`;
      const variant = (compact: boolean): string[] => branch(nullC, [call(compact, true)], [call(compact, false)]);
      return branch(flexC, variant(true), variant(false));
    }
    case 'struct': {
      const s = t.struct;
      const present = [tagged ? 'w.uint8(1);' : 'w.int8(1);', `encode${s.typeName}(w, version, ${e});`];
      const nullable = [`if (${e} === null) {`, tagged ? '  w.uint8(0);' : '  w.int8(-1);', `} else {`, ...indent(present), `}`];
      return branch(nullC, nullable, [`encode${s.typeName}(w, version, rt.requireNonNull(${e}, '${path}'));`]);
    }
    case 'array': {
      const a = `a${depth}`;
      const x = `x${depth}`;
      const get = ternary(nullC, e, `rt.requireNonNull(${e}, '${path}')`);
      const count = branch(flexC, [`rt.writeCompactArrayCount(w, ${a});`], [`rt.writeArrayCount(w, ${a});`]);
      const loop = [`for (const ${x} of ${a}) {`, ...indent(encodeValue(t.element, x, 'false', flexC, depth + 1, path)), `}`];
      const body = nullC === 'false' ? loop : [`if (${a} !== null) {`, ...indent(loop), `}`];
      return ['{', `  const ${a} = ${get};`, ...indent(count), ...indent(body), '}'];
    }
  }
}

function emitEncode(s: StructSpec, ctx: Ctx, isRoot: boolean): string[] {
  const { msg } = ctx;
  const valid = msg.validVersions;
  const flexC = cond(msg.flexibleVersions, valid);
  const out: string[] = [];
  const exported = isRoot ? 'export ' : '';
  out.push(`${exported}function encode${s.typeName}(w: Writer, version: number, v: ${s.typeName}): void {`);
  const body: string[] = [];
  if (isRoot) {
    body.push(`if (version < ${valid.min} || version > ${valid.max}) throw rt.unsupportedVersionError('${msg.name}', version);`);
  }
  for (const f of s.fields) {
    const e = `v.${f.prop}`;
    const path = fieldPath(s, f);
    const reg = cond(regularRange(f), valid);
    const within = intersect(valid, regularRange(f));
    const fFlexC = cond(flexibleRange(f, msg), within);
    const nullC = cond(f.nullableVersions, within);
    body.push(...branch(reg, encodeValue(f.type, e, nullC, fFlexC, 0, path), []));
    const absent = not(cond(f.versions, valid));
    if (!f.ignorable && absent !== 'false') {
      body.push(`if (${absent} && ${nonDefaultExpr(f, e, ctx.needIsDefault)}) throw rt.nonDefaultFieldError('${s.typeName}', '${f.prop}', version);`);
    }
  }
  if (flexC !== 'false') {
    // Kafka refuses to drop tagged fields silently in a version without them.
    const refuse = [`if (v._unknownTaggedFields !== undefined && v._unknownTaggedFields.length > 0) throw rt.taggedFieldsUnsupportedError('${s.typeName}', version);`];
    body.push(...branch(flexC, emitEncodeTagged(s, ctx), refuse));
  }
  out.push(...indent(body), '}');
  return out;
}

function taggedFields(s: StructSpec, msg: MessageSpec): FieldSpec[] {
  return s.fields.filter((f) => !isEmpty(taggedRange(f, msg))).sort((a, b) => a.tag! - b.tag!);
}

function emitEncodeTagged(s: StructSpec, ctx: Ctx): string[] {
  const { msg } = ctx;
  const valid = msg.validVersions;
  const tagged = taggedFields(s, msg);
  if (tagged.length === 0) return ['rt.writeUnknownTaggedFieldsOnly(w, v._unknownTaggedFields);'];
  const out: string[] = ['const unknown = v._unknownTaggedFields;', 'let numTagged = unknown === undefined ? 0 : unknown.length;'];
  const flexibleValid = intersect(valid, msg.flexibleVersions);
  tagged.forEach((f, i) => {
    const c = cond(taggedRange(f, msg), flexibleValid);
    const nd = nonDefaultExpr(f, `v.${f.prop}`, ctx.needIsDefault);
    out.push(`const has${i} = ${c === 'true' ? nd : `${c} && ${nd}`};`);
    out.push(`if (has${i}) numTagged++;`);
  });
  out.push('w.uvarint(numTagged);', 'let u = 0;');
  tagged.forEach((f, i) => {
    const nullC = cond(f.nullableVersions, taggedRange(f, msg));
    out.push(`if (has${i}) {`);
    out.push(`  if (unknown !== undefined) u = rt.writeUnknownTaggedFieldsBefore(w, unknown, u, ${f.tag});`);
    out.push(`  const start = rt.beginTaggedField(w, ${f.tag});`);
    out.push(...indent(encodeValue(f.type, `v.${f.prop}`, nullC, 'true', 0, fieldPath(s, f), true)));
    out.push(`  rt.endTaggedField(w, start);`);
    out.push('}');
  });
  out.push('if (unknown !== undefined) rt.writeUnknownTaggedFieldsBefore(w, unknown, u, Infinity);');
  return out;
}

// ---------------------------------------------------------------- decode

const FIXED_READ: Record<string, string> = {
  bool: 'r.bool()', int8: 'r.int8()', int16: 'r.int16()', uint16: 'r.uint16()', int32: 'r.int32()', uint32: 'r.uint32()',
  int64: 'r.int64()', float64: 'r.float64()',
};

/** Statements that decode a value of type `t` from reader `r` and assign it to `target`. */
function decodeInto(
  t: FieldType,
  target: string,
  rd: string,
  nullC: string,
  flexC: string,
  depth: number,
  ctx: Ctx,
  tagged = false,
): string[] {
  switch (t.kind) {
    case 'primitive': {
      const fixed = FIXED_READ[t.name];
      if (fixed !== undefined) return [`${target} = ${fixed.replace('r.', `${rd}.`)};`];
      if (t.name === 'uuid') return [`${target} = rt.readUuid(${rd});`];
      const base = t.name === 'string' ? 'String' : 'Bytes';
      const call = (compact: boolean, nullable: boolean): string =>
        `rt.read${compact ? 'Compact' : ''}${nullable ? 'Nullable' : ''}${base}(${rd})`;
      const variant = (compact: boolean): string => ternary(nullC, call(compact, true), call(compact, false));
      return [`${target} = ${ternary(flexC, variant(true), variant(false))};`];
    }
    case 'struct': {
      const d = `decode${t.struct.typeName}(${rd}, version)`;
      const presence = tagged ? `rt.readTaggedStructPresence(${rd})` : `rt.readStructPresence(${rd})`;
      return [`${target} = ${ternary(nullC, `(${presence} ? ${d} : null)`, d)};`];
    }
    case 'array': {
      const n = `n${depth}`;
      const a = `a${depth}`;
      const i = `i${depth}`;
      const minBytes = minTypeBytes(t.element, false, ctx.msg);
      const nullable = nullC === 'false' ? 'false' : nullC === 'true' ? 'true' : `(${nullC})`;
      const count = ternary(
        flexC,
        `rt.readCompactArrayCount(${rd}, ${minBytes}, ${nullable})`,
        `rt.readArrayCount(${rd}, ${minBytes}, ${nullable})`,
      );
      const elemType = tsType(t.element);
      const fill = [
        `const ${a}: ${elemType}[] = [];`,
        `for (let ${i} = 0; ${i} < ${n}; ${i}++) {`,
        ...indent(decodeInto(t.element, `${a}[${i}]`, rd, 'false', flexC, depth + 1, ctx)),
        '}',
        `${target} = ${a};`,
      ];
      const body = nullC === 'false' ? fill : [`if (${n} < 0) {`, `  ${target} = null;`, '} else {', ...indent(fill), '}'];
      return ['{', `  const ${n} = ${count};`, ...indent(body), '}'];
    }
  }
}

function emitDecode(s: StructSpec, ctx: Ctx, isRoot: boolean): string[] {
  const { msg } = ctx;
  const valid = msg.validVersions;
  const flexC = cond(msg.flexibleVersions, valid);
  const out: string[] = [];
  const exported = isRoot ? 'export ' : '';
  out.push(`${exported}function decode${s.typeName}(r: Reader, version: number): ${s.typeName} {`);
  const body: string[] = [];
  if (isRoot) {
    body.push(`if (version < ${valid.min} || version > ${valid.max}) throw rt.unsupportedDecodeVersionError('${msg.name}', version);`);
  }
  const names: string[] = [];
  s.fields.forEach((f, idx) => {
    const local = `f${idx}`;
    names.push(`${f.prop}: ${local}`);
    const reg = cond(regularRange(f), valid);
    const type = fieldTsType(f);
    if (reg === 'false') {
      body.push(`const ${local}: ${type} = ${defaultExpr(f)};`);
      return;
    }
    const within = intersect(valid, regularRange(f));
    const read = decodeInto(f.type, local, 'r', cond(f.nullableVersions, within), cond(flexibleRange(f, msg), within), 0, ctx);
    if (reg === 'true' && read.length === 1) {
      body.push(`const ${read[0]!}`.replace(`const ${local} =`, `const ${local}: ${type} =`));
      return;
    }
    body.push(`let ${local}: ${type};`);
    body.push(...branch(reg, read, [`${local} = ${defaultExpr(f)};`]));
  });
  body.push(`const o: ${s.typeName} = { ${names.join(', ')} };`);
  if (flexC !== 'false') body.push(...branch(flexC, emitDecodeTagged(s, ctx), []));
  body.push('return o;');
  out.push(...indent(body), '}');
  return out;
}

function emitDecodeTagged(s: StructSpec, ctx: Ctx): string[] {
  const { msg } = ctx;
  const valid = msg.validVersions;
  const tagged = taggedFields(s, msg);
  if (tagged.length === 0) return ['rt.readUnknownTaggedFields(r, o);'];
  const out: string[] = ['const numTagged = rt.readTaggedFieldCount(r);', 'for (let t = 0; t < numTagged; t++) {'];
  out.push('  const tag = r.uvarint();', '  const size = r.uvarint();');
  const chain: string[] = [];
  const flexibleValid = intersect(valid, msg.flexibleVersions);
  tagged.forEach((f, i) => {
    const c = cond(taggedRange(f, msg), flexibleValid);
    const test = c === 'true' ? `tag === ${f.tag}` : `tag === ${f.tag} && ${c}`;
    const local = `tv${i}`;
    const read = decodeInto(f.type, local, 's', cond(f.nullableVersions, taggedRange(f, msg)), 'true', 0, ctx, true);
    chain.push(`${i === 0 ? '' : '} else '}if (${test}) {`);
    chain.push('  const s = rt.taggedFieldReader(r, size);');
    chain.push(`  let ${local}: ${fieldTsType(f)};`);
    chain.push(...indent(read));
    chain.push(`  o.${f.prop} = ${local};`);
    chain.push(`  rt.checkTaggedFieldEnd(s, tag);`);
  });
  chain.push('} else {', '  rt.pushUnknownTaggedField(r, o, tag, size);', '}');
  out.push(...indent(chain), '}');
  return out;
}

// ---------------------------------------------------------------- types, create, isDefault

function emitInterface(s: StructSpec, ctx: Ctx): string[] {
  const out = [`export interface ${s.typeName} {`];
  for (const f of s.fields) {
    if (f.about !== '') out.push(`  /** ${f.about.replace(/\*\//g, '*\\/')} */`);
    out.push(`  ${f.prop}: ${fieldTsType(f)};`);
  }
  if (!isEmpty(ctx.msg.flexibleVersions)) out.push('  _unknownTaggedFields?: rt.UnknownTaggedField[];');
  out.push('}');
  return out;
}

function emitCreate(s: StructSpec): string[] {
  const out = [`export function create${s.typeName}(init?: Partial<${s.typeName}>): ${s.typeName} {`, '  return {'];
  for (const f of s.fields) {
    const d = defaultExpr(f);
    const nullableNonNullDefault = isNullableType(f) && d !== 'null';
    out.push(
      nullableNonNullDefault
        ? `    ${f.prop}: init?.${f.prop} !== undefined ? init.${f.prop} : ${d},`
        : `    ${f.prop}: init?.${f.prop} ?? ${d},`,
    );
  }
  out.push('  };', '}');
  return out;
}

function emitIsDefault(s: StructSpec, ctx: Ctx): string[] {
  const terms = s.fields.map((f) => `!${wrap(nonDefaultExpr(f, `v.${f.prop}`, ctx.needIsDefault))}`);
  if (!isEmpty(ctx.msg.flexibleVersions)) terms.push('(v._unknownTaggedFields === undefined || v._unknownTaggedFields.length === 0)');
  const body = terms.length === 0 ? 'true' : terms.join(' &&\n    ');
  return [`function isDefault${s.typeName}(v: ${s.typeName}): boolean {`, `  return ${body};`, '}'];
}

function wrap(e: string): string {
  return e.startsWith('(') && e.endsWith(')') ? e : `(${e})`;
}

/** The code for one message: types, creators, encoders, decoders. */
export function emitMessage(msg: MessageSpec): string[] {
  const ctx: Ctx = { msg, needIsDefault: new Set() };
  const out: string[] = [];
  out.push(`// ---------------------------------------------------------------- ${msg.name}`);
  out.push('');
  for (const s of msg.structs) out.push(...emitInterface(s, ctx), '');
  for (const s of msg.structs) out.push(...emitCreate(s), '');
  msg.structs.forEach((s, i) => out.push(...emitEncode(s, ctx, i === 0), ''));
  msg.structs.forEach((s, i) => out.push(...emitDecode(s, ctx, i === 0), ''));
  // isDefault functions may need further ones (nested structs): close over the set first.
  const emitted = new Map<StructSpec, string[]>();
  while (true) {
    const pending = [...ctx.needIsDefault].filter((s) => !emitted.has(s));
    if (pending.length === 0) break;
    for (const s of pending) emitted.set(s, emitIsDefault(s, ctx));
  }
  for (const s of msg.structs) {
    const text = emitted.get(s);
    if (text !== undefined) out.push(...text, '');
  }
  return out;
}
