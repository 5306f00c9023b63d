/**
 * JSON codecs of the znodes in ./paths.ts, byte for byte in the shapes Kafka's ZooKeeper mode
 * writes (kafka.zk.ZkData). Decoders accept what Kafka writes (including older versions where
 * they differ only by missing fields) and throw DecodeError on anything else: znode contents
 * come from outside this process and are validated like any other input.
 */
import { DecodeError } from '../../util/errors.js';
import { uuidFromBase64Url, uuidToBase64Url } from './uuid.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const encoder = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

function parseObject(bytes: Buffer | null, what: string): JsonObject {
  if (bytes === null || bytes.length === 0) throw new DecodeError(`${what}: empty znode`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new DecodeError(`${what}: not JSON`, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DecodeError(`${what}: not a JSON object`);
  return value as JsonObject;
}

function int(o: JsonObject, key: string, what: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new DecodeError(`${what}: "${key}" is not an integer`);
  return v;
}

function str(o: JsonObject, key: string, what: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new DecodeError(`${what}: "${key}" is not a string`);
  return v;
}

function intArray(v: Json | undefined, what: string): number[] {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isInteger(x))) {
    throw new DecodeError(`${what}: expected an array of integers`);
  }
  return v as number[];
}

function obj(v: Json | undefined, what: string): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new DecodeError(`${what}: expected an object`);
  return v;
}

// --- /brokers/ids/<id> ---------------------------------------------------------------------

export interface BrokerRegistration {
  readonly brokerId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
  /** "LISTENER://host:port" */
  readonly endpoints: readonly string[];
  readonly listenerSecurityProtocolMap: Readonly<Record<string, string>>;
  readonly jmxPort: number;
  readonly timestampMs: number;
}

/** Version 5 (Kafka ≥ 2.7): host/port of the PLAINTEXT endpoint at the top for old clients, features. */
export function encodeBrokerRegistration(r: Omit<BrokerRegistration, 'brokerId'>): Buffer {
  const json: Record<string, unknown> = {
    features: {},
    listener_security_protocol_map: r.listenerSecurityProtocolMap,
    endpoints: r.endpoints,
    jmx_port: r.jmxPort,
    port: r.port,
    host: r.host,
    version: 5,
    timestamp: String(r.timestampMs),
  };
  if (r.rack !== null) json.rack = r.rack;
  return encoder(json);
}

export function decodeBrokerRegistration(brokerId: number, bytes: Buffer | null): BrokerRegistration {
  const what = `broker registration ${brokerId}`;
  const o = parseObject(bytes, what);
  const version = int(o, 'version', what);
  if (version < 1) throw new DecodeError(`${what}: unsupported version ${version}`);
  let host = typeof o.host === 'string' ? o.host : '';
  let port = typeof o.port === 'number' ? o.port : -1;
  const endpoints = version >= 2 && Array.isArray(o.endpoints) ? o.endpoints.filter((e): e is string => typeof e === 'string') : [];
  const protocolMap: Record<string, string> = {};
  if (o.listener_security_protocol_map !== undefined) {
    for (const [k, v] of Object.entries(obj(o.listener_security_protocol_map, what))) if (typeof v === 'string') protocolMap[k] = v;
  }
  // Kafka puts -1 / null at the top when there is no PLAINTEXT listener; take the first endpoint then.
  if ((host === '' || port < 0) && endpoints.length > 0) {
    const m = /^[^:]+:\/\/\[?([^\]]*)\]?:(\d+)$/.exec(endpoints[0]!);
    if (m !== null) {
      host = m[1]!;
      port = Number(m[2]);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new DecodeError(`${what}: bad port ${String(port)}`);
  const rack = typeof o.rack === 'string' ? o.rack : null;
  const jmxPort = typeof o.jmx_port === 'number' ? o.jmx_port : -1;
  const timestampMs = typeof o.timestamp === 'string' ? Number(o.timestamp) : -1;
  return { brokerId, host, port, rack, endpoints, listenerSecurityProtocolMap: protocolMap, jmxPort, timestampMs };
}

// --- /controller, /controller_epoch ------------------------------------------------------

/** Version 2 (Kafka ≥ 3.4): kraftControllerEpoch -1 means a ZooKeeper-mode controller. */
export function encodeController(brokerId: number, timestampMs: number): Buffer {
  return encoder({ version: 2, brokerid: brokerId, timestamp: String(timestampMs), kraftControllerEpoch: -1 });
}

/** The controller's broker id (versions 1 and 2). */
export function decodeController(bytes: Buffer | null): number {
  return int(parseObject(bytes, '/controller'), 'brokerid', '/controller');
}

export function encodeControllerEpoch(epoch: number): Buffer {
  return Buffer.from(String(epoch), 'utf8');
}

export function decodeControllerEpoch(bytes: Buffer | null): number {
  const text = bytes === null ? '' : bytes.toString('utf8').trim();
  if (!/^-?\d+$/.test(text)) throw new DecodeError(`/controller_epoch: not an integer: ${JSON.stringify(text)}`);
  return Number(text);
}

// --- /brokers/topics/<t> -------------------------------------------------------------------

export interface TopicAssignment {
  /** Null only for topics written by Kafka < 2.8 (no topic id yet; the controller adds one). */
  readonly topicId: Buffer | null;
  /** partition -> replicas, preferred leader first. */
  readonly partitions: ReadonlyMap<number, readonly number[]>;
  readonly addingReplicas: ReadonlyMap<number, readonly number[]>;
  readonly removingReplicas: ReadonlyMap<number, readonly number[]>;
}

function partitionMapToJson(m: ReadonlyMap<number, readonly number[]>): Record<string, readonly number[]> {
  const out: Record<string, readonly number[]> = {};
  for (const p of [...m.keys()].sort((a, b) => a - b)) out[String(p)] = m.get(p)!;
  return out;
}

function partitionMapFromJson(v: Json | undefined, what: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (v === undefined || v === null) return out;
  for (const [k, replicas] of Object.entries(obj(v, what))) {
    if (!/^\d+$/.test(k)) throw new DecodeError(`${what}: bad partition ${JSON.stringify(k)}`);
    out.set(Number(k), intArray(replicas, `${what} partition ${k}`));
  }
  return out;
}

/** Version 3 (Kafka ≥ 2.8): topic_id, adding/removing replicas of a reassignment. */
export function encodeTopicAssignment(a: TopicAssignment): Buffer {
  const json: Record<string, unknown> = {
    version: 3,
    partitions: partitionMapToJson(a.partitions),
    adding_replicas: partitionMapToJson(a.addingReplicas),
    removing_replicas: partitionMapToJson(a.removingReplicas),
  };
  if (a.topicId !== null) json.topic_id = uuidToBase64Url(a.topicId);
  return encoder(json);
}

export function decodeTopicAssignment(topic: string, bytes: Buffer | null): TopicAssignment {
  const what = `topic ${topic}`;
  const o = parseObject(bytes, what);
  return {
    topicId: typeof o.topic_id === 'string' ? uuidFromBase64Url(o.topic_id) : null,
    partitions: partitionMapFromJson(o.partitions, what),
    addingReplicas: partitionMapFromJson(o.adding_replicas, what),
    removingReplicas: partitionMapFromJson(o.removing_replicas, what),
  };
}

// --- /brokers/topics/<t>/partitions/<p>/state -----------------------------------------------

/** Kafka's LeaderIsrAndControllerEpoch. */
export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly controllerEpoch: number;
}

export function encodePartitionState(s: PartitionState): Buffer {
  return encoder({ controller_epoch: s.controllerEpoch, leader: s.leader, version: 1, leader_epoch: s.leaderEpoch, isr: s.isr });
}

export function decodePartitionState(bytes: Buffer | null, what = 'partition state'): PartitionState {
  const o = parseObject(bytes, what);
  return {
    leader: int(o, 'leader', what),
    leaderEpoch: int(o, 'leader_epoch', what),
    isr: intArray(o.isr, `${what} isr`),
    controllerEpoch: int(o, 'controller_epoch', what),
  };
}

// --- /config/<type>/<name>, /config/changes -------------------------------------------------

export function encodeConfigEntity(config: Readonly<Record<string, string>>): Buffer {
  return encoder({ version: 1, config });
}

/** A missing or empty znode is an empty config (Kafka's ConfigEntityZNode.decode). */
export function decodeConfigEntity(bytes: Buffer | null, what = 'config'): Record<string, string> {
  if (bytes === null || bytes.length === 0) return {};
  const o = parseObject(bytes, what);
  const out: Record<string, string> = {};
  if (o.config === undefined || o.config === null) return out;
  for (const [k, v] of Object.entries(obj(o.config, what))) {
    if (typeof v !== 'string') throw new DecodeError(`${what}: value of ${k} is not a string`);
    out[k] = v;
  }
  return out;
}

/** `entityPath` is "topics/<t>" or "brokers/<id>" (version 2 notification). */
export function encodeConfigChangeNotification(entityPath: string): Buffer {
  return encoder({ version: 2, entity_path: entityPath });
}

export function decodeConfigChangeNotification(bytes: Buffer | null): string {
  return str(parseObject(bytes, 'config change'), 'entity_path', 'config change');
}

// --- /isr_change_notification ------------------------------------------------------------------

export function encodeIsrChangeNotification(partitions: ReadonlyArray<{ topic: string; partition: number }>): Buffer {
  return encoder({ version: 1, partitions: partitions.map((p) => ({ topic: p.topic, partition: p.partition })) });
}

export function decodeIsrChangeNotification(bytes: Buffer | null): Array<{ topic: string; partition: number }> {
  const what = 'isr change notification';
  const o = parseObject(bytes, what);
  if (!Array.isArray(o.partitions)) throw new DecodeError(`${what}: partitions is not an array`);
  return o.partitions.map((p) => {
    const po = obj(p, what);
    return { topic: str(po, 'topic', what), partition: int(po, 'partition', what) };
  });
}

// --- /admin/preferred_replica_election ----------------------------------------------------------

/** Same shape as the ISR change notification (Kafka's PreferredReplicaElectionZNode). */
export function encodePreferredReplicaElection(partitions: ReadonlyArray<{ topic: string; partition: number }>): Buffer {
  return encodeIsrChangeNotification(partitions);
}

export function decodePreferredReplicaElection(bytes: Buffer | null): Array<{ topic: string; partition: number }> {
  return decodeIsrChangeNotification(bytes);
}

// --- /cluster/id --------------------------------------------------------------------------

export function encodeClusterId(id: string): Buffer {
  return encoder({ version: '1', id });
}

export function decodeClusterId(bytes: Buffer | null): string {
  return str(parseObject(bytes, '/cluster/id'), 'id', '/cluster/id');
}

// --- /latest_producer_id_block ----------------------------------------------------------------

/** Kafka's ProducerIdsBlock: ids blockStart..blockEnd inclusive, owned by brokerId. */
export interface ProducerIdBlockRecord {
  readonly brokerId: number;
  readonly blockStart: bigint;
  readonly blockEnd: bigint;
}

export function encodeProducerIdBlock(b: ProducerIdBlockRecord): Buffer {
  return encoder({ version: 1, broker: b.brokerId, block_start: b.blockStart.toString(), block_end: b.blockEnd.toString() });
}

export function decodeProducerIdBlock(bytes: Buffer | null): ProducerIdBlockRecord {
  const what = '/latest_producer_id_block';
  const o = parseObject(bytes, what);
  const start = str(o, 'block_start', what);
  const end = str(o, 'block_end', what);
  if (!/^\d+$/.test(start) || !/^\d+$/.test(end)) throw new DecodeError(`${what}: block bounds are not integers`);
  const record = { brokerId: int(o, 'broker', what), blockStart: BigInt(start), blockEnd: BigInt(end) };
  if (record.blockEnd < record.blockStart) throw new DecodeError(`${what}: block_end < block_start`);
  return record;
}
