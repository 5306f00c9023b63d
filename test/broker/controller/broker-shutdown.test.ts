/**
 * The stopping broker's side of ControlledShutdown against a scripted controller: which answers
 * are retried, how often, and when it gives up (bounded) — no keeper, no sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controlledShutdown, type ControlledShutdownSender } from '../../../src/broker/controller/broker-shutdown.js';
import type { BrokerEndpoint, ClusterMetadata, ControlledShutdownResult, MetadataService, PartitionMetadata, TopicMetadata } from '../../../src/broker/metadata/metadata-service.js';
import { ErrorCode } from '../../../src/protocol/errors.js';
import { quietLogger } from './metadata-service.shared.js';

const endpoint = (id: number): BrokerEndpoint => ({ id, host: '127.0.0.1', port: 9000 + id, rack: null });

function cluster(live: number[], partitions: Array<Pick<PartitionMetadata, 'leader' | 'replicas' | 'isr'>>, controllerId = 2): ClusterMetadata {
  const topic: TopicMetadata = {
    name: 't', topicId: Buffer.alloc(16, 1), isInternal: false, configs: {}, markedForDeletion: false,
    partitions: partitions.map((p, i) => ({ partition: i, leaderEpoch: 0, offlineReplicas: [], partitionEpoch: 0, ...p })),
  };
  return {
    clusterId: 'c', controllerId, brokers: new Map(live.map((id) => [id, endpoint(id)])), topics: new Map([['t', topic]]),
    topicsById: new Map(), brokerConfigs: new Map(),
  };
}

/** Just what the broker's side reads: its id, epoch, metadata; waitFor answers from the snapshot. */
function metadataOf(md: ClusterMetadata): MetadataService {
  return {
    brokerId: 1, brokerEpoch: 42n, snapshot: () => md,
    waitFor: async (predicate: (m: ClusterMetadata) => boolean) => predicate(md),
  } as unknown as MetadataService;
}

function scripted(answers: Array<ControlledShutdownResult | Error>): { send: ControlledShutdownSender; requests: Array<{ brokerId: number; brokerEpoch: bigint; to: number }> } {
  const requests: Array<{ brokerId: number; brokerEpoch: bigint; to: number }> = [];
  return {
    requests,
    send: async (controller, request) => {
      requests.push({ brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, to: controller.id });
      const a = answers[Math.min(requests.length - 1, answers.length - 1)]!;
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

const options = { maxRetries: 3, retryBackoffMs: 1, logger: quietLogger, inProcess: false } as const;

test('success at the first answer; the request carries the broker id and epoch to the controller', async () => {
  const s = scripted([{ errorCode: ErrorCode.NONE, remainingPartitions: [] }]);
  const report = await controlledShutdown({ ...options, metadata: metadataOf(cluster([1, 2], [{ leader: 2, replicas: [1, 2], isr: [2] }])), sendRemote: s.send });
  assert.deepEqual(report, { succeeded: true, skipped: false, attempts: 1, remainingPartitions: [] });
  assert.deepEqual(s.requests, [{ brokerId: 1, brokerEpoch: 42n, to: 2 }]);
});

test('errors and unreachable controllers are retried up to controlled.shutdown.max.retries attempts, then the broker proceeds', async () => {
  const s = scripted([new Error('ECONNREFUSED'), { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] }, { errorCode: ErrorCode.NONE, remainingPartitions: [] }]);
  const md = metadataOf(cluster([1, 2], []));
  assert.deepEqual(await controlledShutdown({ ...options, metadata: md, sendRemote: s.send }), { succeeded: true, skipped: false, attempts: 3, remainingPartitions: [] });
  const never = scripted([new Error('ECONNREFUSED')]);
  const report = await controlledShutdown({ ...options, maxRetries: 2, metadata: md, sendRemote: never.send });
  assert.deepEqual([report.succeeded, report.attempts, never.requests.length], [false, 2, 2]);
  const none = scripted([new Error('unused')]);
  assert.deepEqual((await controlledShutdown({ ...options, maxRetries: 0, metadata: md, sendRemote: none.send })).attempts, 0, 'max.retries=0: no attempt');
  // a controller that never answers is bounded by the request timeout
  const hang: ControlledShutdownSender = () => new Promise(() => undefined);
  const hung = await controlledShutdown({ ...options, maxRetries: 2, requestTimeoutMs: 20, metadata: md, sendRemote: hang });
  assert.deepEqual([hung.succeeded, hung.attempts], [false, 2]);
  // no controller elected: nothing is sent, every attempt fails
  const noController = scripted([{ errorCode: ErrorCode.NONE, remainingPartitions: [] }]);
  const orphan = await controlledShutdown({ ...options, metadata: metadataOf(cluster([1, 2], [], -1)), sendRemote: noController.send });
  assert.deepEqual([orphan.succeeded, orphan.attempts, noController.requests.length], [false, 3, 0]);
});

test('remaining partitions are retried only while another live replica could still join the ISR', async () => {
  const remaining = { errorCode: ErrorCode.NONE, remainingPartitions: [{ topic: 't', partition: 0 }] };
  // broker 3 is live and out of the ISR: it may catch up, so ask again (Kafka retries)
  const catchUp = scripted([remaining, remaining, { errorCode: ErrorCode.NONE, remainingPartitions: [] }]);
  const a = await controlledShutdown({ ...options, metadata: metadataOf(cluster([1, 2, 3], [{ leader: 1, replicas: [1, 3], isr: [1] }])), sendRemote: catchUp.send });
  assert.deepEqual([a.succeeded, a.attempts], [true, 3]);
  // the other replica is dead: nobody can take over, asking again changes nothing
  const dead = scripted([remaining]);
  const b = await controlledShutdown({ ...options, metadata: metadataOf(cluster([1, 2], [{ leader: 1, replicas: [1, 3], isr: [1] }])), sendRemote: dead.send });
  assert.deepEqual([b.succeeded, b.attempts, b.remainingPartitions], [false, 1, [{ topic: 't', partition: 0 }]]);
});

test('the only live broker skips the request', async () => {
  const s = scripted([{ errorCode: ErrorCode.NONE, remainingPartitions: [] }]);
  const report = await controlledShutdown({ ...options, metadata: metadataOf(cluster([1], [{ leader: 1, replicas: [1, 2], isr: [1] }], 1)), sendRemote: s.send });
  assert.deepEqual(report, { succeeded: true, skipped: true, attempts: 0, remainingPartitions: [] });
  assert.equal(s.requests.length, 0);
});
