/** Flume's Event: string headers and an opaque body. */
export interface AgentEvent {
  headers: Record<string, string>;
  body: Buffer;
}

/** Bytes an event takes in a channel's byte accounting (body only, as Flume's MemoryChannel). */
export function eventBodyBytes(e: AgentEvent): number {
  return e.body.length;
}

/**
 * Sets a header as an own property whatever its name: `headers[k] = v` with k = "__proto__"
 * would change the object's prototype instead, and the header would be lost.
 */
export function setHeader(headers: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
}

export function hasHeader(headers: Record<string, string>, key: string): boolean {
  return Object.hasOwn(headers, key);
}

/** A header's value, or undefined (own properties only: "constructor" is not a header). */
export function headerOf(headers: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(headers, key) ? headers[key] : undefined;
}
