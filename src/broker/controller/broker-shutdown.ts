/**
 * The stopping broker's half of ControlledShutdown (Kafka's KafkaServer.controlledShutdown):
 * before it stops serving, the broker asks the controller to move the leadership of its
 * partitions to other ISR members and to take it out of the ISRs it is in, so that clients get
 * NOT_LEADER_OR_FOLLOWER and move on at once instead of waiting for its session to expire.
 *
 * Where the request goes: to this broker's own controller when it is the controller, to the
 * controller's metadata service when that runs in this process (embedded clusters, `gregor dev`),
 * otherwise over the network to the controller named in the keeper, with Gregor's client
 * connection. Up to `controlled.shutdown.max.retries` attempts, `controlled.shutdown.retry.backoff.ms`
 * apart, each bounded by `requestTimeoutMs`: a broker that cannot reach the controller still
 * stops (Kafka's "proceeding to do an unclean shutdown").
 *
 * Two departures from Kafka, both to avoid waiting for nothing: a broker that is the only live
 * one skips the request (there is nobody to move leadership to), and remaining partitions are
 * retried only while some of them has another live replica (one that could still join the ISR).
 */
import type { Logger } from '../../util/logger.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import { createControlledShutdownRequest } from '../../protocol/generated/controlled-shutdown.js';
import { BrokerConnection } from '../../client/connection.js';
import { inProcessControllerEndpoint } from '../metadata/in-process-channel.js';
import type { BrokerEndpoint, ClusterMetadata, ControlledShutdownResult, LeadershipChange, MetadataService } from '../metadata/metadata-service.js';

/** Kafka's controller.socket.timeout.ms default: how long one attempt may take. */
export const CONTROLLED_SHUTDOWN_REQUEST_TIMEOUT_MS = 30_000;
/** Kafka's socket.connection.setup.timeout.ms default. */
const CONNECT_TIMEOUT_MS = 10_000;
/** How long to wait for this broker's own metadata to show the moves (so produce is refused). */
const LEADERSHIP_SETTLE_TIMEOUT_MS = 5_000;

/** Sends one ControlledShutdown to `controller` and returns its answer; throws when unreachable. */
export type ControlledShutdownSender = (
  controller: BrokerEndpoint, request: { brokerId: number; brokerEpoch: bigint; clusterId: string }, timeoutMs: number,
) => Promise<ControlledShutdownResult>;

export interface ControlledShutdownOptions {
  readonly metadata: MetadataService;
  /** controlled.shutdown.max.retries: attempts in all (Kafka counts them this way). */
  readonly maxRetries: number;
  /** controlled.shutdown.retry.backoff.ms */
  readonly retryBackoffMs: number;
  readonly logger: Logger;
  /** Bound on one attempt (default CONTROLLED_SHUTDOWN_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs?: number;
  /** Replaces the transport to a controller in another process (default: sendOverNetwork). */
  readonly sendRemote?: ControlledShutdownSender;
  /** False: never use the in-process path (tests of the network path inside one process). */
  readonly inProcess?: boolean;
}

export interface ControlledShutdownReport {
  /** The controller answered NONE with nothing remaining (or there was nothing to do). */
  readonly succeeded: boolean;
  /** True when the request was not sent: no other live broker. */
  readonly skipped: boolean;
  readonly attempts: number;
  /** From the last answer: partitions this broker still leads. */
  readonly remainingPartitions: ReadonlyArray<{ readonly topic: string; readonly partition: number }>;
}

export async function controlledShutdown(o: ControlledShutdownOptions): Promise<ControlledShutdownReport> {
  const md = o.metadata;
  const brokerId = md.brokerId;
  const log = o.logger.child({ component: 'controlled-shutdown' });
  const timeoutMs = o.requestTimeoutMs ?? CONTROLLED_SHUTDOWN_REQUEST_TIMEOUT_MS;
  if (![...md.snapshot().brokers.keys()].some((id) => id !== brokerId)) {
    log.info('no other live broker: controlled shutdown skipped');
    return { succeeded: true, skipped: true, attempts: 0, remainingPartitions: [] };
  }
  let remaining: ControlledShutdownResult['remainingPartitions'] = [];
  let attempts = 0;
  let succeeded = false;
  log.info('starting controlled shutdown');
  while (!succeeded && attempts < o.maxRetries) {
    attempts++;
    let retry = true;
    try {
      const result = await withTimeout(sendOnce(o, brokerId, timeoutMs), timeoutMs, 'the controller did not answer');
      remaining = result.remainingPartitions;
      if (result.errorCode !== ErrorCode.NONE) {
        log.info({ attempt: attempts, error: errorInfo(result.errorCode).name }, 'controlled shutdown request failed');
      } else if (remaining.length === 0) {
        succeeded = true;
      } else {
        retry = couldStillMove(md.snapshot(), brokerId, remaining);
        log.info({ attempt: attempts, remaining: remaining.map((p) => `${p.topic}-${p.partition}`), retry }, 'controlled shutdown left partitions this broker still leads');
      }
    } catch (err) {
      log.info({ attempt: attempts, err: (err as Error).message }, 'controlled shutdown request failed');
    }
    if (succeeded || !retry) break;
    if (attempts < o.maxRetries) {
      await new Promise((r) => setTimeout(r, o.retryBackoffMs));
      log.info('retrying controlled shutdown after the previous attempt failed');
    }
  }
  if (succeeded || remaining.length > 0) await settleLeadership(md, brokerId, remaining);
  if (succeeded) log.info({ attempts }, 'controlled shutdown succeeded');
  else log.warn({ attempts }, 'proceeding without a complete controlled shutdown');
  return { succeeded, skipped: false, attempts, remainingPartitions: remaining };
}

/** One request to the current controller, by whichever path reaches it. */
async function sendOnce(o: ControlledShutdownOptions, brokerId: number, timeoutMs: number): Promise<ControlledShutdownResult> {
  const md = o.metadata;
  const snap = md.snapshot();
  const brokerEpoch = md.brokerEpoch;
  if (snap.controllerId < 0) throw new Error('no controller is elected');
  if (o.inProcess !== false) {
    if (snap.controllerId === brokerId && md.controlledShutdown !== undefined) return md.controlledShutdown(brokerId, brokerEpoch);
    const local = inProcessControllerEndpoint(snap.clusterId, snap.controllerId);
    if (local !== undefined) return local.controlledShutdown(brokerId, brokerEpoch);
  }
  const controller = snap.brokers.get(snap.controllerId);
  if (controller === undefined) throw new Error(`controller ${snap.controllerId} is not registered`);
  return (o.sendRemote ?? sendOverNetwork)(controller, { brokerId, brokerEpoch, clusterId: snap.clusterId }, timeoutMs);
}

/** ControlledShutdown over one short-lived client connection (the negotiated version, 3 on Gregor). */
export const sendOverNetwork: ControlledShutdownSender = async (controller, request, timeoutMs) => {
  const connection = new BrokerConnection({
    host: controller.host, port: controller.port, clientId: `broker-${request.brokerId}-controlled-shutdown`,
    connectTimeoutMs: Math.min(CONNECT_TIMEOUT_MS, timeoutMs), requestTimeoutMs: timeoutMs,
  });
  try {
    await connection.connect();
    const res = await connection.request('ControlledShutdown', createControlledShutdownRequest({ brokerId: request.brokerId, brokerEpoch: request.brokerEpoch }));
    return { errorCode: res.errorCode, remainingPartitions: res.remainingPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex })) };
  } finally {
    connection.close();
  }
};

/**
 * Worth another attempt only if a remaining partition has another live replica outside the
 * ISR, which may catch up and join it; with every other replica dead (or in the ISR already and
 * therefore shutting down too, or the controller would have picked it) nothing can change.
 */
function couldStillMove(md: ClusterMetadata, brokerId: number, remaining: ControlledShutdownResult['remainingPartitions']): boolean {
  return remaining.some(({ topic, partition }) => {
    const p = md.topics.get(topic)?.partitions[partition];
    return p !== undefined && p.replicas.some((r) => r !== brokerId && md.brokers.has(r) && !p.isr.includes(r));
  });
}

/**
 * Waits (bounded) until this broker's own metadata shows that it no longer leads what was moved
 * away: from then on its ReplicaManager refuses produce with NOT_LEADER_OR_FOLLOWER. With the
 * controller in this process that is already true when the answer arrives; from another process
 * it comes through the keeper watch on the partition states.
 */
async function settleLeadership(md: MetadataService, brokerId: number, remaining: ControlledShutdownResult['remainingPartitions']): Promise<void> {
  const keep = new Set(remaining.map((p) => `${p.topic}\u0000${p.partition}`));
  const settled = (m: ClusterMetadata): boolean => {
    for (const t of m.topics.values()) {
      for (const p of t.partitions) {
        if (p.leader === brokerId && p.replicas.length > 1 && !t.markedForDeletion && !keep.has(`${t.name}\u0000${p.partition}`)) return false;
      }
    }
    return true;
  };
  await md.waitFor(settled, LEADERSHIP_SETTLE_TIMEOUT_MS);
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * A broker on its way out stops fetching as a follower before it asks the controller, so that no
 * leader lets it back into an ISR it is being taken out of: Kafka's controller refuses such ISR
 * expansions (KIP-841), but Gregor's leaders write their ISRs themselves, so the stopping broker
 * stays away instead. These are the StopReplica (no delete) changes for the partitions it hosts
 * as a follower now; `asStopped` turns later become-follower changes into the same.
 */
export function followerStops(md: ClusterMetadata, brokerId: number, hostedAsFollower: (topic: string, partition: number) => boolean): LeadershipChange[] {
  const out: LeadershipChange[] = [];
  for (const t of md.topics.values()) {
    for (const p of t.partitions) {
      if (!p.replicas.includes(brokerId) || !hostedAsFollower(t.name, p.partition)) continue;
      out.push({ kind: 'stop-replica', topic: t.name, topicId: t.topicId, partition: p.partition, deletePartition: false, controllerEpoch: -1 });
    }
  }
  return out;
}

export function asStopped(changes: readonly LeadershipChange[]): LeadershipChange[] {
  return changes.map((c) => (c.kind === 'become-follower'
    ? { kind: 'stop-replica', topic: c.topic, topicId: c.topicId, partition: c.partition, deletePartition: false, controllerEpoch: c.controllerEpoch }
    : c));
}
