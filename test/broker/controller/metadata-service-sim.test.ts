import { test } from 'node:test';
import { SimKeeper } from '../zk/sim-keeper.js';
import { singleBrokerRestartScenario, twoBrokerScenario, type Harness } from './metadata-service.shared.js';

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
