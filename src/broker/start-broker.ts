/**
 * `startBroker(...)`: the public way to run one broker in this process, with server.properties
 * keys as an object (`{ 'broker.id': 0, 'zookeeper.connect': '127.0.0.1:2181', 'log.dirs': ... }`)
 * or a BrokerConfig.
 */
import type { Logger } from '../util/logger.js';
import { Broker } from './broker.js';
import { BrokerConfig } from './config/broker-config.js';

export async function startBroker(config: BrokerConfig | Record<string, string | number | boolean>, options: { logger?: Logger } = {}): Promise<Broker> {
  return Broker.start({ config: config instanceof BrokerConfig ? config : new BrokerConfig(config), logger: options.logger });
}
