/**
 * The follower's fetch session (FetchSessionHandler) against the leader's FetchSessionCache:
 * a full request opens the session, later requests carry only changed partitions and the ones
 * to forget, and a session error makes the next request full, closing the old session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { FetchSessionCache, type FetchPartitionRequest } from '../../src/broker/replica/fetch-session.js';
import { FetchSessionHandler, type SessionPartition, type SessionRequest } from '../../src/broker/replica/fetch-session-handler.js';

const part = (partition: number, fetchOffset: bigint): SessionPartition => ({
  topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partition, fetchOffset, logStartOffset: 0n, currentLeaderEpoch: 3, maxBytes: 1 << 20,
});

function onLeader(cache: FetchSessionCache, req: SessionRequest) {
  const partitions: FetchPartitionRequest[] = req.toSend.map((p) => ({
    topic: p.topic, topicId: Buffer.from(p.topicId, 'base64url'), partition: p.partition, fetchOffset: p.fetchOffset,
    maxBytes: p.maxBytes, currentLeaderEpoch: p.currentLeaderEpoch, lastFetchedEpoch: -1, logStartOffset: p.logStartOffset,
  }));
  return cache.newContext({ sessionId: req.sessionId, sessionEpoch: req.sessionEpoch, privileged: true }, partitions, req.toForget, 0);
}

test('full request opens a session; incremental requests send only changes and forgotten partitions; an error starts over', () => {
  const cache = new FetchSessionCache({ maxSlots: 10, newSessionId: (() => { let n = 100; return () => n++; })() });
  const h = new FetchSessionHandler();

  const r1 = h.build([part(0, 5n), part(1, 7n)]);
  assert.deepEqual([r1.full, r1.sessionId, r1.sessionEpoch, r1.toSend.length], [true, 0, 0, 2]);
  const c1 = onLeader(cache, r1);
  assert.equal(c1.kind, 'full');
  const id = c1.kind === 'full' ? c1.session!.id : -1;
  h.handleResponse(ErrorCode.NONE, id);

  const r2 = h.build([part(0, 9n), part(1, 7n)]);
  assert.deepEqual([r2.full, r2.sessionId, r2.sessionEpoch], [false, id, 1]);
  assert.deepEqual(r2.toSend.map((p) => [p.partition, p.fetchOffset]), [[0, 9n]], 'only the partition whose fetch offset moved');
  const c2 = onLeader(cache, r2);
  assert.equal(c2.kind, 'incremental');
  h.handleResponse(ErrorCode.NONE, id);

  const r3 = h.build([part(0, 9n)]);
  assert.deepEqual([r3.toSend.length, r3.toForget.map((f) => f.partition), r3.sessionEpoch], [0, [1], 2]);
  const c3 = onLeader(cache, r3);
  assert.ok(c3.kind === 'incremental' && c3.session.size === 1 && c3.session.partitions.get('t\u00000')!.fetchOffset === 9n);
  h.handleResponse(ErrorCode.NONE, id);

  // The leader lost track (restart, eviction): the next request is full and closes the old id.
  const r4 = h.build([part(0, 10n)]);
  h.handleResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0);
  const r5 = h.build([part(0, 10n)]);
  assert.deepEqual([r4.full, r5.full, r5.sessionId, r5.sessionEpoch, r5.toSend.length], [false, true, id, 0, 1]);
  const c5 = onLeader(cache, r5);
  assert.ok(c5.kind === 'full' && c5.session !== null && c5.session.id !== id);
  assert.equal(cache.get(id), undefined, 'the old session is closed');
  assert.equal(cache.size, 1);
});

test('a leader without room for a session: full requests each time; sessionless mode uses epoch -1', () => {
  const h = new FetchSessionHandler();
  h.build([part(0, 1n)]);
  h.handleResponse(ErrorCode.NONE, 0);
  const again = h.build([part(0, 2n)]);
  assert.deepEqual([again.full, again.sessionId, again.sessionEpoch], [true, 0, 0]);
  const old = new FetchSessionHandler(true).build([part(0, 1n)]);
  assert.deepEqual([old.full, old.sessionId, old.sessionEpoch], [true, 0, -1]);
});
