/**
 * Property tests over every API key and every version (requests and responses), and every
 * header / data / internal message: random values round-trip encode -> decode -> encode
 * byte-identically and decode to the value encoded; every strict prefix of a valid encoding
 * fails with a DecodeError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { Reader, Writer } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import { allApis, type GeneratedCodec } from '../../src/protocol/api.js';
import { generatedMessages } from '../../src/protocol/generated/messages.js';
import { loadMessageSpecs } from '../../src/protocol/codegen/spec.js';
import { repoRoot } from '../helpers/paths.js';
import { messageArb } from './arbitraries.js';

const RUNS = 25;
const SEED = 20261122;

function encode(codec: GeneratedCodec<any>, version: number, value: unknown): Buffer {
  const w = new Writer(64);
  codec.encode(w, version, value);
  return Buffer.from(w.finish());
}

function decode(codec: GeneratedCodec<any>, version: number, buf: Buffer): unknown {
  const r = new Reader(buf);
  const v = codec.decode(r, version);
  assert.equal(r.remaining, 0, 'decoder must consume the whole encoding');
  return v;
}

interface Target {
  readonly label: string;
  readonly message: string;
  readonly version: number;
  readonly codec: GeneratedCodec<any>;
}

function apiTargets(): Target[] {
  const out: Target[] = [];
  for (const api of allApis) {
    for (let v = api.minVersion; v <= api.latestVersion; v++) {
      out.push({ label: `${api.name} v${v} request`, message: `${api.name}Request`, version: v, codec: api.request });
      out.push({ label: `${api.name} v${v} response`, message: `${api.name}Response`, version: v, codec: api.response });
    }
  }
  return out;
}

function otherTargets(): Target[] {
  const out: Target[] = [];
  for (const m of generatedMessages) {
    for (let v = m.minVersion; v <= m.maxVersion; v++) out.push({ label: `${m.name} v${v}`, message: m.name, version: v, codec: m });
  }
  return out;
}

/** Runs a property, naming the target and the underlying failure in the error. */
function assertProperty(t: Target, property: fc.IProperty<any>): void {
  try {
    fc.assert(property, { numRuns: RUNS, seed: SEED });
  } catch (err) {
    const cause = (err as Error).cause as Error | undefined;
    throw new Error(`${t.label}: ${cause?.message ?? ''}\n${(err as Error).message}`, { cause: err });
  }
}

function checkRoundTrip(t: Target): void {
  assertProperty(
    t,
    fc.property(messageArb(t.message, t.version), (value) => {
      const first = encode(t.codec, t.version, value);
      const decoded = decode(t.codec, t.version, first);
      assert.deepEqual(decoded, value);
      const second = encode(t.codec, t.version, decoded);
      assert.ok(first.equals(second), `${t.label}: re-encoding differs`);
    }),
  );
}

function checkTruncations(t: Target): void {
  const samples = fc.sample(messageArb(t.message, t.version, { maxArray: 2 }), { numRuns: 2, seed: SEED });
  for (const value of samples) {
    const full = encode(t.codec, t.version, value);
    for (let n = 0; n < full.length; n++) {
      assert.throws(() => t.codec.decode(new Reader(full.subarray(0, n)), t.version), DecodeError, `${t.label}: prefix ${n}/${full.length}`);
    }
  }
}

test('every API version round-trips requests and responses byte-identically', () => {
  const targets = apiTargets();
  for (const t of targets) checkRoundTrip(t);
  console.log(`round-trip: covered ${targets.length} (api, version, request|response) triples x ${RUNS} runs`);
  const specsDir = join(repoRoot, '..', 'shared', 'specs', 'kafka');
  if (existsSync(specsDir)) {
    const specs = loadMessageSpecs(join(specsDir, 'messages'), join(specsDir, 'internal'));
    let expected = 0;
    for (const s of specs) {
      if (s.kind === 'request' || s.kind === 'response') expected += s.validVersions.max - s.validVersions.min + 1;
    }
    console.log(`round-trip: the specs define ${expected} triples`);
    assert.equal(targets.length, expected);
  } else {
    console.log('round-trip: ../shared/specs absent, triple count not cross-checked against the specs');
  }
});

test('headers, data messages and internal records round-trip', () => {
  const targets = otherTargets();
  for (const t of targets) checkRoundTrip(t);
  console.log(`round-trip: covered ${targets.length} (message, version) pairs of headers, data and internal records`);
  assert.ok(targets.some((t) => t.message === 'OffsetCommitValue'));
  assert.ok(targets.some((t) => t.message === 'RequestHeader' && t.version === 2));
});

test('every strict prefix of a valid encoding fails with a DecodeError', () => {
  const targets = [...apiTargets(), ...otherTargets()];
  for (const t of targets) checkTruncations(t);
  console.log(`truncation: checked every prefix of 2 encodings for ${targets.length} targets`);
});

/**
 * Hostile counts: at every offset of a valid encoding, a length or count claiming the most it
 * can (int32 0x7fffffff, int16 0x7fff, uvarint 0xffffffff) must decode or fail with a
 * DecodeError, never another error and never a loop over the claimed count. The decoders
 * allocate nothing from a count (arrays grow element by element as bytes are consumed; every
 * length is checked against the bytes that remain first), which the source check below pins.
 */
test('a maximal count or length at every offset decodes or fails with a DecodeError', () => {
  const targets = [...apiTargets(), ...otherTargets()];
  const hostile = [Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from([0x7f, 0xff]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f])];
  let inputs = 0;
  let refused = 0;
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const t of targets) {
      const [value] = fc.sample(messageArb(t.message, t.version, { maxArray: 2 }), { numRuns: 1, seed: SEED });
      const full = encode(t.codec, t.version, value);
      for (let at = 0; at < full.length; at++) {
        for (const h of hostile) {
          const input = Buffer.concat([full.subarray(0, at), h, full.subarray(Math.min(full.length, at + h.length))]);
          inputs++;
          try {
            t.codec.decode(new Reader(input), t.version);
          } catch (err) {
            if (!(err instanceof DecodeError)) assert.fail(`${t.label}: ${String(err)} for ${input.toString('hex')}`);
            refused++;
          }
        }
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  console.log(`hostile counts: ${inputs} inputs over ${targets.length} targets, ${refused} refused with a DecodeError`);
  assert.ok(refused > 0);

  // No decoder sizes an allocation from a count it read.
  const generatedDir = join(repoRoot, 'src', 'protocol', 'generated');
  for (const name of readdirSync(generatedDir)) {
    const text = readFileSync(join(generatedDir, name), 'utf8');
    assert.doesNotMatch(text, /new Array\(|Buffer\.alloc|allocUnsafe|\.fill\(/, `${name} preallocates`);
  }
});
