/**
 * A third-party ZooKeeper client (kazoo, Debian's python3) reads the tree a broker writes to a
 * real ZooKeeper 3.8: the paths and JSON are what Kafka tooling expects.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { pythonModule, systemPython } from '../../helpers/interop.js';
import { realZooKeeper, startRealZooKeeper } from '../../helpers/real-zookeeper.js';
import { startMetadataService } from '../../../src/broker/metadata/start-metadata-service.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { quietLogger } from './metadata-service.shared.js';

const kazoo = pythonModule('kazoo');
const zk = realZooKeeper();

const script = `
import json, sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1]); zk.start(timeout=15)
out = {}
out['ids'] = sorted(zk.get_children('/brokers/ids'))
out['controller'] = json.loads(zk.get('/controller')[0])
out['epoch'] = zk.get('/controller_epoch')[0].decode()
out['topic'] = json.loads(zk.get('/brokers/topics/kz')[0])
out['state'] = json.loads(zk.get('/brokers/topics/kz/partitions/0/state')[0])
out['config'] = json.loads(zk.get('/config/topics/kz')[0])
out['ephemeral'] = zk.exists('/brokers/ids/5').ephemeralOwner != 0
zk.stop()
print(json.dumps(out))
`;

function runPython(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(systemPython, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('kazoo reads the broker, controller, topic, state and config znodes from a real ZooKeeper', { skip: kazoo.skip || zk.skip }, async () => {
  const server = await startRealZooKeeper();
  try {
    const service = await startMetadataService({ keeperConnect: server.connectString, brokerId: 5, host: '127.0.0.1', port: 9555, logger: quietLogger, sessionTimeoutMs: 6000 });
    try {
      const [r] = await service.createTopics([{ name: 'kz', numPartitions: 2, replicationFactor: 1, configs: { 'cleanup.policy': 'compact' } }], { timeoutMs: 10_000 });
      assert.equal(r!.errorCode, ErrorCode.NONE, r!.errorMessage ?? '');
      const res = await runPython([server.connectString]);
      assert.equal(res.code, 0, res.stderr);
      const out = JSON.parse(res.stdout) as Record<string, Record<string, unknown> | string[] | string | boolean>;
      assert.deepEqual(out.ids, ['5']);
      assert.equal((out.controller as Record<string, unknown>).brokerid, 5);
      assert.match(out.epoch as string, /^\d+$/);
      assert.deepEqual((out.topic as Record<string, unknown>).partitions, { 0: [5], 1: [5] });
      assert.deepEqual(out.state, { controller_epoch: Number(out.epoch), leader: 5, version: 1, leader_epoch: 0, isr: [5] });
      assert.deepEqual(out.config, { version: 1, config: { 'cleanup.policy': 'compact' } });
      assert.equal(out.ephemeral, true);
    } finally {
      await service.close();
    }
  } finally {
    await server.stop();
  }
});
