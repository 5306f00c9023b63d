/**
 * Seeded churn on the in-memory keeper: three brokers (MetadataService + controller) whose
 * sessions expire at random while topics are created and deleted. Checked on every state write
 * as it is applied: it carries the controller epoch currently in /controller_epoch (a deposed
 * controller never gets a write through) and leader epochs never go back. Checked when the
 * cluster has settled: one controller, every partition led by a live broker in its ISR.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { SimKeeper } from '../zk/sim-keeper.js';
import { startBroker, type Harness } from './metadata-service.shared.js';
import { prng } from '../../helpers/prng.js';

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 1500 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), `timed out waiting for ${what}`);
}

for (const seed of [3, 6, 12]) {
  test(`seed ${seed}: controller churn keeps epochs fenced and leaders valid`, async () => {
    const rnd = prng(seed);
    const keeper = new SimKeeper();
    const violations: string[] = [];
    const leaderEpochs = new Map<string, number>();
    keeper.onWrite = (path, data) => {
      if (!/\/partitions\/\d+\/state$/.test(path) || data === null) return;
      const state = JSON.parse(data.toString()) as { controller_epoch: number; leader_epoch: number };
      const current = Number(keeper.read('/controller_epoch')!.data!.toString());
      if (state.controller_epoch !== current) violations.push(`${path} written with controller epoch ${state.controller_epoch}, current ${current}`);
      const prev = leaderEpochs.get(path);
      if (prev !== undefined && state.leader_epoch <= prev) violations.push(`${path} leader epoch ${prev} -> ${state.leader_epoch}`);
      leaderEpochs.set(path, state.leader_epoch);
    };
    const h: Harness = { reader: keeper.connect(), factory: async () => keeper.connect(), connect: 'sim' };
    const brokers = [await startBroker(h, 1), await startBroker(h, 2), await startBroker(h, 3)];
    const topics = new Set<string>();
    let nextTopic = 0;
    const settled = (): boolean => {
      const controllers = brokers.filter((b) => b.service.isController());
      if (controllers.length !== 1) return false;
      const m = controllers[0]!.service.snapshot();
      if (m.brokers.size !== 3 || m.controllerId !== controllers[0]!.service.brokerId) return false;
      if ([...topics].some((t) => !m.topics.has(t)) || [...m.topics.keys()].some((t) => !topics.has(t))) return false;
      return [...m.topics.values()].every((t) => t.partitions.every((p) => p.leader > 0 && m.brokers.has(p.leader) && p.isr.includes(p.leader)));
    };
    try {
      await until('initial cluster', settled);
      for (let step = 0; step < 16; step++) {
        const r = rnd();
        const b = brokers[Math.floor(rnd() * brokers.length)]!;
        if (r < 0.4) {
          keeper.expire(b.service.keeperSession().sessionId());
        } else if (r < 0.75 || topics.size === 0) {
          const name = `t${nextTopic++}`;
          const [res] = await b.service.createTopics([{ name, numPartitions: 1 + Math.floor(rnd() * 4), replicationFactor: 1 + Math.floor(rnd() * 3), configs: {} }], { timeoutMs: 0 });
          // a broker may be re-registering: fewer live brokers than the replication factor is Kafka's error
          assert.ok(res!.errorCode === ErrorCode.NONE || res!.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR, res!.errorMessage ?? '');
          if (res!.errorCode === ErrorCode.NONE) topics.add(name);
        } else {
          const name = [...topics][Math.floor(rnd() * topics.size)]!;
          const [res] = await b.service.deleteTopics([{ name, topicId: null }], { timeoutMs: 0 });
          assert.equal(res!.errorCode, ErrorCode.NONE, res!.errorMessage ?? '');
          topics.delete(name);
        }
        await until(`seed ${seed} step ${step} to settle`, settled);
        assert.deepEqual(violations, []);
      }
      const epoch = Number(keeper.read('/controller_epoch')!.data!.toString());
      assert.ok(epoch >= 1);
    } finally {
      for (const b of brokers) await b.service.close();
    }
  });
}
