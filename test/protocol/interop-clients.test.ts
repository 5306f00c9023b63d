/**
 * Real clients against the generated codecs: kcat (librdkafka), kafka-python and KafkaJS ask a
 * tiny server (metadata-server.ts) for metadata. The server decodes their ApiVersions and
 * Metadata requests with Gregor's codecs; the clients decode Gregor's responses and print the
 * broker and topic — so both directions of the codecs are checked by third-party code.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { interopTool, pythonModule, systemPython } from '../helpers/interop.js';
import { startMetadataServer } from './metadata-server.js';

const kcat = interopTool('kcat', ['kcat', '-V']);
const kafkaPython = pythonModule('kafka');

function run(argv: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('kcat -L: librdkafka decodes our ApiVersions and Metadata responses', { skip: kcat.skip, timeout: 60_000 }, async () => {
  const server = await startMetadataServer();
  try {
    const out = await run(['kcat', '-L', '-b', `127.0.0.1:${server.port}`, '-t', 'orders', '-m', '10'], 30_000);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /1 brokers:\s+broker 1 at 127\.0\.0\.1:\d+/);
    assert.match(out.stdout, /topic "orders" with 1 partitions:\s+partition 0, leader 1, replicas: 1, isrs: 1/);
    const apis = server.seen.map((s) => `${s.api} v${s.version}`);
    console.log(`kcat sent: ${apis.join(', ')}`);
    // librdkafka 2.x sends ApiVersions v3 (flexible: request header v2, compact strings).
    assert.ok(apis.includes('ApiVersions v3') || apis.includes('ApiVersions v4'), apis.join(', '));
    assert.ok(server.seen.some((s) => s.api === 'Metadata'), apis.join(', '));
    assert.ok(!server.seen.some((s) => s.api === 'error'), JSON.stringify(server.seen));
  } finally {
    await server.close();
  }
});

test('kcat falls back when ApiVersions v3 is refused with a v0 UNSUPPORTED_VERSION reply (KIP-511)', { skip: kcat.skip, timeout: 60_000 }, async () => {
  const server = await startMetadataServer({ apiVersionsMax: 0 });
  try {
    const out = await run(['kcat', '-L', '-b', `127.0.0.1:${server.port}`, '-t', 'orders', '-m', '10'], 30_000);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /topic "orders" with 1 partitions/);
    const apis = server.seen.map((s) => `${s.api} v${s.version}`);
    console.log(`kcat with ApiVersions capped at v0 sent: ${apis.join(', ')}`);
    assert.ok(apis.includes('ApiVersions(refused) v3'), apis.join(', '));
    assert.ok(apis.includes('ApiVersions v0'), apis.join(', '));
  } finally {
    await server.close();
  }
});

test('kafka-python: ApiVersions and Metadata round trip', { skip: kafkaPython.skip, timeout: 60_000 }, async () => {
  const server = await startMetadataServer();
  const script = [
    'from kafka import KafkaConsumer',
    `c = KafkaConsumer(bootstrap_servers='127.0.0.1:${server.port}', client_id='py-codec', request_timeout_ms=15000, api_version_auto_timeout_ms=10000)`,
    'print(sorted(c.topics()))',
    "print(sorted(c.partitions_for_topic('gregor-default')))",
    'c.close()',
  ].join('\n');
  try {
    const out = await run([systemPython, '-c', script], 45_000);
    assert.equal(out.code, 0, out.stderr);
    console.log(`kafka-python sent: ${server.seen.map((s) => `${s.api} v${s.version}`).join(', ')}`);
    assert.match(out.stdout, /\['gregor-default'\]\n\[0\]/);
    assert.ok(server.seen.some((s) => s.api === 'ApiVersions' && s.clientId === 'py-codec'));
    assert.ok(server.seen.some((s) => s.api === 'Metadata'));
    assert.ok(!server.seen.some((s) => s.api === 'error'), JSON.stringify(server.seen));
  } finally {
    await server.close();
  }
});

test('KafkaJS admin fetchTopicMetadata through our codecs', { timeout: 60_000 }, async () => {
  const server = await startMetadataServer();
  const kafka = new Kafka({ clientId: 'kafkajs-codec', brokers: [`127.0.0.1:${server.port}`], logLevel: logLevel.NOTHING, retry: { retries: 1 } });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const md = await admin.fetchTopicMetadata({ topics: ['clicks'] });
    assert.equal(md.topics[0]!.name, 'clicks');
    assert.equal(md.topics[0]!.partitions[0]!.leader, 1);
    assert.ok(server.seen.some((s) => s.api === 'ApiVersions' && s.clientId === 'kafkajs-codec'));
  } finally {
    await admin.disconnect();
    await server.close();
  }
});
