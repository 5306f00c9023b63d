/**
 * Component types by Flume's names (short, case-insensitive, or the Java class name) and the
 * functions that configure them from their Context. Configuring reads and checks every property
 * before anything starts, so a bad value stops the agent with the key named.
 */
import type { Logger } from '../../util/logger.js';
import type { Channel } from '../channels/channel.js';
import { FileChannel, fileChannelConfig } from '../channels/file/file-channel.js';
import { MemoryChannel, memoryChannelConfig } from '../channels/memory-channel.js';
import type { Context } from '../config/context.js';
import { AgentConfigError } from '../errors.js';
import type { Sink } from '../sinks/sink.js';
import { KafkaSink, kafkaSinkConfig } from '../sinks/kafka-sink.js';
import { LoggerSink } from '../sinks/logger-sink.js';
import { NullSink } from '../sinks/null-sink.js';
import { ExecSource, execSourceConfig } from '../sources/exec-source.js';
import { NetcatSource, netcatSourceConfig } from '../sources/netcat-source.js';
import type { Source, SourceEnvironment } from '../sources/source.js';
import { SpoolDirectorySource, spoolDirectorySourceConfig } from '../sources/spooldir-source.js';
import { TaildirSource, taildirSourceConfig } from '../sources/taildir/taildir-source.js';

function typeOf<T extends string>(ctx: Context, names: Record<string, T>, what: string): T {
  const raw = ctx.required('type');
  // Own keys only: `type = constructor` must not find Object.prototype's.
  const key = Object.hasOwn(names, raw) ? raw : raw.toLowerCase();
  const t = Object.hasOwn(names, key) ? names[key] : undefined;
  if (t === undefined) {
    const known = [...new Set(Object.keys(names).filter((k) => !k.includes('.')))].join(', ');
    throw new AgentConfigError(ctx.keyOf('type'), `unknown ${what} type '${raw}' (${known})`);
  }
  return t;
}

const CHANNEL_TYPES = {
  memory: 'memory', 'org.apache.flume.channel.MemoryChannel': 'memory',
  file: 'file', 'org.apache.flume.channel.file.FileChannel': 'file',
} as const;

export function createChannel(name: string, ctx: Context): Channel {
  switch (typeOf(ctx, CHANNEL_TYPES, 'channel')) {
    case 'memory': return new MemoryChannel(name, memoryChannelConfig(ctx));
    case 'file': return new FileChannel(name, fileChannelConfig(ctx));
  }
}

const SOURCE_TYPES = {
  taildir: 'taildir', 'org.apache.flume.source.taildir.TaildirSource': 'taildir',
  exec: 'exec', 'org.apache.flume.source.ExecSource': 'exec',
  netcat: 'netcat', 'org.apache.flume.source.NetcatSource': 'netcat',
  spooldir: 'spooldir', 'org.apache.flume.source.SpoolDirectorySource': 'spooldir',
} as const;

export function createSource(name: string, ctx: Context, env: SourceEnvironment): Source {
  switch (typeOf(ctx, SOURCE_TYPES, 'source')) {
    case 'taildir': return new TaildirSource(name, taildirSourceConfig(ctx), env);
    case 'exec': return new ExecSource(name, execSourceConfig(ctx), env);
    case 'netcat': return new NetcatSource(name, netcatSourceConfig(ctx), env);
    case 'spooldir': return new SpoolDirectorySource(name, spoolDirectorySourceConfig(ctx), env);
  }
}

const SINK_TYPES = {
  kafka: 'kafka', 'org.apache.flume.sink.kafka.KafkaSink': 'kafka',
  logger: 'logger', 'org.apache.flume.sink.LoggerSink': 'logger',
  null: 'null', 'org.apache.flume.sink.NullSink': 'null',
} as const;

/** Checks a sink's type alone (when its channel could not be built, the sink cannot be). */
export function checkSinkType(ctx: Context): void {
  typeOf(ctx, SINK_TYPES, 'sink');
}

/** Creates a sink; also returns its batch size (checked against the channel's transactionCapacity). */
export function createSink(name: string, ctx: Context, channel: Channel, logger: Logger, warn: (m: string) => void): { sink: Sink; batchSize: number; batchKey: string } {
  switch (typeOf(ctx, SINK_TYPES, 'sink')) {
    case 'kafka': {
      const config = kafkaSinkConfig(ctx, warn);
      return { sink: new KafkaSink(name, config, channel, logger), batchSize: config.batchSize, batchKey: ctx.keyOf('flumeBatchSize') };
    }
    case 'logger': return { sink: new LoggerSink(name, ctx, channel, logger), batchSize: 1, batchKey: ctx.keyOf('type') };
    case 'null': {
      const sink = new NullSink(name, ctx, channel);
      return { sink, batchSize: ctx.integer('batchSize', 100, 1), batchKey: ctx.keyOf('batchSize') };
    }
  }
}
