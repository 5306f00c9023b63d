/**
 * The coordinator's gauges, named as the JMX exporter flattens Kafka's
 * `kafka.coordinator.group:type=GroupMetadataManager,name=NumGroups|NumOffsets|NumGroups<State>`.
 * Refreshed at scrape time from the loaded shards.
 */
import { Gauge } from 'prom-client';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';
import { GroupState } from './classic-group.js';
import type { GroupCoordinatorShard } from './group-coordinator-shard.js';

const PREFIX = 'kafka_coordinator_group_groupmetadatamanager_';

export function registerGroupMetrics(metrics: BrokerMetrics, shards: () => Iterable<GroupCoordinatorShard>): void {
  const registers = [metrics.registry];
  const numGroups = new Gauge({ name: `${PREFIX}numgroups`, help: 'Groups of the coordinator partitions this broker leads (NumGroups).', registers });
  const numOffsets = new Gauge({ name: `${PREFIX}numoffsets`, help: 'Committed offsets held by this coordinator (NumOffsets).', registers });
  const byState = new Map(
    Object.values(GroupState).map((s) => [s, new Gauge({ name: `${PREFIX}numgroups${s.toLowerCase()}`, help: `Groups in state ${s} (NumGroups${s}).`, registers })]),
  );
  metrics.onCollect(() => {
    let groups = 0;
    let offsets = 0;
    const states = new Map<string, number>();
    for (const shard of shards()) {
      for (const g of shard.groups.values()) {
        groups++;
        states.set(g.state, (states.get(g.state) ?? 0) + 1);
      }
      for (const topics of shard.offsets.offsets.values()) for (const parts of topics.values()) offsets += parts.size;
    }
    numGroups.set(groups);
    numOffsets.set(offsets);
    for (const [state, gauge] of byState) gauge.set(states.get(state) ?? 0);
  });
}
