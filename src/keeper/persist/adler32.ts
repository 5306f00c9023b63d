/** Adler-32 (java.util.zip.Adler32), the checksum ZooKeeper puts on txn entries and snapshots. */
const MOD = 65521;
/** Bytes that can be summed before the 32-bit accumulators must be reduced (zlib's NMAX). */
const NMAX = 5552;

export class Adler32 {
  private a = 1;
  private b = 0;

  update(buf: Uint8Array, start = 0, end = buf.length): this {
    let a = this.a;
    let b = this.b;
    let i = start;
    while (i < end) {
      const stop = Math.min(end, i + NMAX);
      for (; i < stop; i++) {
        a += buf[i]!;
        b += a;
      }
      a %= MOD;
      b %= MOD;
    }
    this.a = a;
    this.b = b;
    return this;
  }

  /** The checksum as ZooKeeper writes it: an unsigned 32-bit value in an int64. */
  value(): bigint {
    return BigInt(((this.b << 16) | this.a) >>> 0);
  }
}

export function adler32(buf: Uint8Array, start = 0, end = buf.length): bigint {
  return new Adler32().update(buf, start, end).value();
}
