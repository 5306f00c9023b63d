/**
 * Typed reads and writes of Kafka's znodes over a KeeperSession (the role of Kafka's
 * KafkaZkClient): shared by the controller shell and the broker's metadata service.
 */
import { ErrorCode as KafkaErrorCode, KafkaError } from '../../protocol/errors.js';
import { KeeperError } from '../../jute/errors.js';
import { ZkErrorCode } from '../../jute/constants.js';
import {
  decodeBrokerRegistration, decodeControllerEpoch, decodePartitionState, decodeTopicAssignment, decodeClusterId, encodeClusterId,
  type BrokerRegistration, type TopicAssignment,
} from './codecs.js';
import { CreateMode, type KeeperSession, type MultiOutcome, type Stat, type ZkOp, type ZkWatcher } from './keeper-port.js';
import { PERSISTENT_ZK_PATHS, ZkPaths, brokerIdPath, partitionStatePath, topicPath } from './paths.js';
import type { VersionedPartitionState } from '../controller/controller-core.js';

export function isKeeperError(err: unknown, code: number): boolean {
  return err instanceof KeeperError && err.errorCode === code;
}

/** Creates `path` and its missing parents as empty persistent znodes (NODEEXISTS is fine). */
export async function createRecursive(session: KeeperSession, path: string, data: Buffer | null = null): Promise<void> {
  const parts = path.split('/').filter((p) => p !== '');
  let current = '';
  for (let i = 0; i < parts.length; i++) {
    current += `/${parts[i]}`;
    try {
      await session.create(current, i === parts.length - 1 ? data : null, CreateMode.PERSISTENT);
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
    }
  }
}

/** Kafka's makeSurePersistentPathsExist. */
export async function ensurePersistentPaths(session: KeeperSession): Promise<void> {
  for (const p of PERSISTENT_ZK_PATHS) await createRecursive(session, p);
}

/** Reads `/cluster/id`, creating it with `newId` if absent (first broker of a cluster). */
export async function getOrCreateClusterId(session: KeeperSession, newId: string): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      return decodeClusterId((await session.getData(ZkPaths.clusterId)).data);
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.NONODE)) throw err;
    }
    await createRecursive(session, ZkPaths.cluster);
    try {
      await session.create(ZkPaths.clusterId, encodeClusterId(newId), CreateMode.PERSISTENT);
      return newId;
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
    }
  }
  throw new KafkaError(KafkaErrorCode.UNKNOWN_SERVER_ERROR, 'could not read or create /cluster/id');
}

/**
 * Registers the broker (ephemeral `/brokers/ids/<id>`) and returns the znode's czxid, Kafka's
 * broker epoch. If the znode belongs to another session — this broker's previous life whose
 * session has not expired yet — waits for it to go, up to `waitMs` (Kafka fails at once; waiting
 * lets a crashed dev broker restart without a manual pause).
 */
export async function registerBroker(
  session: KeeperSession, brokerId: number, data: Buffer, waitMs: number, sleep: (ms: number) => Promise<void>,
  onWait: (ownerSessionId: bigint) => void = () => undefined,
): Promise<bigint> {
  const path = brokerIdPath(brokerId);
  const deadlineSteps = Math.max(1, Math.ceil(waitMs / 250));
  for (let step = 0; ; step++) {
    try {
      await session.create(path, data, CreateMode.EPHEMERAL);
    } catch (err) {
      if (!isKeeperError(err, ZkErrorCode.NODEEXISTS)) throw err;
    }
    const stat = await session.exists(path);
    if (stat !== null && stat.ephemeralOwner === session.sessionId()) return stat.czxid;
    if (step === 0 && stat !== null) onWait(stat.ephemeralOwner);
    if (step >= deadlineSteps) {
      throw new KafkaError(KafkaErrorCode.UNKNOWN_SERVER_ERROR, `broker id ${brokerId} is already registered at ${path} by another session`);
    }
    await sleep(250);
  }
}

/** Live brokers: children of /brokers/ids and their registrations (undecodable ones skipped). */
export async function readBrokers(session: KeeperSession, watch?: ZkWatcher): Promise<Array<BrokerRegistration & { brokerEpoch: bigint }>> {
  const ids = await session.getChildren(ZkPaths.brokerIds, watch);
  const out: Array<BrokerRegistration & { brokerEpoch: bigint }> = [];
  for (const child of ids) {
    if (!/^\d+$/.test(child)) continue;
    const id = Number(child);
    try {
      const { data, stat } = await session.getData(brokerIdPath(id));
      out.push({ ...decodeBrokerRegistration(id, data), brokerEpoch: stat.czxid });
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) continue;
      if (err instanceof KeeperError) throw err;
      // an undecodable registration is skipped: it cannot be used as a broker anyway
    }
  }
  return out.sort((a, b) => a.brokerId - b.brokerId);
}

export async function readTopic(session: KeeperSession, topic: string, watch?: ZkWatcher): Promise<{ assignment: TopicAssignment; stat: Stat } | null> {
  try {
    const { data, stat } = await session.getData(topicPath(topic), watch);
    return { assignment: decodeTopicAssignment(topic, data), stat };
  } catch (err) {
    if (isKeeperError(err, ZkErrorCode.NONODE)) return null;
    throw err;
  }
}

export async function readPartitionState(
  session: KeeperSession, topic: string, partition: number, watch?: ZkWatcher,
): Promise<VersionedPartitionState | null> {
  const path = partitionStatePath(topic, partition);
  try {
    const { data, stat } = await session.getData(path, watch);
    return { state: decodePartitionState(data, path), zkVersion: stat.version, mzxid: stat.mzxid };
  } catch (err) {
    if (isKeeperError(err, ZkErrorCode.NONODE)) {
      // watch for its creation
      if (watch !== undefined && (await session.exists(path, watch)) !== null) return readPartitionState(session, topic, partition, watch);
      return null;
    }
    throw err;
  }
}

export async function readControllerEpoch(session: KeeperSession): Promise<{ epoch: number; zkVersion: number } | null> {
  try {
    const { data, stat } = await session.getData(ZkPaths.controllerEpoch);
    return { epoch: decodeControllerEpoch(data), zkVersion: stat.version };
  } catch (err) {
    if (isKeeperError(err, ZkErrorCode.NONODE)) return null;
    throw err;
  }
}

/** A multi guarded by the controller epoch's version (Kafka's checked writes, KAFKA-6082). */
export function fencedMulti(session: KeeperSession, epochZkVersion: number, ops: readonly ZkOp[]): Promise<MultiOutcome> {
  return session.multi([{ type: 'check', path: ZkPaths.controllerEpoch, version: epochZkVersion }, ...ops]);
}

/** Thrown when a fenced write finds that another controller has bumped /controller_epoch. */
export class ControllerMovedError extends KafkaError {
  constructor() {
    super(KafkaErrorCode.NOT_CONTROLLER, 'controller epoch changed: another broker is the controller now');
  }
}

/** Deletes per multi when removing a subtree (bounded so that one multi stays well under jute.maxbuffer). */
const DELETE_BATCH = 200;

/**
 * Deletes `path` and everything under it, children first, in multis of up to DELETE_BATCH
 * deletes each fenced by the controller epoch when `epochZkVersion` is given. Missing znodes are
 * fine (a batch that meets one falls back to one delete at a time).
 */
export async function deleteRecursive(session: KeeperSession, path: string, epochZkVersion: number | null): Promise<void> {
  const postOrder: string[] = [];
  const collect = async (p: string): Promise<void> => {
    let children: string[];
    try {
      children = await session.getChildren(p);
    } catch (err) {
      if (isKeeperError(err, ZkErrorCode.NONODE)) return;
      throw err;
    }
    for (const c of children) await collect(`${p}/${c}`);
    postOrder.push(p);
  };
  await collect(path);
  for (let i = 0; i < postOrder.length; i += DELETE_BATCH) {
    const batch = postOrder.slice(i, i + DELETE_BATCH);
    const ops = batch.map((p) => ({ type: 'delete' as const, path: p, version: -1 }));
    const outcome = epochZkVersion === null ? await session.multi(ops) : await fencedMulti(session, epochZkVersion, ops);
    if (outcome.ok) continue;
    if (epochZkVersion !== null && outcome.failedIndex === 0) throw new ControllerMovedError();
    for (const p of batch) await deleteOne(session, p, epochZkVersion);
  }
}

async function deleteOne(session: KeeperSession, path: string, epochZkVersion: number | null): Promise<void> {
  const op = [{ type: 'delete' as const, path, version: -1 }];
  const outcome = epochZkVersion === null ? await session.multi(op) : await fencedMulti(session, epochZkVersion, op);
  if (outcome.ok || outcome.errorCode === ZkErrorCode.NONODE) return;
  if (epochZkVersion !== null && outcome.failedIndex === 0) throw new ControllerMovedError();
  throw new KeeperError(outcome.errorCode, path);
}
