/**
 * Random request sequences against the deterministic core (fast-check): whatever clients send —
 * unknown or recycled member ids, wrong generations, empty or disjoint protocol lists, odd session
 * timeouts, static ids shared between members — the core answers with Kafka error codes and never
 * throws (an exception here would be a coordinator bug that closes the client's connection).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isKnownErrorCode } from '../../../src/protocol/errors.js';
import { ShardDriver } from './shard-driver.js';

const memberIdArb = fc.constantFrom('', 'client-1', 'client-2', 'client-3', 'client-4', 'nobody');
const groupArb = fc.constantFrom('g', 'h', '');
const protocolsArb = fc.array(fc.record({ name: fc.constantFrom('range', 'roundrobin', 'sticky'), metadata: fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)) }), { maxLength: 3 });
const instanceArb = fc.option(fc.constantFrom('i1', 'i2'), { nil: null });

const opArb = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), group: groupArb, memberId: memberIdArb, instance: instanceArb, protocols: protocolsArb, protocolType: fc.constantFrom('consumer', 'connect', ''), session: fc.constantFrom(10, 6000, 10_000, 5_000_000), version: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ kind: fc.constant('sync' as const), group: groupArb, memberId: memberIdArb, instance: instanceArb, generation: fc.integer({ min: -1, max: 4 }), assign: fc.boolean() }),
  fc.record({ kind: fc.constant('heartbeat' as const), group: groupArb, memberId: memberIdArb, instance: instanceArb, generation: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ kind: fc.constant('leave' as const), group: groupArb, memberId: memberIdArb, instance: instanceArb, version: fc.integer({ min: 0, max: 5 }) }),
  fc.record({ kind: fc.constant('commit' as const), group: groupArb, memberId: memberIdArb, instance: instanceArb, generation: fc.integer({ min: -1, max: 4 }) }),
  fc.record({ kind: fc.constant('delete' as const), group: groupArb }),
  fc.record({ kind: fc.constant('time' as const), ms: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ kind: fc.constant('fail-appends' as const), fail: fc.boolean() }),
);

test('random request sequences: only Kafka error codes, no exceptions', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const d = new ShardDriver();
      // Member ids the coordinator hands out are client-<n>; the arbitraries reuse those names.
      const ids: number[] = [];
      for (const op of ops) {
        switch (op.kind) {
          case 'join':
            ids.push(d.send((s, o) => s.joinGroup(o, { groupId: op.group, sessionTimeoutMs: op.session, rebalanceTimeoutMs: 10_000, memberId: op.memberId, groupInstanceId: op.version >= 5 ? op.instance : null, protocolType: op.protocolType, protocols: op.protocols, newMemberId: d.newMemberId() }, d.nowMs), op.version));
            break;
          case 'sync':
            ids.push(d.send((s, o) => s.syncGroup(o, { groupId: op.group, generationId: op.generation, memberId: op.memberId, groupInstanceId: op.instance, protocolType: null, protocolName: null, assignments: op.assign ? [{ memberId: op.memberId, assignment: Buffer.from('a') }] : [] }, d.nowMs)));
            break;
          case 'heartbeat':
            ids.push(d.send((s, o) => s.heartbeat(o, { groupId: op.group, generationId: op.generation, memberId: op.memberId, groupInstanceId: op.instance }, d.nowMs)));
            break;
          case 'leave':
            ids.push(d.send((s, o) => s.leaveGroup(o, { groupId: op.group, memberId: op.memberId, members: [{ memberId: op.memberId, groupInstanceId: op.instance, reason: null }] }, d.nowMs), op.version));
            break;
          case 'commit':
            ids.push(d.send((s, o) => s.commitOffsets(o, { groupId: op.group, generationId: op.generation, memberId: op.memberId, groupInstanceId: op.instance, retentionTimeMs: -1n, topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: null, errorCode: 0 }] }] }, d.nowMs)));
            break;
          case 'delete':
            ids.push(d.send((s, o) => s.deleteGroups(o, [op.group], d.nowMs)));
            break;
          case 'time':
            d.advance(op.ms);
            break;
          case 'fail-appends':
            d.failAppendsWith = op.fail ? 15 : 0;
            break;
        }
        for (const g of ['g', 'h']) {
          d.shard.describeGroup(g);
          d.shard.fetchOffsets(g, null, false);
        }
        d.shard.listGroups();
      }
      d.advance(60_000);
      for (const id of ids) {
        const r = d.reply<{ errorCode?: number }>(id);
        if (r !== undefined && r.errorCode !== undefined) assert.ok(isKnownErrorCode(r.errorCode), `unknown error code ${r.errorCode}`);
      }
    }),
    { numRuns: 300, seed: 20261122 },
  );
});
