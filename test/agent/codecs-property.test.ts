/**
 * Property tests (fast-check) for what the agent decodes from disk and from users: the file
 * channel's log records round-trip and never throw on arbitrary bytes (a torn or corrupt file is
 * "not a record", never a crash); the properties parser accepts any text; the position file
 * reader rejects junk without crashing the source.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeEntry, decodeRecord, encodePut, encodeTake } from '../../src/agent/channels/file/log-record.js';
import { parseProperties, propertiesMap } from '../../src/agent/config/properties.js';
import { readPositionFile } from '../../src/agent/sources/taildir/position-file.js';
import { tempDir } from '../helpers/paths.js';

const event = fc.record({
  headers: fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 4 }),
  body: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});

test('put and take records round-trip; every entry decodes from its location', () => {
  fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 20 }), fc.bigInt({ min: 1n, max: 2n ** 62n }), (events, firstId) => {
    const entries = events.map((e, i) => ({ id: firstId + BigInt(i), event: e }));
    const { record, locations } = encodePut(entries);
    const d = decodeRecord(record, 0);
    assert.ok(d !== null && d.next === record.length && d.record.type === 'put');
    assert.deepEqual(d.record.entries, locations);
    for (let i = 0; i < entries.length; i++) {
      const l = locations[i]!;
      const back = decodeEntry(record.subarray(l.position, l.position + l.length));
      assert.equal(back.id, entries[i]!.id);
      assert.deepEqual(back.event.headers, { ...entries[i]!.event.headers });
      assert.ok(back.event.body.equals(entries[i]!.event.body));
    }
    const take = encodeTake(entries.map((e) => e.id));
    assert.deepEqual(decodeRecord(take, 0)?.record, { type: 'take', ids: entries.map((e) => e.id) });
  }), { numRuns: 200 });
});

test('a header named __proto__ is a header like any other (found by the property test above)', () => {
  const headers = Object.fromEntries([['__proto__', 'x'], ['constructor', 'y']]) as Record<string, string>;
  const { record, locations } = encodePut([{ id: 7n, event: { headers, body: Buffer.from('b') } }]);
  const l = locations[0]!;
  const back = decodeEntry(record.subarray(l.position, l.position + l.length));
  assert.deepEqual(Object.entries(back.event.headers), [['__proto__', 'x'], ['constructor', 'y']]);
  assert.equal(Object.getPrototypeOf(back.event.headers), Object.prototype);
});

test('arbitrary and corrupted bytes are never a crash: a record or null', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), (bytes, at) => {
    const d = decodeRecord(Buffer.from(bytes), bytes.length === 0 ? 0 : at % bytes.length);
    assert.ok(d === null || d.next <= bytes.length);
  }), { numRuns: 500 });
  fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (events, at, flip) => {
    const { record } = encodePut(events.map((e, i) => ({ id: BigInt(i + 1), event: e })));
    const bad = Buffer.from(record);
    bad[at % bad.length]! ^= flip;
    assert.equal(decodeRecord(bad, 0), null, 'a flipped byte fails the length check or the CRC');
    assert.equal(decodeRecord(record.subarray(0, at % record.length), 0), null, 'a torn record is not a record');
  }), { numRuns: 300 });
});

test('the properties parser takes any text; simple key=value lines read back', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => {
    parseProperties(text);
  }), { numRuns: 500 });
  const key = fc.stringMatching(/^[a-z][a-z0-9._-]{0,15}$/);
  const value = fc.stringMatching(/^[A-Za-z0-9/._-]([A-Za-z0-9/._ -]{0,18}[A-Za-z0-9/._-])?$/);
  fc.assert(fc.property(fc.dictionary(key, value, { maxKeys: 10 }), (d) => {
    const text = Object.entries(d).map(([k, v]) => `${k} = ${v}`).join('\n');
    assert.deepEqual(Object.fromEntries(propertiesMap(text)), { ...d });
  }), { numRuns: 200 });
});

test('a position file with arbitrary content yields valid entries or an error, never a bad position', () => {
  const tmp = tempDir();
  try {
    const path = join(tmp.path, 'pos.json');
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.json()), (text) => {
      writeFileSync(path, text);
      try {
        for (const p of readPositionFile(path)) assert.ok(p.pos >= 0 && Number.isSafeInteger(p.pos) && typeof p.file === 'string' && p.inode >= 0n);
      } catch (err) {
        assert.ok(err instanceof Error);
      }
    }), { numRuns: 300 });
  } finally {
    tmp.cleanup();
  }
});
