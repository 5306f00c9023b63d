/**
 * The handler table: API key -> handler, built from the list in ./index.ts. ApiVersions is
 * derived from it (only what is implemented is advertised), clamped to what the generated
 * codecs handle (the specs' stable versions) and to Kafka 4.0's baseline (KIP-896: Produce >= 3,
 * Fetch >= 4, i.e. RecordBatch v2 only).

 */
import { generatedApis, type GeneratedApi } from '../../protocol/generated/api-table.js';
import type { ApiVersionsResponseApiVersion } from '../../protocol/generated/api-versions.js';
import { assert } from '../../util/assert.js';
import type { ApiHandler } from './handler.js';

export type HandlerTable = ReadonlyMap<number, ApiHandler>;

const byKey = new Map<number, GeneratedApi>(generatedApis.map((a) => [a.apiKey, a]));

/** Kafka 4.0's lowest versions where they differ from the specs' lowest (KIP-896). */
export const baselineMinVersion: Readonly<Record<number, number>> = { 0: 3, 1: 4 };

export function apiInfo(apiKey: number): GeneratedApi | undefined {
  return byKey.get(apiKey);
}

/** Builds the table; each handler's range is clamped to the codecs and the baseline. */
export function buildHandlerTable(handlers: readonly ApiHandler[]): HandlerTable {
  const table = new Map<number, ApiHandler>();
  for (const h of handlers) {
    const api = byKey.get(h.apiKey);
    assert(api !== undefined, `no generated codec for API key ${h.apiKey}`);
    assert(!table.has(h.apiKey), `two handlers for API key ${h.apiKey}`);
    const minVersion = Math.max(h.minVersion, api.minVersion, baselineMinVersion[h.apiKey] ?? 0);
    const maxVersion = Math.min(h.maxVersion, api.maxVersion);
    assert(minVersion <= maxVersion, `handler for ${api.name} has no usable version (${minVersion}-${maxVersion})`);
    table.set(h.apiKey, { ...h, handle: h.handle.bind(h), errorResponse: h.errorResponse?.bind(h), minVersion, maxVersion });
  }
  return table;
}

/** ApiVersions' list: every implemented API, by key. */
export function apiVersionsFor(table: HandlerTable): ApiVersionsResponseApiVersion[] {
  return [...table.values()]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }));
}
