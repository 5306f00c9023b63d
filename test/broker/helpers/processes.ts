/** `gregor` CLI processes that keep running (keepers, brokers), for the multi-process broker tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { cliPath } from '../../helpers/paths.js';

export interface StartedProcess {
  readonly child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string;
}

/**
 * Spawns `gregor <args>`, adds it to `children` (the caller kills those left in `after`), and
 * resolves once `ready` appears in its stdout; rejects when it exits first or after 30 s.
 */
export function startCliProcess(args: string[], ready: string, env: Record<string, string>, children: ChildProcess[]): Promise<StartedProcess> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args[0]} did not start within 30 s: ${out}`)), 30_000);
    const check = (): void => {
      if (!out.includes(ready)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({ child, output: () => out });
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited ${code}: ${out}`));
    });
  });
}
