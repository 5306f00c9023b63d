/** The same scenarios against a real Apache ZooKeeper 3.8 (Debian package), through the keeper client. */
import { after, before, test } from 'node:test';
import { realZooKeeper, startRealZooKeeper, type RealZooKeeper } from '../../helpers/real-zookeeper.js';
import { KeeperClientSession } from '../../../src/broker/zk/keeper-client-session.js';
import type { KeeperSession } from '../../../src/broker/zk/keeper-port.js';
import { singleBrokerRestartScenario, twoBrokerScenario, type Harness } from './metadata-service.shared.js';

const zk = realZooKeeper();
let server: RealZooKeeper | null = null;
const sessions: KeeperSession[] = [];

async function harness(chroot: string): Promise<Harness> {
  // the factory creates the chroot on first use (as a Kafka broker does); the reader connects after
  const connect = `${server!.connectString}${chroot}`;
  const factory = KeeperClientSession.factory(connect, { sessionTimeoutMs: 6000, connectionTimeoutMs: 10_000 });
  const reader = await factory();
  sessions.push(reader);
  return { reader, connect, factory };
}

before(async () => {
  if (zk.skip === false) server = await startRealZooKeeper();
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await server?.stop();
});

test('two brokers against a real ZooKeeper 3.8: znodes, topics, producer ids, failover, deletion', { skip: zk.skip }, async () => {
  await twoBrokerScenario(await harness('/two-brokers'));
});

test('single broker restart against a real ZooKeeper 3.8', { skip: zk.skip }, async () => {
  await singleBrokerRestartScenario(await harness('/single'));
});
