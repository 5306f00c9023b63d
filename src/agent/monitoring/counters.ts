/**
 * Flume's component counters (MonitoredCounterGroup: SourceCounter, ChannelCounter,
 * SinkCounter), by Flume's attribute names, so that dashboards built on Flume's JSON
 * monitoring (`{"SOURCE.r1": {"EventReceivedCount": "10", ...}}`) work unchanged.
 */
export const COMPONENT_TYPES = ['SOURCE', 'CHANNEL', 'SINK'] as const;
export type ComponentType = (typeof COMPONENT_TYPES)[number];

export const SOURCE_COUNTERS = [
  'EventReceivedCount', 'EventAcceptedCount', 'AppendReceivedCount', 'AppendAcceptedCount',
  'AppendBatchReceivedCount', 'AppendBatchAcceptedCount', 'OpenConnectionCount',
  'ChannelWriteFail', 'EventReadFail', 'GenericProcessingFail',
] as const;
export type SourceCounterName = (typeof SOURCE_COUNTERS)[number];

export const CHANNEL_COUNTERS = [
  'ChannelSize', 'ChannelCapacity', 'EventPutAttemptCount', 'EventPutSuccessCount',
  'EventTakeAttemptCount', 'EventTakeSuccessCount', 'RollbackCount',
] as const;
export type ChannelCounterName = (typeof CHANNEL_COUNTERS)[number];

export const SINK_COUNTERS = [
  'ConnectionCreatedCount', 'ConnectionClosedCount', 'ConnectionFailedCount', 'BatchEmptyCount',
  'BatchUnderflowCount', 'BatchCompleteCount', 'EventDrainAttemptCount', 'EventDrainSuccessCount',
  'EventWriteFail', 'ChannelReadFail', 'RollbackCount', 'KafkaEventSendTimer',
] as const;
export type SinkCounterName = (typeof SINK_COUNTERS)[number];

/** One component's counters; StartTime/StopTime in ms since the epoch (0 = not yet). */
export class CounterGroup<N extends string> {
  private readonly values = new Map<N, number>();
  startTimeMs = 0;
  stopTimeMs = 0;

  constructor(readonly type: ComponentType, readonly name: string, names: readonly N[]) {
    for (const n of names) this.values.set(n, 0);
  }

  add(name: N, delta = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + delta);
  }

  set(name: N, value: number): void {
    this.values.set(name, value);
  }

  get(name: N): number {
    return this.values.get(name) ?? 0;
  }

  start(nowMs: number): void {
    this.startTimeMs = nowMs;
    this.stopTimeMs = 0;
  }

  stop(nowMs: number): void {
    this.stopTimeMs = nowMs;
  }

  /** Flume's JSON attributes: every value a string, Type included. */
  attributes(): Record<string, string> {
    const out: Record<string, string> = { Type: this.type };
    for (const [k, v] of this.values) out[k] = String(v);
    out.StartTime = String(this.startTimeMs);
    out.StopTime = String(this.stopTimeMs);
    return out;
  }
}

export type SourceCounter = CounterGroup<SourceCounterName>;
export type SinkCounter = CounterGroup<SinkCounterName>;

export const sourceCounter = (name: string): SourceCounter => new CounterGroup('SOURCE', name, SOURCE_COUNTERS);
export const sinkCounter = (name: string): SinkCounter => new CounterGroup('SINK', name, SINK_COUNTERS);

/** The channel's counters; size and fill percentage are read from the channel when asked. */
export class ChannelCounter extends CounterGroup<ChannelCounterName> {
  constructor(name: string, capacity: number, private readonly channelSize: () => number) {
    super('CHANNEL', name, CHANNEL_COUNTERS);
    this.set('ChannelCapacity', capacity);
  }

  override attributes(): Record<string, string> {
    const out = super.attributes();
    const size = this.channelSize();
    out.ChannelSize = String(size);
    const capacity = this.get('ChannelCapacity');
    // Flume prints a Java double: "0.0", "37.5", "100.0".
    const pct = capacity === 0 ? 0 : (size * 100) / capacity;
    out.ChannelFillPercentage = Number.isInteger(pct) ? pct.toFixed(1) : String(pct);
    return out;
  }
}

/** Every component's counters, keyed as Flume's JSON: `SOURCE.r1`, `CHANNEL.c1`, `SINK.k1`. */
export class CounterRegistry {
  private readonly groups = new Map<string, CounterGroup<string>>();

  register<G extends CounterGroup<string>>(g: G): G {
    this.groups.set(`${g.type}.${g.name}`, g);
    return g;
  }

  snapshot(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [k, g] of [...this.groups].sort(([a], [b]) => a.localeCompare(b))) out[k] = g.attributes();
    return out;
  }
}
