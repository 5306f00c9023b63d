/**
 * Third-party tools for interop tests. When a Debian tool is missing the test skips with a
 * visible message; under GREGOR_REQUIRE_INTEROP=1 (set by .ci/run) it fails instead.
 *
 *   const kcat = interopTool('kcat', ['kcat', '-V']);
 *   test('kcat reads', { skip: kcat.skip }, async () => { ... });
 */
import { spawnSync } from 'node:child_process';

export const requireInterop: boolean = process.env.GREGOR_REQUIRE_INTEROP === '1';

/** Debian's python, which has kafka-python / confluent_kafka / kazoo (the default python3 may not). */
export const systemPython = '/usr/bin/python3';

export interface InteropTool {
  available: boolean;
  /** false when available; a message (which node:test prints) when skipped. */
  skip: false | string;
}

/** Checks a tool by running `probe` (argv); available when it exits 0. */
export function interopTool(name: string, probe: string[]): InteropTool {
  const r = spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore', timeout: 20_000 });
  const available = r.status === 0;
  if (available) return { available, skip: false };
  const message = `${name} is not installed (probe: ${probe.join(' ')}); apt-get install it or run bash .ci/run`;
  if (requireInterop) throw new Error(`GREGOR_REQUIRE_INTEROP=1 but ${message}`);
  console.log(`# SKIP interop: ${message}`);
  return { available, skip: message };
}

/** A Python module importable by /usr/bin/python3. */
export function pythonModule(module: string): InteropTool {
  return interopTool(`python3-${module}`, [systemPython, '-c', `import ${module}`]);
}
