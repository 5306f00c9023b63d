/**
 * The "consumer" embedded protocol: the subscription a member puts in JoinGroup's protocol
 * metadata and the assignment the leader returns in SyncGroup, each an int16 version followed
 * by the body. Like Kafka's ConsumerProtocol, a version newer than we know is read with the
 * newest layout we know and the bytes after it are ignored (newer versions only append
 * fields), so newer clients can join groups; a version below 0 is an error.
 */
import { Reader } from '../util/bytes.js';
import { DecodeError } from '../util/errors.js';
import {
  decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment, type ConsumerProtocolAssignment,
} from './generated/consumer-protocol-assignment.js';
import {
  decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription, type ConsumerProtocolSubscription,
} from './generated/consumer-protocol-subscription.js';
import { generatedMessages } from './generated/messages.js';
import { encodeVersioned, type Versioned } from './internal-records.js';

export type { ConsumerProtocolAssignment, ConsumerProtocolSubscription };

function maxVersion(name: string): number {
  return generatedMessages.find((m) => m.name === name)!.maxVersion;
}

const SUBSCRIPTION_MAX = maxVersion('ConsumerProtocolSubscription');
const ASSIGNMENT_MAX = maxVersion('ConsumerProtocolAssignment');

function readVersion(r: Reader, what: string, max: number): { wire: number; read: number } {
  const wire = r.int16();
  if (wire < 0) throw new DecodeError(`${what} has invalid version ${wire}`);
  return { wire, read: Math.min(wire, max) };
}

/** Encodes a subscription at `version` (default: the newest we know). */
export function encodeSubscription(value: ConsumerProtocolSubscription, version = SUBSCRIPTION_MAX): Buffer {
  return encodeVersioned({ encode: encodeConsumerProtocolSubscription, decode: decodeConsumerProtocolSubscription }, version, value);
}

/** Decodes a subscription; `version` is the one on the wire. */
export function decodeSubscription(buf: Buffer): Versioned<ConsumerProtocolSubscription> {
  const r = new Reader(buf);
  const v = readVersion(r, 'ConsumerProtocolSubscription', SUBSCRIPTION_MAX);
  const value = decodeConsumerProtocolSubscription(r, v.read);
  if (v.wire === v.read && r.remaining !== 0) throw new DecodeError(`subscription v${v.wire} has ${r.remaining} trailing bytes`);
  return { version: v.wire, value };
}

export function encodeAssignment(value: ConsumerProtocolAssignment, version = ASSIGNMENT_MAX): Buffer {
  return encodeVersioned({ encode: encodeConsumerProtocolAssignment, decode: decodeConsumerProtocolAssignment }, version, value);
}

export function decodeAssignment(buf: Buffer): Versioned<ConsumerProtocolAssignment> {
  const r = new Reader(buf);
  const v = readVersion(r, 'ConsumerProtocolAssignment', ASSIGNMENT_MAX);
  const value = decodeConsumerProtocolAssignment(r, v.read);
  if (v.wire === v.read && r.remaining !== 0) throw new DecodeError(`assignment v${v.wire} has ${r.remaining} trailing bytes`);
  return { version: v.wire, value };
}
