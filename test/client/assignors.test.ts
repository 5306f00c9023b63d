import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assignors, cooperativeStickyAssignor, rangeAssignor, resolveOwnership, roundRobinAssignor, stickyAssign, stickyAssignor, type AssignorMember } from '../../src/client/consumer/assignors.js';
import { decodeStickyUserData, encodeStickyUserData } from '../../src/client/consumer/sticky-user-data.js';
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

test('members are ordered as Kafka\'s MemberInfo: static members (by group.instance.id) before dynamic ones (by member id)', () => {
  const staticMember = (memberId: string, instanceId: string): AssignorMember => ({ ...member(memberId, ['t']), groupInstanceId: instanceId });
  // 'z-static' sorts last by member id but first as the only static member.
  const members = [member('a-dynamic', ['t']), staticMember('z-static', 'instance-1'), member('b-dynamic', ['t'])];
  const range = rangeAssignor.assign(new Map([['t', 4]]), members);
  assert.deepEqual(names(range.get('z-static')!), ['t-0', 't-1']);
  assert.deepEqual(names(range.get('a-dynamic')!), ['t-2']);
  assert.deepEqual(names(range.get('b-dynamic')!), ['t-3']);
  const rr = roundRobinAssignor.assign(new Map([['t', 3]]), members);
  assert.deepEqual(names(rr.get('z-static')!), ['t-0']);
  assert.deepEqual(names(rr.get('a-dynamic')!), ['t-1']);
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

test('ownership claims: the highest generation wins, a tie at the highest generation leaves the partition unowned', () => {
  const tps = [0, 1, 2, 3].map((partition) => ({ topic: 't', partition }));
  const owner = resolveOwnership(tps, [
    member('a', ['t'], { t: [0, 1] }, 5),
    member('b', ['t'], { t: [1, 2] }, 5), // t-1 claimed by a and b in generation 5: nobody's
    member('c', ['t'], { t: [2, 3] }, 4), // t-2: b's generation 5 beats c's 4
    member('d', ['t'], { t: [0, 9] }, -1), // a lost member rejoining claims with -1; t-9 does not exist
  ]);
  assert.deepEqual([...owner].sort(), [['t\u00000', 'a'], ['t\u00002', 'b'], ['t\u00003', 'c']]);
});

test('cooperative-sticky: a stale claim neither keeps a partition nor blocks its new owner', () => {
  // a was a member of generation 7 and owns t-0..t-3; b rejoined after losing its membership and
  // still claims t-0 and t-1 with generation -1. a keeps them; b gets t-2/t-3 only after a revokes them.
  const out = cooperativeStickyAssignor.assign(new Map([['t', 4]]), [member('a', ['t'], { t: [0, 1, 2, 3] }, 7), member('b', ['t'], { t: [0, 1] }, -1)]);
  assert.deepEqual(names(out.get('a')!), ['t-0', 't-1']);
  assert.deepEqual(names(out.get('b')!), []);
  // Both claim t-0 in generation 7 (a double assignment): neither is trusted, so nothing is withheld.
  const tie = cooperativeStickyAssignor.assign(new Map([['t', 2]]), [member('a', ['t'], { t: [0] }, 7), member('b', ['t'], { t: [0, 1] }, 7)]);
  assert.deepEqual([...names(tie.get('a')!), ...names(tie.get('b')!)].sort(), ['t-0', 't-1']);
});

test('sticky (eager) stays sticky through its user data: previous assignment and generation, Java\'s StickyAssignor layout', () => {
  const data = encodeStickyUserData([{ topic: 't', partition: 2 }, { topic: 't', partition: 5 }, { topic: 'u', partition: 0 }], 9);
  // [topics=2]['t' len 1][2 partitions: 2, 5]['u'][1 partition: 0][generation 9]
  assert.equal(data.toString('hex'), '00000002' + '00017400000002' + '0000000200000005' + '0001750000000100000000' + '00000009');
  assert.deepEqual(decodeStickyUserData(data), { previousAssignment: [{ topic: 't', partition: 2 }, { topic: 't', partition: 5 }, { topic: 'u', partition: 0 }], generation: 9 });
  // V0 (no generation) reads with generation -1; garbage is not sticky data.
  assert.deepEqual(decodeStickyUserData(data.subarray(0, data.length - 4))?.generation, -1);
  assert.equal(decodeStickyUserData(Buffer.from([0xff, 0xff, 0xff, 0xff, 1])), null);
  assert.equal(decodeStickyUserData(null), null);
  // Eager members send no ownedPartitions; their user data keeps them on what they had.
  const withData = (id: string, previous: number[], generation: number): AssignorMember => ({
    memberId: id, groupInstanceId: null,
    subscription: { topics: ['t'], generationId: -1, rackId: null, ownedPartitions: [], userData: stickyAssignor.subscriptionUserData!(previous.map((partition) => ({ topic: 't', partition })), generation) },
  });
  const out = stickyAssign(new Map([['t', 6]]), [withData('z', [0, 1, 2, 3, 4, 5], 3), withData('a', [], -1)]);
  assert.deepEqual(names(out.get('z')!), ['t-0', 't-1', 't-2']);
  assert.deepEqual(names(out.get('a')!), ['t-3', 't-4', 't-5']);
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
