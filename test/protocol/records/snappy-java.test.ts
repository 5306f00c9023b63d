/**
 * Snappy against Java's snappy-java (Debian's jar; the library Kafka itself uses): Java's
 * SnappyInputStream reads Gregor's xerial stream, and Gregor reads what Java's
 * SnappyOutputStream writes, with the same header and 32 KiB chunking.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { interopTool } from '../../helpers/interop.js';
import { repoRoot } from '../../helpers/paths.js';
import * as snappy from '../../../src/protocol/records/compression/snappy.js';

const JAR = '/usr/share/java/snappy-java.jar';
const java = interopTool('java with snappy-java', ['sh', '-c', `java -version && test -f ${JAR}`]);
const source = join(repoRoot, 'test', 'protocol', 'records', 'fixtures', 'XerialSnappy.java');

/** Uncompressed size of each xerial chunk. */
function chunkSizes(framed: Buffer): number[] {
  const sizes: number[] = [];
  for (let at = 16; at < framed.length; ) {
    const len = framed.readInt32BE(at);
    sizes.push(snappy.decompress(framed.subarray(at + 4, at + 4 + len), 1 << 20).length);
    at += 4 + len;
  }
  return sizes;
}

test('snappy-java reads Gregor\'s xerial stream and Gregor reads snappy-java\'s', { skip: java.skip }, () => {
  const data = Buffer.concat([Buffer.from('kafka record batch '.repeat(4000)), randomBytes(30_000)]);
  const ours = snappy.compress(data);
  const r = spawnSync('java', ['-cp', JAR, source], { input: ours, maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  assert.equal(r.status, 0, `java failed: ${r.stderr?.toString()}`);
  const theirs = r.stdout;
  // Java decoded ours correctly iff its re-compression of what it read decodes to our input.
  assert.deepEqual(snappy.decompress(theirs, 1 << 20), data);
  assert.deepEqual(theirs.subarray(0, 16), ours.subarray(0, 16), 'same xerial header');
  assert.deepEqual(chunkSizes(theirs), chunkSizes(ours), 'same 32 KiB chunking');
});
