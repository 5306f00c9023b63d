/**
 * SessionTracker (standalone): session ids, passwords, negotiated timeouts and expiry in tick
 * buckets (ZooKeeper's ExpiryQueue). Pure: the caller passes the time in.
 *
 * A session expires at roundToNextInterval(lastTouch + timeout), where intervals are tickTime
 * long, so the whole bucket expires at once on a tick. Ids: (startTimeMs << 24) >>> 8 with the
 * server id in the top byte (SessionTrackerImpl.initializeNextSessionId), then incremented.
 * Passwords: 16 bytes from java.util.Random seeded with sessionId ^ 0xB3415C00, as ZooKeeper
 * derives them, so the server can check them without storing them.
 */
export interface Session {
  readonly sessionId: bigint;
  timeoutMs: number;
  expireAtMs: number;
  closing: boolean;
}

const SUPER_SECRET = 0xb3415c00n;
const MASK48 = (1n << 48n) - 1n;

/** java.util.Random(seed).nextBytes(n). */
export function javaRandomBytes(seed: bigint, n: number): Buffer {
  let s = (seed ^ 0x5deece66dn) & MASK48;
  const out = Buffer.alloc(n);
  let i = 0;
  while (i < n) {
    s = (s * 0x5deece66dn + 0xbn) & MASK48;
    let rnd = Number(BigInt.asIntN(32, s >> 16n));
    for (let k = Math.min(n - i, 4); k > 0; k--) {
      out[i++] = rnd & 0xff;
      rnd >>= 8;
    }
  }
  return out;
}

export function sessionPassword(sessionId: bigint): Buffer {
  return javaRandomBytes(BigInt.asIntN(64, sessionId ^ SUPER_SECRET), 16);
}

export function initialSessionId(serverId: number, nowMs: number): bigint {
  const shifted = BigInt.asUintN(64, BigInt(nowMs) << 24n) >> 8n;
  let id = BigInt.asIntN(64, shifted | (BigInt(serverId) << 56n));
  if (id === -0x8000000000000000n) id++;
  return id;
}

export class SessionTracker {
  readonly sessions = new Map<bigint, Session>();
  private readonly buckets = new Map<number, Set<bigint>>();
  private nextExpirationMs: number;
  private nextSessionId: bigint;

  constructor(
    private readonly tickTimeMs: number,
    nowMs: number,
    serverId = 0,
  ) {
    this.nextExpirationMs = this.roundToNextInterval(nowMs);
    this.nextSessionId = initialSessionId(serverId, nowMs);
  }

  private roundToNextInterval(timeMs: number): number {
    return (Math.floor(timeMs / this.tickTimeMs) + 1) * this.tickTimeMs;
  }

  /** A fresh id (the createSession txn then makes the session exist via `addSession`). */
  nextId(): bigint {
    return this.nextSessionId++;
  }

  addSession(sessionId: bigint, timeoutMs: number, nowMs: number): Session {
    let s = this.sessions.get(sessionId);
    if (s === undefined) {
      s = { sessionId, timeoutMs, expireAtMs: 0, closing: false };
      this.sessions.set(sessionId, s);
    }
    s.timeoutMs = timeoutMs;
    this.touch(sessionId, nowMs);
    if (sessionId >= this.nextSessionId) this.nextSessionId = sessionId + 1n;
    return s;
  }

  /** Returns false when the session is unknown or closing (touchSession). */
  touch(sessionId: bigint, nowMs: number): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.closing) return false;
    const expireAt = this.roundToNextInterval(nowMs + s.timeoutMs);
    if (expireAt === s.expireAtMs) return true;
    this.buckets.get(s.expireAtMs)?.delete(sessionId);
    s.expireAtMs = expireAt;
    let bucket = this.buckets.get(expireAt);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(expireAt, bucket);
    }
    bucket.add(sessionId);
    return true;
  }

  setClosing(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s !== undefined) s.closing = true;
  }

  removeSession(sessionId: bigint): void {
    const s = this.sessions.get(sessionId);
    if (s === undefined) return;
    this.buckets.get(s.expireAtMs)?.delete(sessionId);
    this.sessions.delete(sessionId);
  }

  /** Sessions whose bucket has passed by `nowMs`; they are marked closing. */
  expire(nowMs: number): bigint[] {
    const out: bigint[] = [];
    while (nowMs >= this.nextExpirationMs) {
      const bucket = this.buckets.get(this.nextExpirationMs);
      this.buckets.delete(this.nextExpirationMs);
      for (const id of bucket ?? []) {
        const s = this.sessions.get(id);
        if (s !== undefined && !s.closing) {
          s.closing = true;
          out.push(id);
        }
      }
      this.nextExpirationMs += this.tickTimeMs;
    }
    return out;
  }
}
