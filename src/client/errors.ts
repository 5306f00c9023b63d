/**
 * The client's operating errors (connection lost, timeouts, a full buffer). Protocol outcomes
 * arrive as `KafkaError` with the broker's code; these are the failures on our side of the wire.
 */
import { GregorError } from '../util/errors.js';

export { KafkaError } from '../protocol/errors.js';

export type ClientErrorCode =
  | 'GREGOR_ERR_CONNECTION'
  | 'GREGOR_ERR_REQUEST_TIMEOUT'
  | 'GREGOR_ERR_BUFFER_EXHAUSTED'
  | 'GREGOR_ERR_CLOSED'
  | 'GREGOR_ERR_ABORTED'
  | 'GREGOR_ERR_UNSUPPORTED_API'
  | 'GREGOR_ERR_INVALID_CONFIG'
  | 'GREGOR_ERR_NO_OFFSET';

export class ClientError extends GregorError {
  /** True when retrying the operation may succeed (Kafka's RetriableException). */
  readonly retriable: boolean;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; retriable?: boolean }) {
    super(code, message, options);
    this.retriable = options?.retriable ?? false;
  }
}

/** Raises the signal's reason as a ClientError when it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw new ClientError('GREGOR_ERR_ABORTED', 'operation aborted', { cause: signal.reason });
}

/** Resolves after `ms`, or rejects early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(new ClientError('GREGOR_ERR_ABORTED', 'operation aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new ClientError('GREGOR_ERR_ABORTED', 'operation aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
