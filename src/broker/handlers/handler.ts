/**
 * The shape every API handler has (Redpanda's handler pattern): one file per API declaring its
 * API key and version range, collected into one table (./table.ts) from which ApiVersions is
 * derived. A handler receives a decoded request and returns a response; framing, headers,
 * version checks and response ordering are the network layer's job.
 *
 * Recipe for a handler body: validate -> authorize (nothing yet) -> domain service -> response.
 * Per-partition failures are error codes in the response, not exceptions. A `KafkaError`
 * thrown out of a handler becomes a whole-request error response when the handler provides
 * `errorResponse`; anything else is a bug: logged, and the connection is closed (as Kafka
 * does when it cannot build a response).
 */
import type { BrokerServices } from '../broker-services.js';

export interface RequestContext {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** `ip:port` of the client. */
  readonly clientAddress: string;
  readonly listenerName: string;
  readonly broker: BrokerServices;
  /** Closes the connection after the current response (Kafka does this for acks=0 produce errors). */
  closeConnection(reason: string): void;
  /**
   * Calls `fn` once if the connection closes before the response is written (a long poll then
   * leaves the purgatory at once instead of at max.wait.ms). Returns the unsubscribe.
   */
  onConnectionClose(fn: () => void): () => void;
}

/**
 * A response that arrives later (acks=all produce, long-poll fetch). The connection moves on
 * to the next request at once; responses still leave in request order.
 */
export class Deferred<Res> {
  constructor(readonly promise: Promise<Res | null>) {}
}

/** `null` = no response (acks=0 produce). */
export type HandlerResult<Res> = Res | null | Deferred<Res>;

export interface ApiHandler<Req = any, Res = any> {
  readonly apiKey: number;
  /** Versions implemented (within the protocol layer's and Kafka 4.0's baseline). */
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(ctx: RequestContext, request: Req): HandlerResult<Res> | Promise<HandlerResult<Res>>;
  /** The response for a whole-request failure with `errorCode` (Kafka's getErrorResponse). */
  errorResponse?(request: Req, errorCode: number, ctx: RequestContext): Res;
}

/** Defines a handler with its types checked against the generated messages. */
export function defineHandler<Req, Res>(h: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return h;
}
