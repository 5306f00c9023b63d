/**
 * Assertions guard invariants (TigerBeetle style): a failure is a bug, crashes loudly and is
 * never caught to continue. Protocol outcomes and operating errors use typed errors instead.
 */
export class AssertionFailure extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = 'AssertionFailure';
  }
}

export function assert(condition: unknown, message = 'invariant violated'): asserts condition {
  if (!condition) throw new AssertionFailure(message);
}

export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionFailure(`${message}: ${String(value)}`);
}
