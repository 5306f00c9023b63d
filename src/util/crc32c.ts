/**
 * CRC32C (Castagnoli), the checksum of Kafka's RecordBatch v2 (it covers the bytes from
 * `attributes` to the end of the batch). The native implementation (@node-rs/crc32, SSE4.2 /
 * ARMv8 CRC instructions) is used when its prebuilt module loads; otherwise a pure TypeScript
 * slicing-by-8 implementation. Both return the unsigned 32-bit value, and `initial` continues
 * a previous checksum: crc32c(b, crc32c(a)) === crc32c(a ++ b).
 */
import { createRequire } from 'node:module';

/** Reflected Castagnoli polynomial (0x1EDC6F41 bit-reversed). */
const POLYNOMIAL = 0x82f63b78;

/** Eight 256-entry tables: TABLES[k][b] is the CRC of byte b followed by k zero bytes. */
const TABLES: Uint32Array = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    t[n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + n] = c >>> 0;
    }
  }
  return t;
}

/** Pure TypeScript CRC32C, slicing-by-8 (eight bytes per step, table lookups only). */
export function crc32cFallback(buf: Uint8Array, initial = 0): number {
  const t = TABLES;
  let crc = ~initial >>> 0;
  let i = 0;
  const n = buf.length;
  const end8 = n - (n % 8);
  while (i < end8) {
    const lo = (crc ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24))) >>> 0;
    crc =
      t[1792 + (lo & 0xff)]! ^
      t[1536 + ((lo >>> 8) & 0xff)]! ^
      t[1280 + ((lo >>> 16) & 0xff)]! ^
      t[1024 + (lo >>> 24)]! ^
      t[768 + buf[i + 4]!]! ^
      t[512 + buf[i + 5]!]! ^
      t[256 + buf[i + 6]!]! ^
      t[buf[i + 7]!]!;
    i += 8;
  }
  while (i < n) {
    crc = t[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
    i++;
  }
  return ~crc >>> 0;
}

type Crc32cFunction = (buf: Uint8Array, initial?: number) => number;

function loadNative(): Crc32cFunction | null {
  if (process.env.GREGOR_CRC32C_FALLBACK === '1') return null;
  try {
    const require = createRequire(import.meta.url);
    const mod = require('@node-rs/crc32') as { crc32c: (input: Uint8Array, initialState?: number | null) => number };
    const native: Crc32cFunction = (buf, initial = 0) => mod.crc32c(buf, initial) >>> 0;
    // A module that loads but computes something else would corrupt every batch: check a known vector.
    if (native(Buffer.from('123456789')) !== 0xe3069283) return null;
    return native;
  } catch {
    return null;
  }
}

/** The native implementation, or null when @node-rs/crc32 cannot load on this platform. */
export const crc32cNative: Crc32cFunction | null = loadNative();

/** True when `crc32c` runs natively. */
export const crc32cIsNative: boolean = crc32cNative !== null;

/** CRC32C of `buf` (unsigned 32-bit), continuing from `initial`. */
export const crc32c: Crc32cFunction = crc32cNative ?? crc32cFallback;
