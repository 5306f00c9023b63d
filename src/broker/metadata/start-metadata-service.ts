/**
 * Builds the broker's MetadataService against a keeper ensemble or a real ZooKeeper:
 * connects, creates Kafka's persistent paths and `/cluster/id`, registers `/brokers/ids/<id>`,
 * loads the metadata cache and starts the controller election.
 *
 *   const metadata = await startMetadataService({ keeperConnect: '127.0.0.1:2181', brokerId: 1, host: '127.0.0.1', port: 9092 });
 */
import { rootLogger, type Logger } from '../../util/logger.js';
import { KeeperClientSession } from '../zk/keeper-client-session.js';
import type { KeeperSessionFactory } from '../zk/keeper-port.js';
import type { MetadataServiceConfig } from './metadata-service.js';
import { ZkMetadataService } from './zk-metadata-service.js';

export interface StartMetadataServiceOptions extends MetadataServiceConfig {
  readonly logger?: Logger;
  /** Replaces the keeper client (tests use an in-memory keeper). */
  readonly sessionFactory?: KeeperSessionFactory;
  readonly nowMs?: () => number;
  /** See ZkMetadataServiceOptions.inProcessDelivery. */
  readonly inProcessDelivery?: boolean;
}

export function startMetadataService(options: StartMetadataServiceOptions): Promise<ZkMetadataService> {
  const sessionFactory = options.sessionFactory ?? KeeperClientSession.factory(options.keeperConnect, {
    sessionTimeoutMs: options.sessionTimeoutMs ?? 18_000,
    connectionTimeoutMs: options.connectionTimeoutMs ?? 18_000,
  });
  return ZkMetadataService.start({ ...options, sessionFactory, logger: options.logger ?? rootLogger });
}
