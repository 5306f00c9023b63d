/** The storage layer's public surface (see README.md). */
export { LogManager, type LogManagerOptions, parseTopicPartitionDirName, CLEAN_SHUTDOWN_FILE } from './log-manager.js';
export {
  UnifiedLog,
  ListOffsetsTimestamp,
  UnexpectedAppendOffsetError,
  topicPartitionDirName,
  type TopicPartition,
  type AppendOptions,
  type LogAppendInfo,
  type ReadOptions,
  type LogReadResult,
  type UpperBound,
} from './unified-log.js';
export { buildLogConfig, logConfigDefs, parseConfigValue, configValueToString, type LogConfig, type ConfigDef, type ConfigOverrides } from './log-config.js';
export { LogCleaner } from './log-cleaner.js';
export { type AppendOrigin, ProducerStateManager } from './producer-state.js';
export { LeaderEpochFileCache } from './leader-epoch-cache.js';
export { OffsetCheckpointFile, writeFileAtomically } from './checkpoint-file.js';
