import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimKeeper } from '../zk/sim-keeper.js';
import { singleBrokerRestartScenario, startBroker, twoBrokerScenario, type Harness } from './metadata-service.shared.js';

function simHarness(): Harness {
  const keeper = new SimKeeper();
  return { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
}

test('two brokers against the in-memory keeper: znodes, topics, producer ids, failover, deletion', async () => {
  await twoBrokerScenario(simHarness());
});

test('single broker restart re-elects itself and bumps epochs (in-memory keeper)', async () => {
  await singleBrokerRestartScenario(simHarness());
});

test('session expiry: the controller fails over with a bumped epoch, the expired broker re-registers with a new session', async () => {
  const keeper = new SimKeeper();
  const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
  const b1 = await startBroker(h, 1);
  const b2 = await startBroker(h, 2);
  try {
    await until(() => b1.service.isController());
    const epoch = Number(keeper.read('/controller_epoch')!.data!.toString());
    const oldSession = b1.service.keeperSession().sessionId();
    keeper.expire(oldSession);
    await until(() => b2.service.isController());
    assert.equal(Number(keeper.read('/controller_epoch')!.data!.toString()), epoch + 1);
    await until(() => {
      const reg = keeper.read('/brokers/ids/1');
      return reg !== null && reg.stat.ephemeralOwner !== oldSession;
    });
    await until(() => b1.service.snapshot().brokers.size === 2 && !b1.service.isController());
  } finally {
    await b2.service.close();
    await b1.service.close();
  }
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check());
}
