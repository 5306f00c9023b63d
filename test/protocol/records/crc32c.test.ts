import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { crc32c, crc32cFallback, crc32cNative } from '../../../src/util/crc32c.js';

test('CRC32C known vectors (RFC 3720 / iSCSI)', () => {
  const vectors: [Buffer, number][] = [
    [Buffer.from('123456789'), 0xe3069283],
    [Buffer.alloc(0), 0],
    [Buffer.alloc(32, 0), 0x8a9136aa],
    [Buffer.alloc(32, 0xff), 0x62a8ab43],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
    [Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
  ];
  for (const [input, expected] of vectors) {
    assert.equal(crc32cFallback(input), expected, `fallback ${input.toString('hex')}`);
    assert.equal(crc32c(input), expected, `crc32c ${input.toString('hex')}`);
    if (crc32cNative !== null) assert.equal(crc32cNative(input), expected);
  }
});

test('native CRC32C loads on this platform', { skip: process.env.GREGOR_CRC32C_FALLBACK === '1' ? 'fallback forced by GREGOR_CRC32C_FALLBACK=1' : false }, () => {
  assert.notEqual(crc32cNative, null);
});

test('fallback equals native on random inputs, and both continue from an initial value', () => {
  const native = crc32cNative;
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(2000), (bytes, cutAt) => {
      const buf = Buffer.from(bytes);
      const cut = Math.min(cutAt, buf.length);
      const whole = crc32cFallback(buf);
      assert.equal(crc32cFallback(buf.subarray(cut), crc32cFallback(buf.subarray(0, cut))), whole);
      if (native !== null) {
        assert.equal(native(buf), whole);
        assert.equal(native(buf.subarray(cut), native(buf.subarray(0, cut))), whole);
      }
      assert.ok(whole >= 0 && whole <= 0xffffffff);
    }),
    { numRuns: 500 },
  );
});

test('GREGOR_CRC32C_FALLBACK=1 selects the TypeScript implementation, with the same results', () => {
  const moduleUrl = new URL('../../../src/util/crc32c.js', import.meta.url).href;
  const code = `const m = await import(${JSON.stringify(moduleUrl)});
    process.stdout.write(JSON.stringify([m.crc32cIsNative, m.crc32c(Buffer.from('123456789'))]));`;
  const r = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', code], {
    env: { ...process.env, GREGOR_CRC32C_FALLBACK: '1' },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [false, 0xe3069283]);
});
