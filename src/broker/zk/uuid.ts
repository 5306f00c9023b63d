/**
 * Kafka's `Uuid` as it appears in znodes and CLI output: 16 bytes, printed as unpadded
 * base64url (22 characters). Topic ids and the cluster id use it.
 */
import { randomBytes } from 'node:crypto';
import { DecodeError } from '../../util/errors.js';

export const UUID_BYTES = 16;
export const ZERO_UUID: Buffer = Buffer.alloc(UUID_BYTES);

export function uuidToBase64Url(uuid: Buffer): string {
  if (uuid.length !== UUID_BYTES) throw new DecodeError(`a Uuid has ${UUID_BYTES} bytes, got ${uuid.length}`);
  return uuid.toString('base64url');
}

export function uuidFromBase64Url(text: string): Buffer {
  if (!/^[A-Za-z0-9_-]{22}$/.test(text)) throw new DecodeError(`not a base64url Uuid: ${JSON.stringify(text)}`);
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== UUID_BYTES) throw new DecodeError(`not a base64url Uuid: ${JSON.stringify(text)}`);
  return bytes;
}

/**
 * A random version-4 UUID that is never the zero Uuid, never Kafka's reserved metadata-topic id
 * (…0001) and never prints with a leading '-' (Kafka's Uuid.randomUuid rules: such ids would
 * look like command-line flags). `random` is injectable for deterministic tests.
 */
export function randomUuid(random: (n: number) => Buffer = randomBytes): Buffer {
  for (let attempt = 0; attempt < 100; attempt++) {
    const b = Buffer.from(random(UUID_BYTES));
    b[6] = (b[6]! & 0x0f) | 0x40;
    b[8] = (b[8]! & 0x3f) | 0x80;
    const reservedMetadataId = b.subarray(0, 15).every((x) => x === 0) && b[15] === 1;
    if (b.equals(ZERO_UUID) || reservedMetadataId || b.toString('base64url').startsWith('-')) continue;
    return b;
  }
  throw new Error('randomUuid: the random source keeps producing reserved ids');
}
