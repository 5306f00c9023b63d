/**
 * Kafka protocol error codes (from errors.json, generated) and the typed error that carries
 * one. Per-partition failures travel as codes inside responses; `KafkaError` is for the places
 * where a whole operation fails with a Kafka code (a client receiving an error response, a
 * handler refusing a request) and must keep the code for whoever catches it.
 */
import { GregorError } from '../util/errors.js';
import { ErrorCode, errorTable, type ErrorTableEntry } from './generated/errors.js';

export { ErrorCode };
export type ErrorCodeName = keyof typeof ErrorCode;
export type ErrorCodeValue = (typeof ErrorCode)[ErrorCodeName];

export interface ErrorInfo {
  readonly code: number;
  readonly name: string;
  readonly message: string;
  /** The Java exception class name, e.g. NotLeaderOrFollowerException ('' for NONE). */
  readonly exception: string;
  readonly retriable: boolean;
}

const byCode = new Map<number, ErrorTableEntry>(errorTable.map((e) => [e.code, e]));

/** The table entry for `code`; an unknown code gets name `UNKNOWN_ERROR_<code>`, not retriable. */
export function errorInfo(code: number): ErrorInfo {
  const e = byCode.get(code);
  if (e !== undefined) return e;
  return { code, name: `UNKNOWN_ERROR_${code}`, message: `Unknown Kafka error code ${code}.`, exception: 'UnknownServerException', retriable: false };
}

/** True when `code` is a known Kafka error code. */
export function isKnownErrorCode(code: number): boolean {
  return byCode.has(code);
}

/**
 * An operation that failed with a Kafka error code. `code` is stable (`KAFKA_<NAME>`),
 * `errorCode` is the wire value, `retriable` is Kafka's classification (RetriableException).
 */
export class KafkaError extends GregorError {
  readonly errorCode: number;
  readonly errorName: string;
  readonly retriable: boolean;

  constructor(errorCode: number, detail?: string, options?: { cause?: unknown }) {
    const info = errorInfo(errorCode);
    const message = detail !== undefined && detail !== '' ? `${info.name}: ${detail}` : `${info.name}: ${info.message}`;
    super(`KAFKA_${info.name}`, message, options);
    this.errorCode = errorCode;
    this.errorName = info.name;
    this.retriable = info.retriable;
  }
}
