/**
 * gregor leader-election doing an election (kafka-leader-election.sh): in a two-broker cluster
 * without automatic rebalancing, a restarted broker is back in the ISR but no longer leads the
 * partition it prefers; a PREFERRED election gives it back, with Kafka's output line, and a second
 * run finds nothing to do.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Broker } from '../../src/broker/broker.js';
import { startCluster } from '../../src/broker/embedded-cluster.js';
import { Admin } from '../../src/client/admin/admin.js';
import { createLogger } from '../../src/util/logger.js';
import { gregor } from '../helpers/cli.js';
import { waitFor } from '../helpers/wait.js';

test('leader-election PREFERRED moves leadership back to the preferred replica', { timeout: 120_000 }, async () => {
  const logger = createLogger({ level: process.env.GREGOR_LOG_LEVEL ?? 'silent' });
  const cluster = await startCluster({
    brokers: 2, logger,
    brokerConfig: { 'auto.leader.rebalance.enable': false, 'replica.fetch.backoff.ms': 50, 'replica.fetch.wait.max.ms': 200, 'replica.lag.time.max.ms': 3000 },
  });
  let restarted: Broker | null = null;
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  try {
    await admin.createTopics([{ name: 'le2', replicaAssignment: new Map([[0, [1, 0]], [1, [0, 1]]]) }]);
    const state = async (): Promise<{ leader: number; isr: number }[]> =>
      (await admin.describeTopics(['le2']))[0]!.partitions.map((p) => ({ leader: p.leader, isr: p.isr.length }));
    await waitFor('both partitions fully in sync', async () => (await state()).every((p) => p.isr === 2));
    assert.deepEqual((await state()).map((p) => p.leader), [1, 0]);
    const old = cluster.brokers[1]!;
    await old.stop();
    await waitFor('broker 0 leads partition 0', async () => (await state())[0]!.leader === 0);
    restarted = await Broker.start({ config: old.config, logger });
    await waitFor('broker 1 back in the ISR of partition 0', async () => (await state())[0]!.isr === 2);
    assert.equal((await state())[0]!.leader, 0, 'no automatic rebalance: broker 0 still leads');

    const b = ['--bootstrap-server', cluster.bootstrapServers.split(',')[0]!];
    let r = await gregor(['leader-election', ...b, '--election-type', 'PREFERRED', '--all-topic-partitions']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Successfully completed leader election \(PREFERRED\) for partitions le2-0$/m);
    await waitFor('broker 1 leads partition 0 again', async () => (await state())[0]!.leader === 1);
    r = await gregor(['leader-election', ...b, '--election-type', 'preferred', '--topic', 'le2', '--partition', '0']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'Valid replica already elected for partitions le2-0\n');
  } finally {
    await admin.close();
    await restarted?.stop();
    await cluster.stop();
  }
});
