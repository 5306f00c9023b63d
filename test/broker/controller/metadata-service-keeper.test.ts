/** The same scenarios against Gregor's keeper (startKeeper), through the keeper client. */
import { after, before, test } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKeeper, type Keeper } from '../../../src/keeper/index.js';
import { KeeperClientSession } from '../../../src/broker/zk/keeper-client-session.js';
import type { KeeperSession } from '../../../src/broker/zk/keeper-port.js';
import { quietLogger, singleBrokerRestartScenario, twoBrokerScenario, type Harness } from './metadata-service.shared.js';

let keeper: Keeper | null = null;
let dataDir = '';
const sessions: KeeperSession[] = [];

async function harness(chroot: string): Promise<Harness> {
  // the factory creates the chroot on first use (as a Kafka broker does); the reader connects after
  const connect = `${keeper!.connectString}${chroot}`;
  const factory = KeeperClientSession.factory(connect, { sessionTimeoutMs: 6000, connectionTimeoutMs: 10_000 });
  const reader = await factory();
  sessions.push(reader);
  return { reader, connect, factory };
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'gregor-keeper-controller-'));
  keeper = await startKeeper({ dataDir, clientPort: 0, clientPortAddress: '127.0.0.1', tickTime: 500 }, { logger: quietLogger });
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => undefined);
  await keeper?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('two brokers against the keeper: znodes, topics, producer ids, failover, deletion', async () => {
  await twoBrokerScenario(await harness('/two-brokers'));
});

test('single broker restart against the keeper', async () => {
  await singleBrokerRestartScenario(await harness('/single'));
});
