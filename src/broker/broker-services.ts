/**
 * What request handlers can reach: the broker's parts, passed to each handler through its
 * RequestContext. Handlers call these domain services; they never touch sockets or the keeper.
 */
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { BrokerConfig } from './config/broker-config.js';
import type { GroupCoordinator } from './group/group-coordinator.js';
import type { HandlerTable } from './handlers/table.js';
import type { MetadataService } from './metadata/metadata-service.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import type { FetchSessionCache } from './replica/fetch-session.js';
import type { ProducerIdManager } from './replica/producer-id-manager.js';
import type { ReplicaManager } from './replica/replica-manager.js';

export interface BrokerServices {
  readonly brokerId: number;
  readonly config: BrokerConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metadata: MetadataService;
  readonly replicaManager: ReplicaManager;
  readonly fetchSessions: FetchSessionCache;
  readonly producerIds: ProducerIdManager;
  readonly metrics: BrokerMetrics;
  readonly handlers: HandlerTable;
  /** Consumer groups and committed offsets (`__consumer_offsets`). */
  readonly groupCoordinator: GroupCoordinator;
  /** log.dirs (DescribeLogDirs). */
  readonly logDirs: readonly string[];
  /** Size in bytes of a partition's log, -1 when unknown (DescribeLogDirs). */
  logSize(topic: string, partition: number): number;
}
