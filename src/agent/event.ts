/** Flume's Event: string headers and an opaque body. */
export interface AgentEvent {
  headers: Record<string, string>;
  body: Buffer;
}

export function makeEvent(body: Buffer, headers: Record<string, string> = {}): AgentEvent {
  return { headers, body };
}

/** Bytes an event takes in a channel's byte accounting (body only, as Flume's MemoryChannel). */
export function eventBodyBytes(e: AgentEvent): number {
  return e.body.length;
}
