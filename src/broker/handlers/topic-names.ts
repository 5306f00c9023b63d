/**
 * Kafka's topic name rules (org.apache.kafka.common.internals.Topic): 1-249 characters of
 * [a-zA-Z0-9._-], not "." or "..". Internal topics are Kafka's two coordinator topics.
 */
export const MAX_TOPIC_NAME_LENGTH = 249;
export const internalTopics: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** Null when valid, else the reason (for INVALID_TOPIC_EXCEPTION messages). */
export function topicNameError(name: string): string | null {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `Topic name is longer than ${MAX_TOPIC_NAME_LENGTH} characters`;
  if (!/^[a-zA-Z0-9._-]+$/.test(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return null;
}

/** Kafka's UUID text form (base64url, 22 chars) from the 16 bytes, and back. */
export function uuidToString(id: Buffer): string {
  return id.toString('base64url');
}

export function uuidFromString(id: string): Buffer {
  const b = Buffer.from(id, 'base64url');
  return b.length === 16 ? b : Buffer.alloc(16);
}

export const ZERO_UUID_STRING = 'AAAAAAAAAAAAAAAAAAAAAA';
