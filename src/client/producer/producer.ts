/**
 * The producer (Kafka's KafkaProducer): records are partitioned, appended to the accumulator
 * (waiting for buffer.memory up to max.block.ms), and the sender drains ready batches into one
 * Produce request per leader, at most max.in.flight.requests.per.connection per broker.
 *
 * Idempotence (default): an InitProducerId gives the producer id and epoch; each partition's
 * batches get consecutive sequence numbers when first drained and keep them (and their bytes)
 * across retries. Ordering across retries with up to 5 in flight is kept as the Java client
 * keeps it: a failed batch returns to the front of its partition queue, in sequence order, and
 * a partition with a retried batch at its head sends nothing until all its in-flight batches
 * have answered — so the broker sees the sequences again in order. OUT_OF_ORDER_SEQUENCE_NUMBER
 * on a batch behind a retried one is retried too; DUPLICATE_SEQUENCE_NUMBER means the broker
 * already has the batch.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { createInitProducerIdRequest } from '../../protocol/generated/init-producer-id.js';
import type { ProduceResponse } from '../../protocol/generated/produce.js';
import { encodeRecordBatch, type RecordInput } from '../../protocol/records/batch.js';
import type { RecordHeader } from '../../protocol/records/record.js';
import { KafkaCluster, METADATA_STALE_ERRORS, isRetriable, type TopicMetadata } from '../cluster.js';
import { backoffMs } from '../config.js';
import { ClientError } from '../errors.js';
import { DefaultPartitioner, type Partitioner } from '../partitioner.js';
import { tpKey } from '../offsets.js';
import { BufferPool, PartitionQueue, ProducerBatch, estimateRecordBytes, type DeliveryCallback, type RecordMetadata } from './accumulator.js';
import { resolveProducerConfig, type ProducerConfig, type ResolvedProducerConfig } from './config.js';

export type { RecordMetadata, DeliveryCallback } from './accumulator.js';

export type HeaderValue = Buffer | string | null;

export interface ProducerRecord {
  topic: string;
  /** Explicit partition; otherwise the partitioner decides. */
  partition?: number;
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, HeaderValue> | [string, HeaderValue][];
  /** CreateTime in ms since the epoch (default: now). */
  timestamp?: number | bigint;
}

export interface SendOptions {
  signal?: AbortSignal;
}

const RESOLVED: Promise<void> = Promise.resolve();

function toBuffer(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

const NO_HEADERS: RecordHeader[] = [];

/** A record whose partition the partitioner picks without a key (sticky). */
function isSticky(record: ProducerRecord, key: Buffer | null): boolean {
  return record.partition === undefined && key === null;
}

function toHeaders(h: ProducerRecord['headers']): RecordHeader[] {
  if (h === undefined) return NO_HEADERS;
  const entries = Array.isArray(h) ? h : Object.entries(h);
  return entries.map(([key, value]) => ({ key, value: toBuffer(value) }));
}

/** Counters in the spirit of the Java producer's metrics (record-send-total, record-retry-total, ...). */
export interface ProducerMetrics {
  recordsSent: number;
  batchesSent: number;
  requestsSent: number;
  retries: number;
  /** Retries by cause: a Kafka error name, or the client error code for lost connections and timeouts. */
  retriesByCause: Record<string, number>;
  recordErrors: number;
  /** New producer ids taken after the broker lost our sequences (UNKNOWN_PRODUCER_ID, OUT_OF_ORDER_SEQUENCE_NUMBER). */
  producerIdResets: number;
  bufferedBytes: number;
}

interface Producing {
  batches: ProducerBatch[];
  leader: number;
}

export class Producer {
  readonly cluster: KafkaCluster;
  private readonly config: ResolvedProducerConfig;
  private readonly partitioner: Partitioner;
  private readonly pool: BufferPool;
  private readonly queues = new Map<string, PartitionQueue>();
  private readonly inFlightByNode = new Map<number, number>();
  private readonly incomplete = new Set<ProducerBatch>();
  /** Records accepted by enqueue() still waiting for metadata or buffer space (in no batch yet). */
  private readonly appending = new Set<Promise<void>>();
  private producerId = -1n;
  private producerEpoch = -1;
  private initializing: Promise<void> | null = null;
  private drainScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private flushing = 0;
  private closed = false;
  private fatal: Error | null = null;
  private readonly counters = { recordsSent: 0, batchesSent: 0, requestsSent: 0, retries: 0, recordErrors: 0, producerIdResets: 0 };
  private readonly retriesByCause: Record<string, number> = {};

  constructor(config: ProducerConfig) {
    this.config = resolveProducerConfig(config);
    // `retries` bounds a batch's retries (below); metadata and InitProducerId keep their own
    // bounded retries (Java bounds those by max.block.ms, not by retries).
    this.cluster = new KafkaCluster({ ...config, retries: 10 });
    // The Java producer's metadata requests always allow auto topic creation (the broker decides).
    this.cluster.allowAutoTopicCreation = true;
    this.partitioner = config.partitioner ?? new DefaultPartitioner();
    this.pool = new BufferPool(this.config.bufferMemory);
  }

  get idempotent(): boolean {
    return this.config.idempotent;
  }

  /** Bytes of buffer.memory in use (records not yet acknowledged). */
  get bufferedBytes(): number {
    return this.pool.usedBytes;
  }

  metrics(): ProducerMetrics {
    return { ...this.counters, retriesByCause: { ...this.retriesByCause }, bufferedBytes: this.pool.usedBytes };
  }

  /** Sends one record and resolves when the broker has acknowledged it (per acks). */
  send(record: ProducerRecord, options: SendOptions = {}): Promise<RecordMetadata> {
    return new Promise((resolve, reject) => {
      this.enqueue(record, (err, md) => (err !== null ? reject(err) : resolve(md!)), options).catch(reject);
    });
  }

  /**
   * Appends a record and resolves once it is in the buffer (waiting for buffer.memory space up to
   * max.block.ms: the back-pressure point). The outcome goes to `callback`.
   */
  enqueue(record: ProducerRecord, callback?: DeliveryCallback, options: SendOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new ClientError('GREGOR_ERR_CLOSED', 'producer is closed'));
    if (this.fatal !== null) return Promise.reject(this.fatal);
    const input: RecordInput = {
      key: toBuffer(record.key),
      value: toBuffer(record.value),
      headers: toHeaders(record.headers),
      timestamp: record.timestamp === undefined ? BigInt(Date.now()) : BigInt(record.timestamp),
    };
    const bytes = estimateRecordBytes(input);
    if (bytes + 61 > this.config.maxRequestSize) {
      return Promise.reject(new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `record of ${bytes} bytes exceeds max.request.size ${this.config.maxRequestSize}`));
    }
    let wait: Promise<void> | null;
    try {
      wait = this.pool.reserve(bytes, this.config.maxBlockMs, options.signal);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    // Fast path (buffer space and metadata at hand): append now, no extra ticks per record.
    if (wait === null) {
      const partition = this.cachedPartition(record, input.key);
      if (partition !== null) {
        this.append(record.topic, partition, input, bytes, callback, isSticky(record, input.key));
        return RESOLVED;
      }
    } else {
      this.scheduleDrain(); // a waiting appender makes every batch ready (Java: "exhausted")
    }
    const slow = this.enqueueSlow(record, input, bytes, wait, callback, options);
    this.appending.add(slow);
    const settled = (): void => void this.appending.delete(slow);
    slow.then(settled, settled);
    return slow;
  }

  private async enqueueSlow(record: ProducerRecord, input: RecordInput, bytes: number, wait: Promise<void> | null, callback: DeliveryCallback | undefined, options: SendOptions): Promise<void> {
    const startedMs = performance.now();
    if (wait !== null) await wait;
    let partition: number;
    try {
      // Java's send(): waiting for buffer space and for the topic's metadata share max.block.ms.
      partition = await this.choosePartition(record, input.key, options.signal, this.config.maxBlockMs - (performance.now() - startedMs));
    } catch (err) {
      this.pool.release(bytes);
      throw err;
    }
    this.append(record.topic, partition, input, bytes, callback, isSticky(record, input.key));
  }

  /** The partition from cached metadata, or null when the topic is not cached yet (or the partition is invalid). */
  private cachedPartition(record: ProducerRecord, key: Buffer | null): number | null {
    const topic = this.cluster.current.topics.get(record.topic);
    if (topic === undefined || topic.errorCode !== 0 || topic.partitions.length === 0) return null;
    const n = topic.partitions.length;
    if (record.partition !== undefined) {
      return Number.isInteger(record.partition) && record.partition >= 0 && record.partition < n ? record.partition : null;
    }
    return this.partitioner.partition(record.topic, key, n);
  }

  private async choosePartition(record: ProducerRecord, key: Buffer | null, signal: AbortSignal | undefined, maxBlockMs: number): Promise<number> {
    const cached = this.cluster.current.topics.get(record.topic);
    const topic = cached !== undefined && cached.errorCode === 0 && cached.partitions.length > 0
      ? cached
      : await this.waitOnMetadata(record.topic, signal, maxBlockMs);
    const n = topic.partitions.length;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= n) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${record.partition} of ${record.topic} (${n} partitions)`);
      }
      return record.partition;
    }
    return this.partitioner.partition(record.topic, key, n);
  }

  /**
   * Java's waitOnMetadata: asks for the topic until it is known (an unknown topic may be created
   * meanwhile, by auto-creation or an administrator) or max.block.ms has passed, then fails with
   * Java's "Topic t not present in metadata after N ms." A topic error that retrying cannot cure
   * (TOPIC_AUTHORIZATION_FAILED, INVALID_TOPIC_EXCEPTION) fails at once.
   */
  private async waitOnMetadata(topic: string, signal: AbortSignal | undefined, maxBlockMs: number): Promise<TopicMetadata> {
    const timeout = AbortSignal.timeout(Math.max(0, Math.floor(maxBlockMs)));
    try {
      return await this.cluster.topic(topic, { signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]), retries: Number.MAX_SAFE_INTEGER });
    } catch (err) {
      if (timeout.aborted && signal?.aborted !== true) {
        throw new ClientError('GREGOR_ERR_REQUEST_TIMEOUT', `Topic ${topic} not present in metadata after ${this.config.maxBlockMs} ms.`, { cause: err, retriable: true });
      }
      throw err;
    }
  }

  /**
   * `sticky`: the partitioner chose the partition without a key; `redirected`: the second append of
   * KIP-480 (no new-batch notification then, as Java's abortOnNewBatch=false).
   */
  private append(topic: string, partition: number, input: RecordInput, bytes: number, callback: DeliveryCallback | undefined, sticky = false, redirected = false): void {
    const key = tpKey(topic, partition);
    let q = this.queues.get(key);
    if (q === undefined) {
      q = new PartitionQueue(topic, partition);
      this.queues.set(key, q);
    }
    const last = q.batches[q.batches.length - 1];
    if (last === undefined || !last.tryAppend(input, bytes, callback, this.config.batchSize)) {
      const n = this.cluster.current.topics.get(topic)?.partitions.length ?? 1;
      if (last !== undefined && sticky && this.partitioner.onNewBatch !== undefined) {
        // KIP-480: a full batch on the sticky partition moves the sticky partition first, and the
        // record goes to the new one (Java's abortOnNewBatch), rather than opening a small batch here.
        this.partitioner.onNewBatch(topic, n, partition);
        const next = this.partitioner.partition(topic, null, n);
        if (next !== partition) {
          this.scheduleDrain(); // the full batch left behind is ready
          this.append(topic, next, input, bytes, callback, false, true);
          return;
        }
      } else if (last !== undefined && !redirected) {
        this.partitioner.onNewBatch?.(topic, n, partition);
      }
      const batch = new ProducerBatch(topic, partition, performance.now());
      batch.tryAppend(input, bytes, callback, this.config.batchSize);
      q.batches.push(batch);
      this.incomplete.add(batch);
      void batch.completion.then(() => {
        this.incomplete.delete(batch);
        this.pool.release(batch.bytes - 61);
      });
    }
    const head = q.batches[0]!;
    if (q.batches.length > 1 || head.bytes >= this.config.batchSize || this.config.lingerMs === 0) this.scheduleDrain();
    else this.armLinger();
  }

  private retryTimer(delayMs: number): void {
    setTimeout(() => this.scheduleDrain(), Math.max(1, Math.ceil(delayMs))).unref();
  }

  private armLinger(): void {
    if (this.lingerTimer !== null) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.scheduleDrain();
    }, this.config.lingerMs);
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private isReady(batch: ProducerBatch, q: PartitionQueue, nowMs: number): boolean {
    return q.batches.length > 1 || batch.bytes >= this.config.batchSize || nowMs - batch.createdMs >= this.config.lingerMs
      || this.flushing > 0 || this.closed || this.pool.waiting > 0 || batch.encoded !== null;
  }

  /** Collects ready batches per leader and sends one Produce request per leader. */
  private drain(): void {
    if (this.fatal !== null || this.closedHard) return;
    if (this.resetProducerIdNeeded) {
      // Wait for every in-flight request, then start over with a new producer id (sequences at 0).
      for (const n of this.inFlightByNode.values()) if (n > 0) return;
      this.resetProducerId();
    }
    if (this.config.idempotent && this.producerId < 0n) {
      void this.initProducerId();
      return;
    }
    const nowMs = performance.now();
    const requests = new Map<number, Producing & { bytes: number }>();
    let lingering = false;
    let needMetadata = false;
    for (const q of this.queues.values()) {
      const batch = q.batches[0];
      if (batch === undefined) continue;
      if (!this.isReady(batch, q, nowMs)) {
        lingering = true;
        continue;
      }
      // A retried batch waits for everything of its partition in flight (ordering).
      if (batch.encoded !== null && q.inFlight > 0) continue;
      if (this.expire(batch, q, nowMs)) continue;
      if (batch.notBeforeMs > nowMs) {
        this.retryTimer(batch.notBeforeMs - nowMs);
        continue;
      }
      const leader = this.cluster.leaderOf(q.topic, q.partition);
      if (leader < 0) {
        needMetadata = true;
        continue;
      }
      let req = requests.get(leader);
      const nodeInFlight = this.inFlightByNode.get(leader) ?? 0;
      if (req === undefined) {
        if (nodeInFlight >= this.config.maxInFlight) continue;
        req = { batches: [], leader, bytes: 0 };
        requests.set(leader, req);
      }
      if (req.batches.length > 0 && req.bytes + batch.bytes > this.config.maxRequestSize) continue;
      q.batches.shift();
      this.seal(batch, q);
      req.batches.push(batch);
      req.bytes += batch.encoded!.length;
      q.inFlight++;
    }
    for (const req of requests.values()) {
      this.inFlightByNode.set(req.leader, (this.inFlightByNode.get(req.leader) ?? 0) + 1);
      void this.produce(req);
    }
    // Keep draining (a request holds one batch per partition) until max.in.flight is reached.
    if (requests.size > 0) this.scheduleDrain();
    if (needMetadata) void this.cluster.refreshMetadata().catch(() => undefined).then(() => setTimeout(() => this.scheduleDrain(), 50));
    if (lingering) this.armLinger();
  }

  /** Fails a batch that has outlived delivery.timeout.ms. */
  private expire(batch: ProducerBatch, q: PartitionQueue, nowMs: number): boolean {
    if (nowMs - batch.createdMs < this.config.deliveryTimeoutMs) return false;
    q.batches.shift();
    batch.complete(new ClientError('GREGOR_ERR_REQUEST_TIMEOUT', `expiring ${batch.records.length} record(s) for ${q.topic}-${q.partition}: delivery.timeout.ms (${this.config.deliveryTimeoutMs}) passed`), -1n, -1n);
    return true;
  }

  /** Encodes a batch on its first send, with its sequence number when idempotent. */
  private seal(batch: ProducerBatch, q: PartitionQueue): void {
    if (batch.encoded !== null) return;
    if (this.config.idempotent) {
      batch.baseSequence = q.nextSequence;
      q.nextSequence = (q.nextSequence + batch.records.length) % 0x80000000;
    }
    batch.encoded = encodeRecordBatch({
      records: batch.records,
      compression: this.config.compression,
      compressionLevel: this.config.compressionLevel,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: batch.baseSequence,
      initialBytes: batch.bytes + 64,
    });
  }

  private async produce(req: Producing): Promise<void> {
    const byTopic = new Map<string, ProducerBatch[]>();
    for (const b of req.batches) byTopic.set(b.topic, [...(byTopic.get(b.topic) ?? []), b]);
    const body = {
      transactionalId: null,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...byTopic].map(([name, batches]) => ({
        name,
        partitionData: batches.map((b) => ({ index: b.partition, records: b.encoded })),
      })),
    };
    let res: ProduceResponse | undefined;
    let failure: Error | null = null;
    this.counters.requestsSent++;
    try {
      const conn = await this.cluster.connectionTo(req.leader);
      res = await conn.request('Produce', body, { expectResponse: this.config.acks !== 0 });
    } catch (err) {
      failure = err as Error;
    }
    this.inFlightByNode.set(req.leader, (this.inFlightByNode.get(req.leader) ?? 1) - 1);
    const outcomes = new Map<ProducerBatch, { errorCode: number; baseOffset: bigint; logAppendTimeMs: bigint; message: string | null }>();
    if (res !== undefined) {
      for (const t of res.responses) {
        for (const p of t.partitionResponses) {
          const b = req.batches.find((x) => x.topic === t.name && x.partition === p.index);
          if (b !== undefined) outcomes.set(b, { errorCode: p.errorCode, baseOffset: p.baseOffset, logAppendTimeMs: p.logAppendTimeMs, message: p.errorMessage });
        }
      }
    }
    let refresh = false;
    // Handle in sequence order so that retried batches re-enter their queues in order.
    for (const b of [...req.batches].sort((x, y) => x.baseSequence - y.baseSequence)) {
      const q = this.queues.get(tpKey(b.topic, b.partition))!;
      q.inFlight--;
      if (failure !== null) {
        refresh = true;
        this.retryOrFail(b, q, failure);
        continue;
      }
      if (this.config.acks === 0) {
        this.succeeded(b, -1n, -1n);
        continue;
      }
      const o = outcomes.get(b) ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, baseOffset: -1n, logAppendTimeMs: -1n, message: 'no response for partition' };
      if (o.errorCode === 0 || o.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.succeeded(b, o.baseOffset, o.logAppendTimeMs);
        continue;
      }
      const err = new KafkaError(o.errorCode, o.message ?? `${b.topic}-${b.partition}`);
      if (METADATA_STALE_ERRORS.has(o.errorCode)) refresh = true;
      this.retryOrFail(b, q, err);
    }
    if (refresh) await this.cluster.refreshMetadata().catch(() => undefined);
    this.scheduleDrain();
  }

  private succeeded(b: ProducerBatch, baseOffset: bigint, logAppendTimeMs: bigint): void {
    this.counters.batchesSent++;
    this.counters.recordsSent += b.records.length;
    b.complete(null, baseOffset, logAppendTimeMs);
  }

  private retryOrFail(b: ProducerBatch, q: PartitionQueue, err: Error): void {
    b.attempts++;
    const outOfOrderBehindRetry = err instanceof KafkaError && err.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER
      && q.batches.some((x) => x.encoded !== null && x.baseSequence < b.baseSequence);
    const retriable = (isRetriable(err) || outOfOrderBehindRetry) && !this.closedHard;
    if (this.config.idempotent && !retriable && err instanceof KafkaError
      && (err.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER || err.errorCode === ErrorCode.UNKNOWN_PRODUCER_ID)) {
      // The broker lost track of our sequences (e.g. its producer state expired): this batch fails,
      // and the producer continues under a new producer id (KIP-360's recovery, as a new id rather
      // than a local epoch bump).
      this.resetProducerIdNeeded = true;
    }
    if (!retriable || b.attempts > this.config.retries || performance.now() - b.createdMs >= this.config.deliveryTimeoutMs) {
      this.counters.recordErrors += b.records.length;
      b.complete(err, -1n, -1n);
      return;
    }
    const cause = err instanceof KafkaError ? err.errorName : err instanceof ClientError ? err.code : 'UNKNOWN';
    this.counters.retries++;
    this.retriesByCause[cause] = (this.retriesByCause[cause] ?? 0) + 1;
    b.notBeforeMs = performance.now() + backoffMs(b.attempts - 1, this.cluster.config.retryBackoffMs, this.cluster.config.retryBackoffMaxMs);
    // Back to the queue ahead of unsent batches, after retried ones with lower sequences.
    let i = 0;
    while (i < q.batches.length && q.batches[i]!.encoded !== null && q.batches[i]!.baseSequence < b.baseSequence) i++;
    q.batches.splice(i, 0, b);
  }

  private closedHard = false;
  private resetProducerIdNeeded = false;

  /** Forgets the producer id and every partition's sequence; retried batches are re-encoded. */
  private resetProducerId(): void {
    this.resetProducerIdNeeded = false;
    this.producerId = -1n;
    this.producerEpoch = -1;
    this.counters.producerIdResets++;
    for (const q of this.queues.values()) {
      q.nextSequence = 0;
      for (const b of q.batches) {
        b.encoded = null;
        b.baseSequence = -1;
      }
    }
  }

  private initProducerId(): Promise<void> {
    if (this.initializing !== null) return this.initializing;
    this.initializing = (async () => {
      try {
        const res = await this.cluster.withRetries(async () => {
          const r = await this.cluster.send(undefined, 'InitProducerId', createInitProducerIdRequest({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }));
          if (r.errorCode !== 0) throw new KafkaError(r.errorCode, 'InitProducerId');
          return r;
        });
        this.producerId = res.producerId;
        this.producerEpoch = res.producerEpoch;
      } catch (err) {
        this.fatal = err as Error;
        for (const q of this.queues.values()) for (const b of q.batches.splice(0)) b.complete(err as Error, -1n, -1n);
      } finally {
        this.initializing = null;
        if (this.fatal === null) this.scheduleDrain();
      }
    })();
    return this.initializing;
  }

  /** Sends everything buffered now and resolves when it has all completed. */
  async flush(): Promise<void> {
    this.flushing++;
    try {
      this.scheduleDrain();
      // Records sent before the call that still wait for their topic's metadata or for buffer
      // space join their batches first (a send() not awaited, then flush() or close()).
      await Promise.allSettled([...this.appending]);
      this.scheduleDrain();
      // As Java's flush: every record sent before the call completes; later ones do not hold it up.
      await Promise.all([...this.incomplete].map((b) => b.completion));
    } finally {
      this.flushing--;
    }
  }

  /** Flushes and closes (records appended after close() are refused). */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const timeoutMs = options.timeoutMs ?? this.config.deliveryTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    this.closedHard = true;
    const err = new ClientError('GREGOR_ERR_CLOSED', 'producer closed before the record was sent');
    this.pool.failAll(err);
    for (const q of this.queues.values()) for (const b of q.batches.splice(0)) b.complete(err, -1n, -1n);
    if (this.lingerTimer !== null) clearTimeout(this.lingerTimer);
    await this.cluster.close();
  }
}
