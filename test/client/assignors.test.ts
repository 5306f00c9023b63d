import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assignors, cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, stickyAssign, type AssignorMember } from '../../src/client/consumer/assignors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/client/consumer/protocol.js';

function member(memberId: string, topics: string[], owned: Record<string, number[]> = {}, generationId = 1): AssignorMember {
  return {
    memberId, groupInstanceId: null,
    subscription: { topics, userData: null, generationId, rackId: null, ownedPartitions: Object.entries(owned).map(([topic, partitions]) => ({ topic, partitions })) },
  };
}

const names = (tps: { topic: string; partition: number }[]): string[] => tps.map((t) => `${t.topic}-${t.partition}`);

test('range: consecutive ranges per topic, the first members get the extra partitions (Kafka RangeAssignor)', () => {
  const out = rangeAssignor.assign(new Map([['t0', 3], ['t1', 3]]), [member('c1', ['t0', 't1']), member('c0', ['t0', 't1'])]);
  assert.deepEqual(names(out.get('c0')!), ['t0-0', 't0-1', 't1-0', 't1-1']);
  assert.deepEqual(names(out.get('c1')!), ['t0-2', 't1-2']);
});

test('roundrobin: partitions dealt in turn across topics (Kafka RoundRobinAssignor)', () => {
  const out = roundRobinAssignor.assign(new Map([['t0', 3], ['t1', 3]]), [member('c0', ['t0', 't1']), member('c1', ['t0', 't1'])]);
  assert.deepEqual(names(out.get('c0')!), ['t0-0', 't0-2', 't1-1']);
  assert.deepEqual(names(out.get('c1')!), ['t0-1', 't1-0', 't1-2']);
});

test('sticky keeps owned partitions and balances when a member joins', () => {
  const before = stickyAssign(new Map([['t', 6]]), [member('a', ['t']), member('b', ['t'])]);
  const owned = (id: string): Record<string, number[]> => ({ t: before.get(id)!.map((tp) => tp.partition) });
  const after = stickyAssign(new Map([['t', 6]]), [member('a', ['t'], owned('a')), member('b', ['t'], owned('b')), member('c', ['t'])]);
  for (const id of ['a', 'b']) {
    assert.equal(after.get(id)!.length, 2);
    for (const tp of after.get(id)!) assert.ok(before.get(id)!.some((x) => x.partition === tp.partition), 'kept an owned partition');
  }
  assert.equal(after.get('c')!.length, 2);
});

test('cooperative-sticky withholds partitions still owned by another member (KIP-429)', () => {
  const members = [member('a', ['t'], { t: [0, 1, 2, 3] }), member('b', ['t'])];
  const first = cooperativeStickyAssignor.assign(new Map([['t', 4]]), members);
  assert.equal(first.get('a')!.length, 2);
  assert.deepEqual(first.get('b'), [], 'b waits until a has revoked');
  const second = cooperativeStickyAssignor.assign(new Map([['t', 4]]), [
    member('a', ['t'], { t: first.get('a')!.map((tp) => tp.partition) }), member('b', ['t']),
  ]);
  assert.equal(second.get('b')!.length, 2);
});

test('every assignor: each subscribed partition exactly once, balanced within one for equal subscriptions', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 12 }), (m, p0, p1) => {
    const members = Array.from({ length: m }, (_, i) => member(`m${i}`, ['x', 'y']));
    for (const a of Object.values(assignors)) {
      if (a.name === 'cooperative-sticky') continue; // nothing owned: same as sticky
      const out = a.assign(new Map([['x', p0], ['y', p1]]), members);
      const all = [...out.values()].flat();
      assert.equal(all.length, p0 + p1, a.name);
      assert.equal(new Set(names(all)).size, p0 + p1, a.name);
      if (a.name !== 'range') {
        const counts = [...out.values()].map((l) => l.length);
        assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${a.name} balanced`);
      }
    }
  }), { numRuns: 200 });
});

test('consumer protocol bytes round-trip in Kafka\'s layout (version first) and read newer versions', () => {
  const sub = { topics: ['a', 'b'], userData: Buffer.from([1, 2]), ownedPartitions: [{ topic: 'a', partitions: [0, 2] }], generationId: 7, rackId: 'r1' };
  const bytes = encodeSubscription(sub);
  assert.equal(bytes.readInt16BE(0), 3);
  assert.deepEqual(decodeSubscription(bytes), sub);
  // A v0 subscription (topics + userData only), as old clients send.
  const v0 = encodeSubscription({ ...sub, ownedPartitions: [], generationId: -1, rackId: null }, 0);
  assert.deepEqual(decodeSubscription(v0).topics, ['a', 'b']);
  const newer = Buffer.concat([encodeSubscription(sub), Buffer.from([9, 9, 9])]);
  newer.writeInt16BE(4, 0);
  assert.deepEqual(decodeSubscription(newer).topics, ['a', 'b']);
  const asg = { assignedPartitions: [{ topic: 'a', partitions: [1] }], userData: null };
  assert.deepEqual(decodeAssignment(encodeAssignment(asg)), asg);
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { assignedPartitions: [], userData: null });
});
