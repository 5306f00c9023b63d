/**
 * Where an agent's configuration comes from, and how a change is noticed (flume-ng's
 * configuration providers):
 *
 * - a properties file (`--conf-file`), polled every 30 s (PollingPropertiesFileConfigurationProvider);
 * - a znode `<basePath>/<agentName>` in the keeper or any ZooKeeper (`-z host:2181 -p /flume`,
 *   PollingZooKeeperConfigurationProvider), whose data is the same properties text, watched
 *   (a ZooKeeper data watch, set again on every read).
 */
import { readFileSync, statSync } from 'node:fs';
import { ZooKeeperClient, ZkErrorCode, KeeperError } from '../../keeper/client/index.js';
import { MAX_PROPERTIES_BYTES } from '../config/properties.js';

export interface ConfigSource {
  /** For messages: the file's path or the znode's. */
  readonly description: string;
  read(): Promise<string>;
  /** Starts calling `changed` when the configuration may have changed. */
  watch(changed: () => void): void;
  close(): Promise<void>;
}

export function readAgentConfigFile(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_PROPERTIES_BYTES) throw new Error(`${path} is ${size} bytes, more than ${MAX_PROPERTIES_BYTES}`);
  return readFileSync(path, 'utf8');
}

/** A properties file; `pollIntervalMs` null = read once (`--no-reload-conf`). */
export function fileConfigSource(path: string, pollIntervalMs: number | null): ConfigSource {
  let timer: NodeJS.Timeout | null = null;
  return {
    description: path,
    read: async () => readAgentConfigFile(path),
    watch(changed) {
      if (pollIntervalMs !== null) timer = setInterval(changed, pollIntervalMs);
    },
    async close() {
      if (timer !== null) clearInterval(timer);
      timer = null;
    },
  };
}

/** The znode `<basePath>/<agentName>` (Flume's layout); connects on the first read. */
export function keeperConfigSource(connectString: string, basePath: string, agentName: string, sessionTimeoutMs = 15000): ConfigSource {
  const path = `${basePath.replace(/\/+$/, '')}/${agentName}`;
  const zk = new ZooKeeperClient(connectString, { sessionTimeoutMs });
  let connected: Promise<void> | null = null;
  let onChange: (() => void) | null = null;
  return {
    description: `zookeeper ${connectString} ${path}`,
    async read() {
      connected ??= zk.connect();
      // The client retries a server that does not answer forever (as ZooKeeper's); an agent
      // that cannot get its configuration should say so instead of waiting silently.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`cannot connect to ${connectString} within ${sessionTimeoutMs} ms`)), sessionTimeoutMs);
      });
      try {
        await Promise.race([connected, timeout]);
      } finally {
        clearTimeout(timer);
      }
      try {
        // Every read sets a new one-shot watch: a change after this read fires it.
        const { data } = await zk.getData(path, { watch: () => onChange?.() });
        if (data !== null && data.length > MAX_PROPERTIES_BYTES) throw new Error(`${path} holds ${data.length} bytes, more than ${MAX_PROPERTIES_BYTES}`);
        return data?.toString('utf8') ?? '';
      } catch (err) {
        if (err instanceof KeeperError && err.errorCode === ZkErrorCode.NONODE) {
          // Watch for its creation, then report that there is nothing yet.
          await zk.exists(path, { watch: () => onChange?.() });
          throw new Error(`no agent configuration at znode ${path}`);
        }
        throw err;
      }
    },
    watch(changed) {
      onChange = changed;
    },
    async close() {
      onChange = null;
      if (connected !== null) await zk.close();
    },
  };
}
