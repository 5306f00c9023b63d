/**
 * The generator on a synthetic spec with features today's Kafka specs barely use or do not use
 * (hex and negative defaults, float64 and uint32, a tagged nullable struct, a field that is
 * regular in old versions and tagged in new ones, a nullable string with a non-null default):
 * the emitted TypeScript is transpiled and run, and its bytes are checked by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { Reader, Writer } from '../../src/util/bytes.js';
import { EncodeError } from '../../src/util/errors.js';
import { loadMessageSpecs } from '../../src/protocol/codegen/spec.js';
import { moduleText } from '../../src/protocol/codegen/generate.js';
import { tempDir } from '../helpers/paths.js';

const SPEC = `// a synthetic message
{
  "apiKey": 9999, "type": "request", "name": "SyntheticRequest",
  "validVersions": "0-3", "flexibleVersions": "2+",
  "fields": [
    { "name": "Hex", "type": "int32", "versions": "0+", "default": "0x7fffffff", "about": "see http://x//y" },
    { "name": "Neg", "type": "int64", "versions": "0+", "default": "-5" },
    { "name": "Ratio", "type": "float64", "versions": "1+", "default": "1.5" },
    { "name": "Flag", "type": "bool", "versions": "0+", "default": true },
    { "name": "Count", "type": "uint32", "versions": "0+" },
    { "name": "Maybe", "type": "Inner", "versions": "2+", "nullableVersions": "2+", "default": "null",
      "tag": 0, "taggedVersions": "2+", "fields": [
      { "name": "X", "type": "int8", "versions": "0+" }
    ]},
    { "name": "Text", "type": "string", "versions": "0+", "nullableVersions": "1+", "default": "hello",
      "tag": 1, "taggedVersions": "3+", "ignorable": true }
  ]
}`;

type Codec = {
  createSyntheticRequest(init?: object): Record<string, unknown>;
  encodeSyntheticRequest(w: Writer, v: number, value: object): void;
  decodeSyntheticRequest(r: Reader, v: number): Record<string, unknown>;
};

async function loadGenerated(): Promise<{ mod: Codec; cleanup: () => void }> {
  const dir = tempDir('gregor-codegen-');
  mkdirSync(join(dir.path, 'messages'));
  mkdirSync(join(dir.path, 'internal'));
  writeFileSync(join(dir.path, 'messages', 'SyntheticRequest.json'), SPEC);
  const text = moduleText(loadMessageSpecs(join(dir.path, 'messages'), join(dir.path, 'internal')));
  const js = ts.transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  // The runtime next to this test's source (compiled: dist/src/protocol; under tsx: src/protocol).
  const compiled = new URL('../../src/protocol/codec-runtime.js', import.meta.url);
  const runtime = existsSync(compiled) ? compiled : new URL('../../src/protocol/codec-runtime.ts', import.meta.url);
  const file = join(dir.path, 'synthetic.mjs');
  writeFileSync(file, js.replace("'../codec-runtime.js'", `'${runtime.href}'`));
  const mod = (await import(pathToFileURL(file).href)) as Codec;
  return { mod, cleanup: dir.cleanup };
}

function encode(mod: Codec, version: number, value: object): string {
  const w = new Writer();
  mod.encodeSyntheticRequest(w, version, value);
  return w.finish().toString('hex');
}

test('synthetic spec: defaults, tagged nullable struct, regular-then-tagged field', async () => {
  const { mod, cleanup } = await loadGenerated();
  try {
    const d = mod.createSyntheticRequest();
    assert.deepEqual(d, { hex: 0x7fffffff, neg: -5n, ratio: 1.5, flag: true, count: 0, maybe: null, text: 'hello' });

    // v0: Hex, Neg, Flag, Count, Text (classic string).
    assert.equal(encode(mod, 0, d), '7fffffff' + 'fffffffffffffffb' + '01' + '00000000' + '0005' + '68656c6c6f');
    // Ratio is v1+ and not ignorable: a non-default value cannot be written at v0.
    assert.throws(() => encode(mod, 0, { ...d, ratio: 2.5 }), EncodeError);
    // Text is nullable from v1 only.
    assert.throws(() => encode(mod, 0, { ...d, text: null }), EncodeError);

    // v2 (flexible): Text is compact; Maybe is tagged (tag 0) and written only when not null,
    // its presence marker an unsigned varint (1), size 3 = marker + X + Inner's empty tag section.
    const v2 = encode(mod, 2, { ...d, maybe: { x: 5 } });
    assert.equal(v2, '7fffffff' + 'fffffffffffffffb' + '3ff8000000000000' + '01' + '00000000' + '06' + '68656c6c6f' + '01' + '00' + '03' + '01' + '05' + '00');
    assert.deepEqual(mod.decodeSyntheticRequest(new Reader(Buffer.from(v2, 'hex')), 2).maybe, { x: 5 });

    // v3: Text becomes tagged (tag 1); at its default it is not written, as null it is (size 1, 00).
    const base3 = '7fffffff' + 'fffffffffffffffb' + '3ff8000000000000' + '01' + '00000000';
    assert.equal(encode(mod, 3, d), base3 + '00');
    const withNull = encode(mod, 3, { ...d, text: null });
    assert.equal(withNull, base3 + '01' + '01' + '01' + '00');
    assert.equal(mod.decodeSyntheticRequest(new Reader(Buffer.from(withNull, 'hex')), 3).text, null);
    // Absent tagged fields decode to their defaults.
    assert.equal(mod.decodeSyntheticRequest(new Reader(Buffer.from(base3 + '00', 'hex')), 3).text, 'hello');
    // A tagged struct's null marker (uvarint 0) decodes to null.
    assert.equal(mod.decodeSyntheticRequest(new Reader(Buffer.from(base3 + '01' + '00' + '01' + '00', 'hex')), 3).maybe, null);
  } finally {
    cleanup();
  }
});
