/**
 * Test helpers for broker tests: an embedded cluster (keeper + brokers in this process, quiet
 * logs, ephemeral ports) and an async child-process runner (never spawnSync: the broker runs
 * in this process's event loop and must keep serving while a client runs).
 */
import { spawn } from 'node:child_process';
import { startCluster, type ClusterOptions, type EmbeddedCluster } from '../../../src/broker/embedded-cluster.js';
import { createLogger } from '../../../src/util/logger.js';

export async function testCluster(options: ClusterOptions = {}): Promise<EmbeddedCluster> {
  const cluster = await startCluster({ logger: createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' }), ...options });
  console.log(`# embedded cluster (${options.brokers ?? 1} broker(s)) started in ${cluster.startupMs.toFixed(1)} ms`);
  return cluster;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runProcess(cmd: string, args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/** Runs a Python script with Debian's python3 (which has kafka-python / confluent_kafka). */
export function runPython(script: string, args: readonly string[] = [], timeoutMs = 120_000): Promise<ProcessResult> {
  return runProcess('/usr/bin/python3', ['-c', script, ...args], { timeoutMs });
}
