/** Bounded waits for a condition (never a fixed sleep: a loaded CI box only makes them slower). */
import assert from 'node:assert/strict';

/** Checks `condition` every 50 ms; fails the test naming `what` if it does not hold within `timeoutMs`. */
export async function waitFor(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, `not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
