import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FetchSessionHandler, type FetchPartitionState } from '../../src/client/consumer/fetch-session.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const p = (partition: number, fetchOffset: bigint): FetchPartitionState => ({ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partition, fetchOffset, maxBytes: 1024, currentLeaderEpoch: -1 });

test('KIP-227: full fetch creates the session, incremental fetches send only changes and forgotten partitions', () => {
  const s = new FetchSessionHandler();
  const full = s.build([p(0, 0n), p(1, 0n)]);
  assert.equal(full.full, true);
  assert.equal(full.sessionId, 0);
  assert.equal(full.sessionEpoch, 0);
  assert.equal(full.toSend.length, 2);
  s.handleResponse(0, 77);
  const inc = s.build([p(0, 5n), p(1, 0n)]);
  assert.equal(inc.full, false);
  assert.equal(inc.sessionId, 77);
  assert.equal(inc.sessionEpoch, 1);
  assert.deepEqual(inc.toSend.map((x) => x.partition), [0]);
  s.handleResponse(0, 77);
  const dropped = s.build([p(0, 5n)]);
  assert.equal(dropped.sessionEpoch, 2);
  assert.deepEqual(dropped.toSend, []);
  assert.deepEqual(dropped.forgotten.map((x) => x.partition), [1]);
  s.handleResponse(ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0);
  const again = s.build([p(0, 5n)]);
  assert.equal(again.full, true);
  assert.equal(again.sessionEpoch, 0);
});

test('a broker that creates no session (id 0) gets full fetches every time', () => {
  const s = new FetchSessionHandler();
  s.build([p(0, 0n)]);
  s.handleResponse(0, 0);
  assert.equal(s.build([p(0, 3n)]).full, true);
});
