import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { FetchSessionCache, isUnknownTopicName, mustRespond, nextEpoch, unknownTopicName, type FetchPartitionRequest } from '../../src/broker/replica/fetch-session.js';

const zeroId = Buffer.alloc(16);
function part(topic: string, partition: number, fetchOffset = 0n): FetchPartitionRequest {
  return { topic, topicId: zeroId, partition, fetchOffset, maxBytes: 1024, currentLeaderEpoch: -1, lastFetchedEpoch: -1, logStartOffset: -1n };
}

function cache(maxSlots = 10) {
  let id = 0;
  return new FetchSessionCache({ maxSlots, newSessionId: () => ++id });
}

test('nextEpoch wraps past int32 max to 1 and keeps final', () => {
  assert.equal(nextEpoch(0), 1);
  assert.equal(nextEpoch(0x7fffffff), 1);
  assert.equal(nextEpoch(-1), -1);
});

test('full fetch opens a session; incremental fetch updates and forgets partitions', () => {
  const c = cache();
  const full = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('a', 0), part('a', 1)], [], 0);
  assert.equal(full.kind, 'full');
  assert.ok(full.kind === 'full' && full.session !== null);
  const id = full.session.id;
  assert.equal(full.session.epoch, 1);
  const inc = c.newContext({ sessionId: id, sessionEpoch: 1, privileged: false }, [part('a', 0, 5n), part('b', 0)], [{ topic: 'a', partition: 1 }], 10);
  assert.equal(inc.kind, 'incremental');
  assert.ok(inc.kind === 'incremental');
  assert.deepEqual([...inc.session.partitions.values()].map((p) => [p.topic, p.partition, p.fetchOffset]), [['a', 0, 5n], ['b', 0, 0n]]);
  assert.equal(inc.session.epoch, 2);
  assert.equal(c.totalPartitions, 2);
});

test('wrong epoch and unknown session get Kafka error codes; epoch -1 closes the session', () => {
  const c = cache();
  const full = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('a', 0)], [], 0);
  assert.ok(full.kind === 'full' && full.session !== null);
  const id = full.session.id;
  assert.deepEqual(c.newContext({ sessionId: id, sessionEpoch: 7, privileged: false }, [], [], 1), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  assert.deepEqual(c.newContext({ sessionId: 999, sessionEpoch: 1, privileged: false }, [], [], 1), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  assert.deepEqual(c.newContext({ sessionId: id, sessionEpoch: -1, privileged: false }, [part('a', 0)], [], 1), { kind: 'sessionless' });
  assert.equal(c.get(id), undefined);
  assert.equal(c.size, 0);
});

test('a full cache evicts stale or smaller sessions, never a fresh privileged one for a consumer', () => {
  const c = new FetchSessionCache({ maxSlots: 1, evictionMs: 1000, newSessionId: (() => { let i = 0; return () => ++i; })() });
  const f = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: true }, [part('a', 0), part('a', 1)], [], 0);
  assert.ok(f.kind === 'full' && f.session !== null);
  const consumer = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('b', 0), part('b', 1)], [], 10);
  assert.ok(consumer.kind === 'full' && consumer.session === null, 'no room and nothing evictable');
  const later = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('b', 0), part('b', 1)], [], 2000);
  assert.ok(later.kind === 'full' && later.session !== null, 'the stale follower session was evicted');
  assert.equal(c.evictions, 1);
});

test('incremental responses include only changed partitions', () => {
  const c = cache();
  const full = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('a', 0)], [], 0);
  assert.ok(full.kind === 'full' && full.session !== null);
  const cp = [...full.session.partitions.values()][0]!;
  const resp = { errorCode: 0, recordBytes: 0, highWatermark: 10n, logStartOffset: 0n, lastStableOffset: 10n };
  assert.equal(mustRespond(cp, resp, false), true);
  assert.equal(mustRespond(cp, resp, true), false);
  assert.equal(mustRespond(cp, { ...resp, highWatermark: 11n, lastStableOffset: 11n }, true), true);
  assert.equal(mustRespond(cp, { ...resp, highWatermark: 11n, lastStableOffset: 11n, recordBytes: 5 }, true), true);
  assert.equal(mustRespond(cp, { ...resp, highWatermark: 11n, lastStableOffset: 11n, errorCode: 1 }, true), true);
});

test('max.incremental.fetch.session.cache.slots counts sessions, not partitions (Kafka\'s maxEntries)', () => {
  const c = cache(2);
  const many = Array.from({ length: 50 }, (_, i) => part('wide', i));
  const wide = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, many, [], 0);
  assert.ok(wide.kind === 'full' && wide.session !== null, 'a session with more partitions than slots');
  const second = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('a', 0), part('a', 1)], [], 0);
  assert.ok(second.kind === 'full' && second.session !== null);
  assert.equal(c.size, 2);
  assert.equal(c.totalPartitions, 52);
  const third = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('b', 0)], [], 0);
  assert.ok(third.kind === 'full' && third.session === null, 'full, and no smaller session to evict');
  const bigger = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('b', 0), part('b', 1), part('b', 2)], [], 0);
  assert.ok(bigger.kind === 'full' && bigger.session !== null, 'a bigger session evicts the smallest');
  assert.deepEqual([c.size, c.evictions, c.get(second.session!.id)], [2, 1, undefined]);
  const none = cache(0).newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [part('a', 0)], [], 0);
  assert.ok(none.kind === 'full' && none.session === null, '0 slots: no sessions');
});

test('cached partitions keep their topic id and are re-resolved per request (KIP-516), order kept', () => {
  const c = cache();
  const idA = Buffer.alloc(16, 1);
  const idB = Buffer.alloc(16, 2);
  const byId = (id: Buffer, partition: number, known: boolean): FetchPartitionRequest => ({ ...part(known ? 'a' : unknownTopicName(id), partition), topicId: id });
  // Opened while the broker knew only topic b: topic a's partition is cached as unknown.
  const full = c.newContext({ sessionId: 0, sessionEpoch: 0, privileged: false }, [byId(idA, 0, false), { ...part('b', 0), topicId: idB }], [], 0);
  assert.ok(full.kind === 'full' && full.session !== null);
  assert.ok(isUnknownTopicName([...full.session.partitions.values()][0]!.topic));
  const names = new Map([[idA.toString('hex'), 'a'], [idB.toString('hex'), 'b']]);
  const inc = c.newContext({ sessionId: full.session.id, sessionEpoch: 1, privileged: false }, [byId(idA, 0, true)], [], 1, (id) => names.get(id.toString('hex')));
  assert.ok(inc.kind === 'incremental');
  assert.deepEqual([...inc.session.partitions.keys()], ['a\u00000', 'b\u00000'], 'resolved in place: no second entry for a-0');
  assert.equal(c.totalPartitions, 2);
  // The broker forgets b's id (deleted): b's partition is unknown again, not read under its old name.
  names.delete(idB.toString('hex'));
  const later = c.newContext({ sessionId: full.session.id, sessionEpoch: 2, privileged: false }, [], [], 2, (id) => names.get(id.toString('hex')));
  assert.ok(later.kind === 'incremental');
  assert.deepEqual([...later.session.partitions.values()].map((p) => [p.topic, p.partition]), [['a', 0], [unknownTopicName(idB), 0]]);
});
