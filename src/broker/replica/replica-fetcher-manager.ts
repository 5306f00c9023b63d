/**
 * Kafka's ReplicaFetcherManager: which ReplicaFetcher follows which partition. A follower
 * partition goes to the fetcher of its leader's broker (num.replica.fetchers per source broker,
 * chosen by a hash of the partition, as Kafka's getFetcherId); becoming leader, a new leader
 * epoch or StopReplica take it out (and a new epoch puts it back, truncating first). Fetchers
 * left without partitions are shut down.
 */
import { BrokerConnection } from '../../client/connection.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Partition } from './partition.js';
import { fetchStateKey, ReplicaFetcher, type FetcherConnection, type PartitionFetchState, type ReplicaFetchSettings } from './replica-fetcher.js';

export interface ReplicaFetcherManagerOptions {
  localBrokerId: number;
  /** num.replica.fetchers */
  numFetchers: number;
  settings: ReplicaFetchSettings;
  brokerEpoch(): bigint;
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  partitionFor(topic: string, partition: number): Partition | undefined;
  clock: Clock;
  logger: Logger;
  /** Opens a connection to another broker (default: src/client's BrokerConnection). */
  connect?: (host: string, port: number, clientId: string) => Promise<FetcherConnection>;
}

/** The part of the manager ReplicaManager drives (tests may pass a fake). */
export interface ReplicaFetcherControl {
  addFetcherForPartition(p: Partition): void;
  removeFetcherForPartition(topic: string, partition: number): void;
  shutdown(): Promise<void>;
}

/** Kafka's Utils.abs(31 * topic.hashCode + partition) % numFetchers. */
export function fetcherIdFor(topic: string, partition: number, numFetchers: number): number {
  let h = 0;
  for (let i = 0; i < topic.length; i++) h = (Math.imul(31, h) + topic.charCodeAt(i)) | 0;
  const v = (Math.imul(31, h) + partition) | 0;
  return (v & 0x7fffffff) % numFetchers;
}

export class ReplicaFetcherManager implements ReplicaFetcherControl {
  private readonly fetchers = new Map<string, ReplicaFetcher>();
  /** Partition key -> the fetcher key that follows it. */
  private readonly owner = new Map<string, string>();
  private closed = false;

  constructor(private readonly o: ReplicaFetcherManagerOptions) {}

  /** Follows `p` from its current leader at its current epoch, truncating first. */
  addFetcherForPartition(p: Partition): void {
    if (this.closed) return;
    this.removeFetcherForPartition(p.topic, p.partition);
    if (p.leaderId < 0 || p.leaderId === this.o.localBrokerId) return;
    const fetcherId = fetcherIdFor(p.topic, p.partition, Math.max(1, this.o.numFetchers));
    const key = `${p.leaderId}/${fetcherId}`;
    let f = this.fetchers.get(key);
    if (f === undefined) {
      f = new ReplicaFetcher({
        sourceBrokerId: p.leaderId, fetcherId, localBrokerId: this.o.localBrokerId, brokerEpoch: this.o.brokerEpoch,
        endpointOf: this.o.endpointOf, connect: this.o.connect ?? connectToBroker(this.o.settings), partitionFor: this.o.partitionFor,
        settings: this.o.settings, clock: this.o.clock, logger: this.o.logger,
      });
      this.fetchers.set(key, f);
      f.start();
    }
    f.addPartition(p);
    this.owner.set(fetchStateKey(p.topic, p.partition), key);
  }

  removeFetcherForPartition(topic: string, partition: number): void {
    const pk = fetchStateKey(topic, partition);
    const key = this.owner.get(pk);
    if (key === undefined) return;
    this.owner.delete(pk);
    const f = this.fetchers.get(key);
    if (f === undefined) return;
    f.removePartition(topic, partition);
    if (f.size === 0) {
      // Kafka's shutdownIdleFetcherThreads.
      this.fetchers.delete(key);
      void f.shutdown();
    }
  }

  /** The fetch state of a followed partition (tests, metrics). */
  fetchStateOf(topic: string, partition: number): PartitionFetchState | undefined {
    const key = this.owner.get(fetchStateKey(topic, partition));
    return key === undefined ? undefined : this.fetchers.get(key)?.stateOf(topic, partition);
  }

  get fetcherCount(): number {
    return this.fetchers.size;
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const all = [...this.fetchers.values()];
    this.fetchers.clear();
    this.owner.clear();
    await Promise.all(all.map((f) => f.shutdown()));
  }
}

/** Connections to other brokers through src/client (ApiVersions negotiated on connect). */
function connectToBroker(settings: ReplicaFetchSettings): (host: string, port: number, clientId: string) => Promise<FetcherConnection> {
  return async (host, port, clientId) => {
    const c = new BrokerConnection({
      host, port, clientId, connectTimeoutMs: settings.socketTimeoutMs, requestTimeoutMs: settings.socketTimeoutMs + settings.waitMaxMs,
    });
    try {
      await c.connect();
    } catch (err) {
      c.close();
      throw err;
    }
    return c;
  };
}
