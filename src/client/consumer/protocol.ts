/**
 * The consumer protocol's embedded bytes (JoinGroup metadata and SyncGroup assignment), in
 * Kafka's format: an int16 version, then ConsumerProtocolSubscription / ConsumerProtocolAssignment
 * at that version. Newer versions than ours are read at our latest (Kafka's rule: fields are only
 * ever appended, so trailing bytes are ignored).
 */
import { Reader, Writer } from '../../util/bytes.js';
import { DecodeError } from '../../util/errors.js';
import {
  decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment, type ConsumerProtocolAssignment,
} from '../../protocol/generated/consumer-protocol-assignment.js';
import {
  decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription, type ConsumerProtocolSubscription,
} from '../../protocol/generated/consumer-protocol-subscription.js';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';
const SUBSCRIPTION_VERSION = 3;
const ASSIGNMENT_VERSION = 3;

export interface Subscription {
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: { topic: string; partitions: number[] }[];
  generationId: number;
  rackId: string | null;
}

export interface Assignment {
  assignedPartitions: { topic: string; partitions: number[] }[];
  userData: Buffer | null;
}

export function encodeSubscription(s: Subscription, version = SUBSCRIPTION_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  const v: ConsumerProtocolSubscription = { ...s };
  encodeConsumerProtocolSubscription(w, version, v);
  return w.finish();
}

export function decodeSubscription(buf: Buffer): Subscription {
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`consumer subscription version ${version}`);
  const s = decodeConsumerProtocolSubscription(r, Math.min(version, SUBSCRIPTION_VERSION));
  return { topics: s.topics, userData: s.userData, ownedPartitions: s.ownedPartitions, generationId: s.generationId, rackId: s.rackId };
}

export function encodeAssignment(a: Assignment, version = ASSIGNMENT_VERSION): Buffer {
  const w = new Writer(64);
  w.int16(version);
  const v: ConsumerProtocolAssignment = { assignedPartitions: a.assignedPartitions, userData: a.userData };
  encodeConsumerProtocolAssignment(w, version, v);
  return w.finish();
}

/** An empty buffer is an empty assignment (what a coordinator sends a member it gave nothing). */
export function decodeAssignment(buf: Buffer): Assignment {
  if (buf.length === 0) return { assignedPartitions: [], userData: null };
  const r = new Reader(buf);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`consumer assignment version ${version}`);
  const a = decodeConsumerProtocolAssignment(r, Math.min(version, ASSIGNMENT_VERSION));
  return { assignedPartitions: a.assignedPartitions, userData: a.userData };
}
