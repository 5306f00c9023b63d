/**
 * The broker's metadata cache, kept current from keeper watches (what UpdateMetadata does in
 * Kafka's ZooKeeper mode): /brokers/ids, /controller, /brokers/topics and each topic's
 * assignment, each partition's state, /config/topics/<t>, /admin/delete_topics and
 * /config/brokers. Watches only mark things dirty; one refresh loop re-reads what is dirty
 * (re-arming the one-shot watches) and publishes a new immutable ClusterMetadata.
 */
import type { Logger } from '../../util/logger.js';
import { ZkErrorCode } from '../../jute/constants.js';
import { decodeBrokerRegistration, decodeConfigEntity, decodeController } from '../zk/codecs.js';
import type { KeeperSession } from '../zk/keeper-port.js';
import { isKeeperError, readTopic } from '../zk/kafka-zk-client.js';
import { decodePartitionState } from '../zk/codecs.js';
import { partitionStatePath, topicPath } from '../zk/paths.js';
import { ZkPaths, brokerIdPath, configEntityTypePath, ConfigEntityType, topicConfigPath, brokerConfigPath, DEFAULT_BROKER_ENTITY } from '../zk/paths.js';
import { uuidToBase64Url } from '../zk/uuid.js';
import type { TopicAssignment } from '../zk/codecs.js';
import type { VersionedPartitionState } from '../controller/controller-core.js';
import type { BrokerEndpoint, ClusterMetadata, LeadershipChange, PartitionMetadata, TopicMetadata } from './metadata-service.js';

const INTERNAL_TOPICS = new Set(['__consumer_offsets', '__transaction_state']);
/** Longest pause between refresh attempts while the keeper does not answer. */
const MAX_RETRY_BACKOFF_MS = 2000;

interface CachedTopic {
  assignment: TopicAssignment;
  configs: Record<string, string>;
  states: Map<number, VersionedPartitionState | null>;
}

type DirtyKey = string;

export class ZkMetadataCache {
  private brokers = new Map<number, BrokerEndpoint>();
  private controllerId = -1;
  private readonly topics = new Map<string, CachedTopic>();
  private deletions = new Set<string>();
  private readonly brokerConfigs = new Map<string, Record<string, string>>();
  private readonly dirty = new Set<DirtyKey>();
  private current: ClusterMetadata;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly listeners = new Set<(m: ClusterMetadata) => void>();

  constructor(private readonly session: KeeperSession, private readonly clusterId: string, private readonly log: Logger) {
    this.current = this.build();
  }

  snapshot(): ClusterMetadata {
    return this.current;
  }

  onUpdate(listener: (m: ClusterMetadata) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Full load; resolves once the first snapshot is published. */
  async start(): Promise<void> {
    for (const k of ['brokers', 'controller', 'topics', 'deletions', 'brokerConfigs']) this.dirty.add(k);
    this.kick();
    await this.settled();
  }

  close(): void {
    this.closed = true;
  }

  /** Resolves when the refresh loop is idle. */
  async settled(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  /** One watcher object per key, so that re-arming a watch never registers a duplicate. */
  private readonly watchers = new Map<DirtyKey, () => void>();

  private mark(key: DirtyKey): () => void {
    let w = this.watchers.get(key);
    if (w === undefined) {
      w = () => {
        if (this.closed) return;
        this.dirty.add(key);
        this.kick();
      };
      this.watchers.set(key, w);
    }
    return w;
  }

  private kick(): void {
    if (this.running !== null || this.closed) return;
    this.running = (async () => {
      try {
        let failures = 0;
        while (this.dirty.size > 0 && !this.closed) {
          const batch = [...this.dirty];
          this.dirty.clear();
          try {
            for (const k of batch) await this.refresh(k);
            failures = 0;
          } catch (err) {
            // an expired session is replaced by the service with a new cache; a closed one is done
            if (isKeeperError(err, ZkErrorCode.SESSIONEXPIRED) || this.closed) return;
            for (const k of batch) this.dirty.add(k);
            failures += 1;
            if (failures === 1 || failures % 50 === 0) this.log.warn({ err, failures }, 'metadata refresh failed; retrying');
            await new Promise((r) => setTimeout(r, Math.min(MAX_RETRY_BACKOFF_MS, 50 * 2 ** Math.min(failures, 6))));
            continue;
          }
          this.publish();
        }
      } finally {
        this.running = null;
      }
    })();
  }

  private publish(): void {
    this.current = this.build();
    for (const l of this.listeners) {
      try {
        l(this.current);
      } catch (err) {
        this.log.error({ err }, 'metadata listener failed');
      }
    }
  }

  private async refresh(key: DirtyKey): Promise<void> {
    const s = this.session;
    if (key === 'brokers') {
      const ids = await s.getChildren(ZkPaths.brokerIds, this.mark('brokers'));
      const next = new Map<number, BrokerEndpoint>();
      for (const child of ids) {
        if (!/^\d+$/.test(child)) continue;
        const id = Number(child);
        try {
          const reg = decodeBrokerRegistration(id, (await s.getData(brokerIdPath(id), this.mark('brokers'))).data);
          next.set(id, { id, host: reg.host, port: reg.port, rack: reg.rack });
        } catch (err) {
          if (!isKeeperError(err, ZkErrorCode.NONODE) && (err as Error).name !== 'DecodeError') throw err;
        }
      }
      this.brokers = next;
    } else if (key === 'controller') {
      try {
        this.controllerId = decodeController((await s.getData(ZkPaths.controller, this.mark('controller'))).data);
      } catch (err) {
        if (!isKeeperError(err, ZkErrorCode.NONODE) && (err as Error).name !== 'DecodeError') throw err;
        this.controllerId = -1;
        if (isKeeperError(err, ZkErrorCode.NONODE) && (await s.exists(ZkPaths.controller, this.mark('controller'))) !== null) this.dirty.add('controller');
      }
    } else if (key === 'topics') {
      const names = new Set(await s.getChildren(ZkPaths.topics, this.mark('topics')));
      for (const name of [...this.topics.keys()]) if (!names.has(name)) this.forgetTopic(name);
      for (const name of names) if (!this.topics.has(name)) await this.refreshTopic(name, true);
    } else if (key === 'deletions') {
      this.deletions = new Set(await s.getChildren(ZkPaths.deleteTopics, this.mark('deletions')));
    } else if (key === 'brokerConfigs') {
      const entities = await s.getChildren(configEntityTypePath(ConfigEntityType.brokers), this.mark('brokerConfigs'));
      this.brokerConfigs.clear();
      for (const e of entities) {
        const id = e === DEFAULT_BROKER_ENTITY ? null : Number(e);
        if (id !== null && !Number.isInteger(id)) continue;
        try {
          this.brokerConfigs.set(e, decodeConfigEntity((await s.getData(brokerConfigPath(id), this.mark('brokerConfigs'))).data));
        } catch (err) {
          if (!isKeeperError(err, ZkErrorCode.NONODE) && (err as Error).name !== 'DecodeError') throw err;
        }
      }
    } else if (key.startsWith('topic:')) {
      await this.refreshTopic(key.slice(6), false);
    } else if (key.startsWith('config:')) {
      const name = key.slice(7);
      const t = this.topics.get(name);
      if (t !== undefined) t.configs = await this.readTopicConfig(name);
    } else if (key.startsWith('state:')) {
      const [name, p] = splitStateKey(key);
      const t = this.topics.get(name);
      if (t !== undefined && t.assignment.partitions.has(p)) t.states.set(p, await this.readState(name, p));
    }
  }

  private async refreshTopic(name: string, isNew: boolean): Promise<void> {
    const read = await readTopic(this.session, name, this.mark(`topic:${name}`));
    if (read === null || read.assignment.topicId === null) {
      this.forgetTopic(name);
      return;
    }
    let t = this.topics.get(name);
    if (t === undefined || isNew || (t.assignment.topicId !== null && !t.assignment.topicId.equals(read.assignment.topicId))) {
      t = { assignment: read.assignment, configs: await this.readTopicConfig(name), states: new Map() };
      this.topics.set(name, t);
    }
    t.assignment = read.assignment;
    for (const p of read.assignment.partitions.keys()) {
      if (!t.states.has(p)) t.states.set(p, await this.readState(name, p));
    }
  }

  /**
   * A partition's state, watched. A missing state gets an exists watch (to see the controller
   * create it) only while the topic itself exists: watches on the paths of a deleted topic would
   * stay registered for nothing.
   */
  private async readState(topic: string, partition: number): Promise<VersionedPartitionState | null> {
    const path = partitionStatePath(topic, partition);
    const watch = this.mark(stateKey(topic, partition));
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const { data, stat } = await this.session.getData(path, watch);
        return { state: decodePartitionState(data, path), zkVersion: stat.version, mzxid: stat.mzxid };
      } catch (err) {
        if ((err as Error).name === 'DecodeError') return null;
        if (!isKeeperError(err, ZkErrorCode.NONODE)) throw err;
      }
      if ((await this.session.exists(topicPath(topic))) === null) return null;
      if ((await this.session.exists(path, watch)) === null) return null;
    }
    return null;
  }

  private forgetTopic(name: string): void {
    const t = this.topics.get(name);
    this.topics.delete(name);
    if (t === undefined) return;
    this.watchers.delete(`topic:${name}`);
    this.watchers.delete(`config:${name}`);
    for (const p of t.assignment.partitions.keys()) this.watchers.delete(stateKey(name, p));
  }

  /** Re-reads one partition's state now (after this broker wrote it). */
  async refreshPartition(topic: string, partition: number): Promise<void> {
    this.dirty.add(stateKey(topic, partition));
    this.kick();
    await this.settled();
  }

  private async readTopicConfig(name: string): Promise<Record<string, string>> {
    const path = topicConfigPath(name);
    try {
      return decodeConfigEntity((await this.session.getData(path, this.mark(`config:${name}`))).data, path);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) {
        if ((await this.session.exists(path, this.mark(`config:${name}`))) !== null) this.dirty.add(`config:${name}`);
        return {};
      }
      if ((err as Error).name === 'DecodeError') return {};
      throw err;
    }
  }

  /**
   * The leadership the keeper's partition states give `brokerId` (a replica of them): what
   * LeaderAndIsr would say. Topics queued for deletion are left out.
   */
  leadershipFor(brokerId: number): LeadershipChange[] {
    const out: LeadershipChange[] = [];
    for (const [topic, t] of this.topics) {
      if (this.deletions.has(topic) || t.assignment.topicId === null) continue;
      for (const [partition, replicas] of t.assignment.partitions) {
        const s = t.states.get(partition);
        if (s === undefined || s === null || !replicas.includes(brokerId)) continue;
        out.push({
          kind: s.state.leader === brokerId ? 'become-leader' : 'become-follower',
          topic, topicId: t.assignment.topicId, partition, leader: s.state.leader, leaderEpoch: s.state.leaderEpoch, isr: s.state.isr,
          replicas, partitionEpoch: s.zkVersion, controllerEpoch: s.state.controllerEpoch, isNew: false,
        });
      }
    }
    return out;
  }

  private build(): ClusterMetadata {
    const topics = new Map<string, TopicMetadata>();
    const topicsById = new Map<string, TopicMetadata>();
    for (const [name, t] of [...this.topics].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const partitions: PartitionMetadata[] = [];
      for (const p of [...t.assignment.partitions.keys()].sort((a, b) => a - b)) {
        const replicas = t.assignment.partitions.get(p)!;
        const s = t.states.get(p) ?? null;
        partitions.push({
          partition: p,
          leader: s?.state.leader ?? -1,
          leaderEpoch: s?.state.leaderEpoch ?? -1,
          replicas,
          isr: s?.state.isr ?? [],
          offlineReplicas: replicas.filter((r) => !this.brokers.has(r)),
          partitionEpoch: s?.zkVersion ?? -1,
        });
      }
      const topic: TopicMetadata = {
        name, topicId: t.assignment.topicId!, isInternal: INTERNAL_TOPICS.has(name), partitions,
        configs: { ...t.configs }, markedForDeletion: this.deletions.has(name),
      };
      topics.set(name, topic);
      topicsById.set(uuidToBase64Url(topic.topicId), topic);
    }
    return {
      clusterId: this.clusterId,
      controllerId: this.controllerId,
      brokers: new Map(this.brokers),
      topics,
      topicsById,
      brokerConfigs: new Map([...this.brokerConfigs].map(([k, v]) => [k, { ...v }])),
    };
  }
}

function stateKey(topic: string, partition: number): string {
  return `state:${partition}:${topic}`;
}

function splitStateKey(key: string): [string, number] {
  const rest = key.slice(6);
  const i = rest.indexOf(':');
  return [rest.slice(i + 1), Number(rest.slice(0, i))];
}
