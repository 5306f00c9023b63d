/**
 * Flume's KafkaSink (`type = org.apache.flume.sink.kafka.KafkaSink`, or `kafka`): takes up to
 * flumeBatchSize events in one channel transaction, sends them with Gregor's producer, and
 * commits the take only after every record is acknowledged; if any record fails the transaction
 * rolls back (the events will be sent again: at-least-once), the producer is replaced, and the
 * failure goes to the sink runner, which backs off.
 *
 * Keys (Flume's): kafka.bootstrap.servers (required), kafka.topic (default-flume-topic; may hold
 * %{header} placeholders), flumeBatchSize (100), allowTopicOverride (true) with topicHeader
 * (topic), the `key` header as the record key, partitionIdHeader / defaultPartitionId,
 * timestampHeader, header.NAME = kafkaHeader (copy Flume header NAME into Kafka header
 * kafkaHeader), kafka.producer.* (any producer property). Flume 1.6's brokerList, topic,
 * batchSize and requiredAcks are accepted as the deprecated names they are.
 *
 * One deliberate difference: acks defaults to all (idempotent producer), where Flume defaults
 * to acks=1 — an agent that promises at-least-once should not lose a batch to a leader change.
 * Set kafka.producer.acks = 1 for Flume's behaviour.
 */
import { Producer, type ProducerRecord } from '../../client/producer/producer.js';
import type { ProducerConfig } from '../../client/producer/config.js';
import type { Logger } from '../../util/logger.js';
import type { Channel } from '../channels/channel.js';
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';
import { headerOf, type AgentEvent } from '../event.js';
import { sinkCounter, type SinkCounter } from '../monitoring/counters.js';
import { producerPropsFromContext } from './kafka-producer-props.js';
import { EventDeliveryException, SinkStatus, takeBatch, type Sink } from './sink.js';

export interface KafkaSinkConfig {
  producer: ProducerConfig;
  topic: string;
  batchSize: number;
  allowTopicOverride: boolean;
  topicHeader: string;
  partitionIdHeader: string | undefined;
  defaultPartitionId: number | undefined;
  timestampHeader: string | undefined;
  /** Flume header name -> Kafka header name. */
  headerMap: Map<string, string>;
}

export function kafkaSinkConfig(ctx: Context, warn: (msg: string) => void): KafkaSinkConfig {
  const deprecated = (old: string, now: string): string | undefined => {
    const v = ctx.string(old);
    if (v !== undefined) warn(`${ctx.keyOf(old)} is deprecated. Please use the parameter ${ctx.keyOf(now)}`);
    return v;
  };
  const producer: Partial<ProducerConfig> = { acks: 'all', clientId: `flume-${ctx.prefix.split('.')[2] ?? 'sink'}` };
  const oldAcks = deprecated('requiredAcks', 'kafka.producer.acks');
  if (oldAcks !== undefined) {
    if (!['all', '-1', '0', '1'].includes(oldAcks)) throw new AgentConfigError(ctx.keyOf('requiredAcks'), `'${oldAcks}' is not one of all, -1, 0, 1`);
    producer.acks = oldAcks === 'all' ? 'all' : (Number(oldAcks) as 0 | 1 | -1);
  }
  producerPropsFromContext(ctx.sub('kafka.producer'), producer);
  const servers = ctx.string('kafka.bootstrap.servers') ?? deprecated('brokerList', 'kafka.bootstrap.servers');
  if (servers === undefined || servers === '') throw new AgentConfigError(ctx.keyOf('kafka.bootstrap.servers'), 'is required');
  producer.bootstrapServers = servers;
  const headerMap = new Map<string, string>();
  const hc = ctx.sub('header');
  for (const k of hc.keys()) headerMap.set(k, hc.string(k)!);
  if (ctx.boolean('useFlumeEventFormat', false)) {
    throw new AgentConfigError(ctx.keyOf('useFlumeEventFormat'), 'the Avro Flume event format is not supported; use header.NAME to carry headers as Kafka headers');
  }
  const batch = ctx.has('flumeBatchSize') ? ctx.integer('flumeBatchSize', 100, 1) : ctx.has('batchSize') ? (deprecated('batchSize', 'flumeBatchSize'), ctx.integer('batchSize', 100, 1)) : 100;
  const defaultPartition = ctx.string('defaultPartitionId');
  return {
    producer: producer as ProducerConfig,
    topic: ctx.string('kafka.topic') ?? deprecated('topic', 'kafka.topic') ?? 'default-flume-topic',
    batchSize: batch,
    allowTopicOverride: ctx.boolean('allowTopicOverride', true),
    topicHeader: ctx.string('topicHeader', 'topic'),
    partitionIdHeader: ctx.string('partitionIdHeader'),
    defaultPartitionId: defaultPartition === undefined ? undefined : ctx.integer('defaultPartitionId', 0, 0),
    timestampHeader: ctx.string('timestampHeader'),
    headerMap,
  };
}

export class KafkaSink implements Sink {
  readonly counter: SinkCounter;
  private producer: Producer | null = null;
  /** Resolves when stop() begins: a batch waiting for acknowledgements gives up and rolls back. */
  private stopping: Promise<void> = new Promise(() => undefined);
  private signalStop: () => void = () => undefined;

  constructor(readonly name: string, readonly config: KafkaSinkConfig, readonly channel: Channel, private readonly logger: Logger) {
    this.counter = sinkCounter(name);
  }

  async start(): Promise<void> {
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
    this.counter.start(Date.now());
    this.ensureProducer();
  }

  /** Called by the runner before it waits for process() to return. */
  interrupt(): void {
    this.signalStop();
  }

  async stop(): Promise<void> {
    this.signalStop();
    await this.closeProducer();
    this.counter.stop(Date.now());
  }

  async process(): Promise<SinkStatus> {
    const tx = this.channel.transaction();
    let events: AgentEvent[];
    try {
      events = takeBatch(tx, this.config.batchSize);
    } catch (err) {
      this.counter.add('ChannelReadFail');
      await tx.rollback();
      throw new EventDeliveryException(`Failed to take events from channel ${this.channel.name}`, { cause: err });
    }
    if (events.length === 0) {
      await tx.commit();
      this.counter.add('BatchEmptyCount');
      return SinkStatus.BACKOFF;
    }
    this.counter.add('EventDrainAttemptCount', events.length);
    const started = performance.now();
    const producer = this.ensureProducer();
    let failure: unknown;
    try {
      const stopped = this.stopping.then(() => new EventDeliveryException('the sink is stopping'));
      failure = await Promise.race([this.sendAll(producer, events), stopped]);
    } catch (err) {
      failure = err;
    }
    if (failure !== null) {
      await tx.rollback();
      this.counter.add('EventWriteFail');
      this.counter.add('RollbackCount');
      this.counter.add('ConnectionFailedCount');
      // A producer whose sends failed may be stuck (e.g. failed InitProducerId): start afresh.
      await this.closeProducer();
      throw new EventDeliveryException(`Failed to publish events: ${(failure as Error)?.message ?? String(failure)}`, { cause: failure });
    }
    await tx.commit();
    this.counter.add('KafkaEventSendTimer', Math.round(performance.now() - started));
    this.counter.add('EventDrainSuccessCount', events.length);
    this.counter.add(events.length === this.config.batchSize ? 'BatchCompleteCount' : 'BatchUnderflowCount');
    return SinkStatus.READY;
  }

  /**
   * Appends every record (waiting for buffer space in order) and resolves once each has its
   * outcome, with the first failure or null: one callback per record instead of one promise,
   * the cheaper path at thousands of events per batch.
   */
  private sendAll(producer: Producer, events: AgentEvent[]): Promise<unknown> {
    return new Promise((resolve) => {
      let pending = events.length;
      let firstError: unknown = null;
      const settle = (err: unknown): void => {
        if (err !== null && firstError === null) firstError = err;
        if (--pending === 0) resolve(firstError);
      };
      void (async () => {
        for (let i = 0; i < events.length; i++) {
          try {
            await producer.enqueue(this.toRecord(events[i]!), (err) => settle(err));
          } catch (err) {
            // Not appended (closed, buffer exhausted after max.block.ms): it and the rest fail now.
            for (let j = i; j < events.length; j++) settle(err);
            return;
          }
        }
      })();
    });
  }

  toRecord(e: AgentEvent): ProducerRecord {
    const c = this.config;
    const override = c.allowTopicOverride ? headerOf(e.headers, c.topicHeader) : undefined;
    const topic = override !== undefined && override !== '' ? override : c.topic.replace(/%\{([^}]+)\}/g, (_, h: string) => headerOf(e.headers, h) ?? '');
    const record: ProducerRecord = { topic, key: e.headers.key ?? null, value: e.body };
    const pid = c.partitionIdHeader !== undefined ? headerOf(e.headers, c.partitionIdHeader) : undefined;
    if (pid !== undefined && /^\d+$/.test(pid)) record.partition = Number(pid);
    else if (c.defaultPartitionId !== undefined) record.partition = c.defaultPartitionId;
    const ts = c.timestampHeader !== undefined ? headerOf(e.headers, c.timestampHeader) : undefined;
    if (ts !== undefined && /^\d+$/.test(ts)) record.timestamp = Number(ts);
    if (c.headerMap.size > 0) {
      const headers: [string, string][] = [];
      for (const [flume, kafka] of c.headerMap) {
        const v = headerOf(e.headers, flume);
        if (v !== undefined) headers.push([kafka, v]);
      }
      record.headers = headers;
    }
    return record;
  }

  private ensureProducer(): Producer {
    if (this.producer === null) {
      this.producer = new Producer(this.config.producer);
      this.counter.add('ConnectionCreatedCount');
    }
    return this.producer;
  }

  private async closeProducer(): Promise<void> {
    const p = this.producer;
    this.producer = null;
    if (p === null) return;
    this.counter.add('ConnectionClosedCount');
    await p.close({ timeoutMs: 0 }).catch((err: unknown) => this.logger.warn({ sink: this.name, err }, 'Error closing the Kafka producer'));
  }
}
