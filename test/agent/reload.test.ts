/**
 * Configuration reloading, as flume-ng's polling provider: a changed file replaces the running
 * agent; an invalid change is reported and the running agent stays.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentSupervisor } from '../../src/agent/runtime/supervisor.js';
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
  const sup = new AgentSupervisor(path, 'a1', { logger: quietLogger }, null);
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
