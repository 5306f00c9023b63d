/**
 * A ZooKeeper operation that failed with a KeeperException.Code. `code` is stable
 * (`ZK_<NAME>`, e.g. ZK_NONODE), `errorCode` is the wire value (-101), `errorName` the name
 * ZooKeeper uses. Used by the server to abort a request with a code and by the client to
 * surface an error reply.
 */
import { GregorError } from '../util/errors.js';
import { ZkErrorCode } from './generated/constants.js';

export type ZkErrorName = keyof typeof ZkErrorCode;

const nameByCode = new Map<number, string>(Object.entries(ZkErrorCode).map(([name, code]) => [code, name]));

/** ZooKeeper's name for a code; unknown codes get `UNKNOWN_<code>`. */
export function zkErrorName(code: number): string {
  return nameByCode.get(code) ?? `UNKNOWN_${code}`;
}

export class KeeperError extends GregorError {
  readonly errorCode: number;
  readonly errorName: string;
  /** The znode path the failure concerns, when there is one. */
  readonly path: string | undefined;

  constructor(errorCode: number, path?: string, options?: { cause?: unknown; detail?: string }) {
    const name = zkErrorName(errorCode);
    const where = path !== undefined ? ` for ${path}` : '';
    const detail = options?.detail !== undefined ? `: ${options.detail}` : '';
    super(`ZK_${name}`, `KeeperErrorCode = ${name}${where}${detail}`, options);
    this.errorCode = errorCode;
    this.errorName = name;
    this.path = path;
  }
}
