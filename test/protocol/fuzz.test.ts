/**
 * Fuzz: for every API, 100,000 byte strings (half pure random, half mutated valid encodings,
 * spread over the API's versions) go to the request body decoder. Each must decode or fail
 * with a DecodeError, never another error, and never hang (every loop in the decoders is
 * bounded by the bytes that remain). Seeded, so a failure replays exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Reader, Writer } from '../../src/util/bytes.js';
import { DecodeError } from '../../src/util/errors.js';
import { allApis, decodeRequest, UnknownApiKeyError, UnsupportedVersionError, type ApiSpec } from '../../src/protocol/api.js';
import { messageArb } from './arbitraries.js';

const PER_API = Number(process.env.GREGOR_FUZZ_PER_API ?? 100_000);
const SEED = 0x5eed2026;

/** xorshift32: a tiny seeded generator (Math.random cannot be seeded). */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  below(n: number): number {
    return this.next() % n;
  }
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];

function mutate(rng: Rng, valid: Buffer, scratch: Buffer): Buffer {
  let len = Math.min(valid.length, scratch.length - 16);
  valid.copy(scratch, 0, 0, len);
  const edits = 1 + rng.below(4);
  for (let e = 0; e < edits; e++) {
    const at = len === 0 ? 0 : rng.below(len);
    switch (rng.below(6)) {
      case 0:
        scratch[at] = rng.next() & 0xff;
        break;
      case 1:
        scratch[at] = INTERESTING[rng.below(INTERESTING.length)]!;
        break;
      case 2:
        len = at; // truncate
        break;
      case 3:
        if (len + 4 <= scratch.length) {
          scratch.copyWithin(at + 4, at, len);
          scratch.writeUInt32BE(rng.next(), at);
          len += 4;
        }
        break;
      case 4:
        if (at + 4 <= len) scratch.writeInt32BE(rng.below(2) === 0 ? 0x7fffffff : -1 - rng.below(3), at);
        break;
      default:
        if (at + 2 <= len) scratch.writeInt16BE(rng.below(2) === 0 ? 0x7fff : -2, at);
    }
  }
  return scratch.subarray(0, len);
}

function validSamples(api: ApiSpec): Buffer[][] {
  const out: Buffer[][] = [];
  for (let v = api.minVersion; v <= api.latestVersion; v++) {
    const values = fc.sample(messageArb(`${api.name}Request`, v, { maxArray: 2 }), { numRuns: 4, seed: SEED + v });
    out.push(
      values.map((value) => {
        const w = new Writer();
        api.request.encode(w, v, value);
        return Buffer.from(w.finish());
      }),
    );
  }
  return out;
}

interface FuzzCount {
  total: number;
  decodedOk: number;
}

function fuzzApi(api: ApiSpec, rng: Rng, scratch: Buffer, count: FuzzCount): void {
  const samples = validSamples(api);
  const versions = api.latestVersion - api.minVersion + 1;
  for (let i = 0; i < PER_API; i++) {
    const vi = i % versions;
    const version = api.minVersion + vi;
    let input: Buffer;
    if ((i & 1) === 0) {
      const n = rng.below(80);
      for (let k = 0; k < n; k++) scratch[k] = rng.next() & 0xff;
      input = scratch.subarray(0, n);
    } else {
      const pool = samples[vi]!;
      input = mutate(rng, pool[rng.below(pool.length)]!, scratch);
    }
    try {
      api.request.decode(new Reader(input), version);
      count.decodedOk++;
    } catch (err) {
      if (!(err instanceof DecodeError)) assert.fail(`${api.name} v${version}: ${String(err)} for input ${input.toString('hex')}`);
    }
    count.total++;
  }
}

test('fuzzed request bodies decode or fail with a DecodeError, for every API', { timeout: 240_000 }, () => {
  const rng = new Rng(SEED);
  const scratch = Buffer.alloc(4096);
  const count: FuzzCount = { total: 0, decodedOk: 0 };
  const started = process.hrtime.bigint();
  // Millions of expected DecodeErrors: skip capturing their stack traces (most of their cost).
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const api of allApis) fuzzApi(api, rng, scratch, count);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(
    `fuzz: ${count.total} inputs over ${allApis.length} APIs (${PER_API} each), ${count.decodedOk} decoded, ` +
      `${count.total - count.decodedOk} DecodeErrors, ${seconds.toFixed(1)} s, seed ${SEED}`,
  );
  assert.equal(count.total, PER_API * allApis.length);
});

test('fuzzed whole requests (header + body) fail only with typed errors', () => {
  const rng = new Rng(SEED ^ 0xabcdef);
  const scratch = Buffer.alloc(256);
  const keys = allApis.map((a) => a.apiKey);
  const counts = { ok: 0, decode: 0, unknownApi: 0, unsupported: 0 };
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (let i = 0; i < 50_000; i++) {
      const n = 4 + rng.below(120);
      for (let k = 0; k < n; k++) scratch[k] = rng.next() & 0xff;
      // Mostly known API keys with plausible versions, so the body decoders are reached.
      if (rng.below(8) !== 0) {
        scratch.writeInt16BE(keys[rng.below(keys.length)]!, 0);
        scratch.writeInt16BE(rng.below(20), 2);
        scratch.writeInt16BE(rng.below(4) === 0 ? -1 : rng.below(12), 8);
      }
      try {
        decodeRequest(scratch.subarray(0, n), { allowUnstable: true });
        counts.ok++;
      } catch (err) {
        if (err instanceof UnknownApiKeyError) counts.unknownApi++;
        else if (err instanceof UnsupportedVersionError) counts.unsupported++;
        else if (err instanceof DecodeError) counts.decode++;
        else assert.fail(`${String(err)} for ${scratch.subarray(0, n).toString('hex')}`);
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  console.log(`fuzz (whole requests): ${JSON.stringify(counts)}`);
  assert.ok(counts.decode > 0 && counts.unknownApi > 0 && counts.unsupported > 0);
});

test('fuzzed response bodies (a hostile or broken broker) decode or fail with a DecodeError', () => {
  const rng = new Rng(SEED ^ 0x1234567);
  const scratch = Buffer.alloc(256);
  let total = 0;
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    for (const api of allApis) {
      for (let i = 0; i < 5_000; i++) {
        const version = api.minVersion + (i % (api.latestVersion - api.minVersion + 1));
        const n = rng.below(120);
        for (let k = 0; k < n; k++) scratch[k] = rng.next() & 0xff;
        try {
          api.response.decode(new Reader(scratch.subarray(0, n)), version);
        } catch (err) {
          if (!(err instanceof DecodeError)) assert.fail(`${api.name} v${version} response: ${String(err)}`);
        }
        total++;
      }
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
  console.log(`fuzz (responses): ${total} inputs`);
  assert.equal(total, 5_000 * allApis.length);
});
