/**
 * Controlled shutdown across processes: a `gregor keeper` and two `gregor broker` processes.
 * SIGTERM to the broker that is not the controller sends ControlledShutdown over the network;
 * the partition state moves before its registration goes (compared by zxid in the keeper), and
 * a broker whose controller is unreachable still stops, after its bounded attempts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeeperClientSession } from '../../src/broker/zk/keeper-client-session.js';
import { partitionStatePath } from '../../src/broker/zk/paths.js';
import { decodePartitionState } from '../../src/broker/zk/codecs.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { createMetadataRequest, type MetadataResponse } from '../../src/protocol/generated/metadata.js';
import { tempDir } from '../helpers/paths.js';
import { freePort } from '../helpers/real-zookeeper.js';
import { startCliProcess, type StartedProcess } from './helpers/processes.js';
import { RawClient } from './helpers/raw-client.js';

const dirs: { cleanup: () => void }[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) d.cleanup();
});

function exitOf(child: ChildProcess, signal: NodeJS.Signals, timeoutMs = 60_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no exit within ${timeoutMs} ms after ${signal}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

async function startKeeperAndBrokers(): Promise<{ keeperConnect: string; brokers: Map<number, StartedProcess & { bootstrap: string }> }> {
  const dir = tempDir('gregor-cs-procs-');
  dirs.push(dir);
  const keeperPort = await freePort();
  const zooCfg = join(dir.path, 'zoo.cfg');
  writeFileSync(zooCfg, `tickTime=2000\ndataDir=${join(dir.path, 'keeper')}\nclientPort=${keeperPort}\nclientPortAddress=127.0.0.1\n`);
  await startCliProcess(['keeper', '--config', zooCfg], 'keeper listening', { GREGOR_LOG_LEVEL: 'info' }, children);
  const keeperConnect = `127.0.0.1:${keeperPort}`;
  const brokers = new Map<number, StartedProcess & { bootstrap: string }>();
  for (const id of [1, 2]) {
    const port = await freePort();
    const props = join(dir.path, `server-${id}.properties`);
    writeFileSync(props, [
      `broker.id=${id}`, `listeners=PLAINTEXT://127.0.0.1:${port}`, `log.dirs=${join(dir.path, `broker-${id}`)}`, `zookeeper.connect=${keeperConnect}`,
      'zookeeper.session.timeout.ms=6000', 'controlled.shutdown.retry.backoff.ms=200', '',
    ].join('\n'));
    const started = await startCliProcess(['broker', '--config', props], 'is running', { GREGOR_LOG_LEVEL: 'info' }, children);
    brokers.set(id, { ...started, bootstrap: `127.0.0.1:${port}` });
  }
  return { keeperConnect, brokers };
}

async function metadata(bootstrap: string, topic: string): Promise<MetadataResponse> {
  const c = await RawClient.connect(bootstrap);
  try {
    return await c.request(3, 12, createMetadataRequest({ topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: topic }], allowAutoTopicCreation: false }));
  } finally {
    c.close();
  }
}

/** A topic with one partition led by each broker (preferred leader first), both replicas in the ISR. */
async function createTopic(bootstrap: string, topic: string): Promise<MetadataResponse> {
  const c = await RawClient.connect(bootstrap);
  try {
    const assignments = [{ partitionIndex: 0, brokerIds: [1, 2] }, { partitionIndex: 1, brokerIds: [2, 1] }];
    const created = await c.request(19, 5, { topics: [{ name: topic, numPartitions: -1, replicationFactor: -1, assignments, configs: [] }], timeoutMs: 10_000, validateOnly: false });
    assert.equal(created.topics[0].errorCode, ErrorCode.NONE);
  } finally {
    c.close();
  }
  for (let i = 0; i < 300; i++) {
    const md = await metadata(bootstrap, topic);
    const ps = md.topics[0]?.partitions ?? [];
    if (ps.length === 2 && ps.every((p) => p.leaderId === p.replicaNodes[0] && p.isrNodes.length === 2)) return md;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`topic ${topic} did not get its leaders and full ISRs`);
}

test('SIGTERM to a broker in another process than the controller: ControlledShutdown over the network, leadership moves before its registration goes', { timeout: 120_000 }, async () => {
  const { keeperConnect, brokers } = await startKeeperAndBrokers();
  const md = await createTopic(brokers.get(1)!.bootstrap, 'moves');
  const controllerId = md.controllerId;
  const stoppingId = controllerId === 1 ? 2 : 1;
  const survivorId = controllerId;
  const led = md.topics[0]!.partitions.find((p) => p.leaderId === stoppingId)!;
  assert.equal(await exitOf(brokers.get(stoppingId)!.child, 'SIGTERM'), 0);
  const log = brokers.get(stoppingId)!.output();
  assert.match(log, /controlled shutdown succeeded/);
  assert.ok(log.indexOf('controlled shutdown succeeded') < log.indexOf('broker stopped'), 'before it stopped');
  // the survivor leads both and the stopped broker is in no ISR (its view follows the keeper's watches: asked until it shows the departure)
  let after = await metadata(brokers.get(survivorId)!.bootstrap, 'moves');
  const settled = (m: MetadataResponse): boolean => !m.brokers.some((b) => b.nodeId === stoppingId) && m.topics[0]!.partitions.every((p) => p.leaderId === survivorId && p.isrNodes.length === 1);
  for (let i = 0; i < 200 && !settled(after); i++) {
    await new Promise((r) => setTimeout(r, 25));
    after = await metadata(brokers.get(survivorId)!.bootstrap, 'moves');
  }
  assert.equal(after.brokers.some((b) => b.nodeId === stoppingId), false);
  for (const p of after.topics[0]!.partitions) {
    assert.equal(p.leaderId, survivorId);
    assert.deepEqual(p.isrNodes, [survivorId]);
  }
  assert.ok(after.topics[0]!.partitions.find((p) => p.partitionIndex === led.partitionIndex)!.leaderEpoch > led.leaderEpoch);
  // the moves were written before the registration went away (zxids in the keeper)
  const session = await KeeperClientSession.factory(keeperConnect, { sessionTimeoutMs: 6000, connectionTimeoutMs: 10_000 })();
  try {
    const ids = await session.exists('/brokers/ids');
    assert.ok(ids !== null);
    for (const partition of [0, 1]) {
      const { data, stat } = await session.getData(partitionStatePath('moves', partition));
      const state = decodePartitionState(data, partitionStatePath('moves', partition));
      assert.equal(state.leader, survivorId);
      assert.ok(stat.mzxid < ids.pzxid, `partition ${partition}: state written (zxid ${stat.mzxid}) before broker ${stoppingId} left (zxid ${ids.pzxid})`);
    }
  } finally {
    await session.close();
  }
  assert.equal(await exitOf(brokers.get(survivorId)!.child, 'SIGTERM'), 0);
  assert.match(brokers.get(survivorId)!.output(), /no other live broker: controlled shutdown skipped/);
});

test('a broker whose controller is unreachable still stops after its bounded attempts', { timeout: 120_000 }, async () => {
  const { brokers } = await startKeeperAndBrokers();
  const md = await createTopic(brokers.get(1)!.bootstrap, 'orphan');
  const controllerId = md.controllerId;
  const otherId = controllerId === 1 ? 2 : 1;
  // the controller dies without a word; its registration stays until its session expires
  await exitOf(brokers.get(controllerId)!.child, 'SIGKILL');
  assert.equal(await exitOf(brokers.get(otherId)!.child, 'SIGTERM'), 0);
  const log = brokers.get(otherId)!.output();
  assert.equal((log.match(/controlled shutdown request failed/g) ?? []).length, 3, 'controlled.shutdown.max.retries attempts');
  assert.match(log, /proceeding without a complete controlled shutdown/);
  assert.match(log, /broker stopped/);
});
