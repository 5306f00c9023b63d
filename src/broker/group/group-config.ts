/** The coordinator's settings, by their server.properties names (converted to ms). */
export interface GroupConfig {
  /** group.initial.rebalance.delay.ms (3000): how long a new group waits for more members. */
  readonly initialRebalanceDelayMs: number;
  /** group.min.session.timeout.ms (6000) / group.max.session.timeout.ms (1800000). */
  readonly minSessionTimeoutMs: number;
  readonly maxSessionTimeoutMs: number;
  /** group.max.size (Integer.MAX_VALUE). */
  readonly maxGroupSize: number;
  /** offsets.retention.minutes (10080) in ms. */
  readonly offsetsRetentionMs: number;
  /** offsets.retention.check.interval.ms (600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** offset.metadata.max.bytes (4096). */
  readonly offsetMetadataMaxBytes: number;
}

export const defaultGroupConfig: GroupConfig = {
  initialRebalanceDelayMs: 3000,
  minSessionTimeoutMs: 6000,
  maxSessionTimeoutMs: 1800000,
  maxGroupSize: 2147483647,
  offsetsRetentionMs: 10080 * 60_000,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetMetadataMaxBytes: 4096,
};
