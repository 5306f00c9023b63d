/**
 * Configuration reloading, as flume-ng's polling provider: a changed file replaces the running
 * agent; an invalid change is reported and the running agent stays.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileConfigSource, keeperConfigSource } from '../../src/agent/runtime/config-source.js';
import { AgentSupervisor } from '../../src/agent/runtime/supervisor.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { ZooKeeperClient } from '../../src/keeper/client/index.js';
import { tempDir } from '../helpers/paths.js';
import { quietLogger, waitFor } from './helpers.js';

const conf = (sink: string, extra: string[] = []): string => [
  'a1.sources = r1', 'a1.channels = c1', `a1.sinks = ${sink}`,
  'a1.sources.r1.type = exec', 'a1.sources.r1.channels = c1', 'a1.sources.r1.command = echo hello',
  'a1.channels.c1.type = memory', `a1.sinks.${sink}.type = null`, `a1.sinks.${sink}.channel = c1`, ...extra, '',
].join('\n');

test('a changed configuration file replaces the agent; an invalid one leaves it running', async () => {
  const tmp = tempDir();
  const path = join(tmp.path, 'agent.conf');
  writeFileSync(path, conf('k1'));
  const sup = await AgentSupervisor.create(fileConfigSource(path, null), 'a1', { logger: quietLogger });
  await sup.start();
  try {
    const drained = (k: string) => sup.agent.counters.snapshot()[`SINK.${k}`]?.EventDrainSuccessCount;
    assert.ok(await waitFor(() => drained('k1') === '1', 10000));
    await sup.check();
    assert.equal(sup.reloads, 0, 'unchanged file: nothing happens');

    writeFileSync(path, conf('k2'));
    await sup.check();
    assert.equal(sup.reloads, 1);
    assert.ok(await waitFor(() => drained('k2') === '1', 10000), 'the new sink runs');
    assert.equal(drained('k1'), undefined);

    writeFileSync(path, conf('k3', ['a1.channels.c1.capacity = many']));
    await sup.check();
    assert.equal(sup.reloads, 1, 'an invalid file is not applied');
    assert.equal(drained('k2'), '1', 'the running agent stays');
  } finally {
    await sup.stop();
    tmp.cleanup();
  }
});

test('configuration from a keeper znode (flume-ng -z/-p): /flume/a1, watched for changes', async () => {
  const cluster = await startCluster({ brokers: 1, logger: quietLogger });
  const zk = new ZooKeeperClient(cluster.keeperConnect);
  await zk.connect();
  let sup: AgentSupervisor | null = null;
  try {
    await zk.mkdirp('/flume');
    await zk.create('/flume/a1', Buffer.from(conf('k1')));
    sup = await AgentSupervisor.create(keeperConfigSource(cluster.keeperConnect, '/flume', 'a1'), 'a1', { logger: quietLogger });
    await sup.start();
    const s = sup;
    const drained = (k: string) => s.agent.counters.snapshot()[`SINK.${k}`]?.EventDrainSuccessCount;
    assert.ok(await waitFor(() => drained('k1') === '1', 10000));
    await zk.setData('/flume/a1', Buffer.from(conf('k2')), -1);
    assert.ok(await waitFor(() => s.reloads === 1 && drained('k2') === '1', 10000), 'the data watch reloads the agent');
    await zk.setData('/flume/a1', Buffer.from(conf('k3')), -1);
    assert.ok(await waitFor(() => s.reloads === 2 && drained('k3') === '1', 10000), 'the watch is set again after each read');
  } finally {
    await sup?.stop();
    await zk.close();
    await cluster.stop();
  }
});
