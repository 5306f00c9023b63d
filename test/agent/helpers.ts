/** Shared helpers for the agent's tests: a config writer, reading a topic back, bounded waits. */
import type { Channel } from '../../src/agent/channels/channel.js';
import type { AgentEvent } from '../../src/agent/event.js';
import { Consumer } from '../../src/client/consumer/consumer.js';
import { propertiesMap } from '../../src/agent/config/properties.js';
import { Agent, type AgentOptions } from '../../src/agent/runtime/agent.js';
import { createLogger } from '../../src/util/logger.js';
import { freePort } from '../helpers/ports.js';
export { freePort };

export const quietLogger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });

/** Builds an agent from `key = value` lines (the agent name is the first key's prefix). */
export function agentFrom(lines: string[], name = 'a1', options: AgentOptions = {}): Agent {
  return Agent.fromProperties(propertiesMap(lines.join('\n')), name, { logger: quietLogger, ...options });
}

/** Polls until `check` is true or `timeoutMs` passes; returns the last check's result. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** Takes everything a channel holds now, in one committed transaction. */
export async function drain(c: Channel): Promise<AgentEvent[]> {
  const tx = c.transaction();
  const out: AgentEvent[] = [];
  for (let e = tx.take(); e !== null; e = tx.take()) out.push(e);
  await tx.commit();
  return out;
}

/** Drains a channel until `n` events have come or `timeoutMs` passes (then returns what it has). */
export async function collect(c: Channel, n: number, timeoutMs = 10000): Promise<AgentEvent[]> {
  const out: AgentEvent[] = [];
  await waitFor(async () => {
    out.push(...(await drain(c)));
    return out.length >= n;
  }, timeoutMs);
  return out;
}

export interface ReadRecord {
  value: string;
  key: string | null;
  partition: number;
  headers: Record<string, string>;
}

/**
 * Reads a topic's partitions from the beginning until `expected` records have arrived or
 * `timeoutMs` passes (then returns what it has: the assertion that follows shows the gap).
 */
export async function readTopic(
  bootstrapServers: string,
  topic: string,
  partitions: number,
  expected: number,
  timeoutMs = 20000,
  /** When given, read until it holds instead of until `expected` records (e.g. distinct values, when duplicates are allowed). */
  done?: (records: ReadRecord[]) => boolean,
): Promise<ReadRecord[]> {
  const consumer = new Consumer({ bootstrapServers, autoOffsetReset: 'earliest' });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: ReadRecord[] = [];
  try {
    const deadline = Date.now() + timeoutMs;
    const finished = done ?? ((r: ReadRecord[]) => r.length >= expected);
    while (!finished(out) && Date.now() < deadline) {
      for (const r of await consumer.poll({ timeoutMs: 300 })) {
        const headers: Record<string, string> = {};
        for (const h of r.headers) headers[h.key] = h.value?.toString() ?? '';
        out.push({ value: r.value?.toString() ?? '', key: r.key?.toString() ?? null, partition: r.partition, headers });
      }
    }
  } finally {
    await consumer.close();
  }
  return out;
}

/** GET /metrics from an agent's Flume JSON monitoring; null when it does not answer. */
export async function fetchMetrics(port: number): Promise<Record<string, Record<string, string>> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (res.status !== 200) return null;
    return (await res.json()) as Record<string, Record<string, string>>;
  } catch {
    return null;
  }
}

/**
 * Reads a topic with KafkaJS (a third-party client): a fresh consumer group from the
 * beginning, until `done(values)` holds or `timeoutMs` passes.
 */
export async function readTopicWithKafkaJS(bootstrapServers: string, topic: string, done: (values: string[]) => boolean, timeoutMs = 30000): Promise<string[]> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'agent-test', brokers: bootstrapServers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `agent-test-${process.pid}-${Date.now()}` });
  const values: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void values.push(message.value?.toString() ?? '') });
    await waitFor(() => done(values), timeoutMs, 100);
  } finally {
    await consumer.disconnect();
  }
  return values;
}
