/**
 * Gregor's public API. Internals are reachable by tests through their modules, not from here.
 */
export { GregorError, DecodeError, EncodeError, FrameTooLargeError } from './util/errors.js';

// Broker: one broker against a keeper / ZooKeeper, or an embedded keeper + N brokers.
export { Broker, type BrokerOptions } from './broker/broker.js';
export { BrokerConfig, brokerConfigFromProperties } from './broker/config/broker-config.js';
export { startCluster, type ClusterOptions, type EmbeddedCluster } from './broker/embedded-cluster.js';
export { startBroker } from './broker/start-broker.js';

// Client: admin, producer, consumer (src/client).
export * from './client/index.js';

// Agent: Flume-style sources -> channels -> sinks (src/agent).
export { Agent, type AgentOptions } from './agent/runtime/agent.js';
export { propertiesMap as parseFlumeProperties } from './agent/config/properties.js';
