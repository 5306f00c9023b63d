/**
 * `gregor consume`: kafka-console-consumer.sh — prints records with Kafka's
 * DefaultMessageFormatter (print.timestamp, print.partition, print.offset, print.headers,
 * print.key, print.value, key.separator, line.separator, headers.separator,
 * headers.key.separator, null.literal) and ends with "Processed a total of N messages".
 */
import { randomInt } from 'node:crypto';
import { Consumer, type ConsumerRecord } from '../../client/consumer/consumer.js';
import type { ConsumerConfig } from '../../client/consumer/config.js';
import { flag, int, keyValues, parseKafkaArgs, readPropertiesFile, str, UsageError } from '../kafka/args.js';
import { applyConsumerProps } from '../kafka/client-props.js';
import { bootstrapOf, runTool } from '../kafka/run.js';

const HELP = `Usage: gregor consume --bootstrap-server HOST:PORT (--topic TOPIC | --include REGEX) [options]

Reads records and prints them to standard output (kafka-console-consumer.sh).

Options:
  --bootstrap-server HOST:PORT   the broker(s) to connect to
  --topic TOPIC                  the topic to consume
  --include REGEX                consume every topic matching REGEX
  --group GROUP                  the consumer group (default: a new console-consumer-N group, no commits)
  --from-beginning               start from the earliest offset when there is no committed offset
  --partition N                  consume only this partition (no group)
  --offset OFFSET                with --partition: earliest, latest (default) or a number
  --max-messages N               exit after N records
  --timeout-ms MS                exit when no record arrives for MS
  --isolation-level LEVEL        read_uncommitted (default) or read_committed
  --property KEY=VALUE           formatter properties (repeatable):
                                   print.key, print.value, print.timestamp, print.partition,
                                   print.offset, print.headers (true/false); key.separator (TAB),
                                   line.separator (\\n), headers.separator (,),
                                   headers.key.separator (:), null.literal (null)
  --skip-message-on-error        accepted for compatibility
  --consumer-property KEY=VALUE  any consumer property (repeatable)
  --consumer.config FILE         consumer properties file
  -h, --help                     this help

Examples:
  gregor consume --bootstrap-server localhost:9092 --topic t01 --from-beginning
  gregor consume --bootstrap-server localhost:9092 --topic t01 --group g1 --property print.key=true --property key.separator=:
  gregor consume --bootstrap-server localhost:9092 --topic t01 --partition 0 --offset 42 --max-messages 10
  gregor consume --bootstrap-server localhost:9092 --topic t01 --from-beginning --timeout-ms 5000 \\
      --property print.timestamp=true --property print.partition=true --property print.offset=true --property print.headers=true`;

const SPEC = {
  'bootstrap-server': { type: 'string' },
  topic: { type: 'string' },
  include: { type: 'string' },
  whitelist: { type: 'string' },
  group: { type: 'string' },
  'from-beginning': { type: 'boolean' },
  partition: { type: 'string' },
  offset: { type: 'string' },
  'max-messages': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'isolation-level': { type: 'string' },
  property: { type: 'string', multiple: true },
  'skip-message-on-error': { type: 'boolean' },
  'consumer-property': { type: 'string', multiple: true },
  'consumer.config': { type: 'string' },
  formatter: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export interface FormatterOptions {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullLiteral: string;
}

export function formatterOptions(props: Map<string, string>): FormatterOptions {
  const b = (k: string, d: boolean): boolean => (props.has(k) ? props.get(k)!.trim().toLowerCase() === 'true' : d);
  return {
    printTimestamp: b('print.timestamp', false),
    printPartition: b('print.partition', false),
    printOffset: b('print.offset', false),
    printHeaders: b('print.headers', false),
    printKey: b('print.key', false),
    printValue: b('print.value', true),
    keySeparator: props.get('key.separator') ?? '\t',
    lineSeparator: props.get('line.separator') ?? '\n',
    headersSeparator: props.get('headers.separator') ?? ',',
    headersKeySeparator: props.get('headers.key.separator') ?? ':',
    nullLiteral: props.get('null.literal') ?? 'null',
  };
}

/** Kafka's DefaultMessageFormatter.writeTo: columns separated by key.separator, then line.separator. */
export function formatRecord(r: ConsumerRecord, f: FormatterOptions): string {
  const cols: string[] = [];
  if (f.printTimestamp) cols.push(r.timestamp < 0n ? 'NO_TIMESTAMP' : `${r.timestampType}:${r.timestamp}`);
  if (f.printPartition) cols.push(`Partition:${r.partition}`);
  if (f.printOffset) cols.push(`Offset:${r.offset}`);
  if (f.printHeaders) {
    cols.push(r.headers.length === 0
      ? 'NO_HEADERS'
      : r.headers.map((h) => `${h.key}${f.headersKeySeparator}${h.value === null ? f.nullLiteral : h.value.toString('utf8')}`).join(f.headersSeparator));
  }
  if (f.printKey) cols.push(r.key === null ? f.nullLiteral : r.key.toString('utf8'));
  if (f.printValue) cols.push(r.value === null ? f.nullLiteral : r.value.toString('utf8'));
  return cols.length === 0 ? '' : cols.join(f.keySeparator) + f.lineSeparator;
}

export async function run(args: string[]): Promise<number> {
  return runTool(HELP, 'ERROR ', async () => {
    const o = parseKafkaArgs(args, SPEC);
    if (flag(o, 'help')) {
      console.log(HELP);
      return 0;
    }
    const topic = str(o, 'topic');
    const include = str(o, 'include') ?? str(o, 'whitelist');
    if ((topic === undefined) === (include === undefined)) throw new UsageError('Exactly one of --include/--topic is required.');
    const partition = int(o, 'partition');
    const offsetArg = str(o, 'offset');
    if (offsetArg !== undefined && partition === undefined) throw new UsageError('The partition is required when offset is specified.');
    if (partition !== undefined && str(o, 'group') !== undefined) throw new UsageError('Options group and partition cannot be specified together.');
    if (partition !== undefined && topic === undefined) throw new UsageError('The topic is required when partition is specified.');
    const fromBeginning = flag(o, 'from-beginning');
    if (fromBeginning && offsetArg !== undefined) throw new UsageError("Options from-beginning and offset cannot be specified together.");
    const maxMessages = int(o, 'max-messages');
    const timeoutMs = int(o, 'timeout-ms');

    const config: Partial<ConsumerConfig> = { clientId: 'console-consumer', autoOffsetReset: fromBeginning ? 'earliest' : 'latest' };
    if (str(o, 'consumer.config') !== undefined) applyConsumerProps(config, await readPropertiesFile(str(o, 'consumer.config')!));
    applyConsumerProps(config, keyValues(o.get('consumer-property'), 'consumer-property'));
    const level = str(o, 'isolation-level');
    if (level !== undefined) {
      if (level !== 'read_committed' && level !== 'read_uncommitted') throw new UsageError(`invalid --isolation-level '${level}'`);
      config.isolationLevel = level;
    }
    const group = str(o, 'group') ?? config.groupId;
    if (partition === undefined) {
      if (group !== undefined) config.groupId = group;
      else {
        // As Kafka: a throwaway group that commits nothing.
        config.groupId = `console-consumer-${randomInt(100000)}`;
        config.enableAutoCommit ??= false;
      }
    }
    const formatter = formatterOptions(keyValues(o.get('property'), 'property'));
    const consumer = new Consumer({ ...config, bootstrapServers: config.bootstrapServers ?? bootstrapOf(o, HELP) });
    const stop = new AbortController();
    const onSignal = (): void => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let count = 0;
    try {
      if (partition !== undefined) {
        const tp = { topic: topic!, partition };
        consumer.assign([tp]);
        if (offsetArg === 'earliest' || fromBeginning) consumer.seekToBeginning([tp]);
        else if (offsetArg === undefined || offsetArg === 'latest') consumer.seekToEnd([tp]);
        else if (/^\d+$/.test(offsetArg)) consumer.seek(tp, BigInt(offsetArg));
        else throw new UsageError(`The provided offset value '${offsetArg}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
      } else {
        let topics = [topic ?? ''];
        if (include !== undefined) {
          const re = new RegExp(`^(?:${include})$`);
          const md = await consumer.cluster.refreshMetadata({ allTopics: true });
          topics = [...md.topics.keys()].filter((t) => re.test(t) && !t.startsWith('__'));
          if (topics.length === 0) throw new UsageError(`no topic matches --include '${include}'`);
        }
        consumer.subscribe(topics);
      }
      let lastRecordMs = performance.now();
      while (!stop.signal.aborted && (maxMessages === undefined || count < maxMessages)) {
        const records = await consumer.poll({ timeoutMs: timeoutMs === undefined ? 1000 : Math.min(1000, timeoutMs), signal: stop.signal });
        if (records.length > 0) lastRecordMs = performance.now();
        let out = '';
        const rewind = new Map<string, ConsumerRecord>();
        for (const r of records) {
          if (maxMessages !== undefined && count >= maxMessages) {
            // Not printed: rewind so that the group's commit on close covers only what was shown.
            const k = `${r.topic}:${r.partition}`;
            if (!rewind.has(k)) rewind.set(k, r);
            continue;
          }
          out += formatRecord(r, formatter);
          count++;
        }
        for (const r of rewind.values()) consumer.seek(r, r.offset);
        if (out !== '' && !process.stdout.write(out)) await new Promise((r) => process.stdout.once('drain', r));
        if (timeoutMs !== undefined && performance.now() - lastRecordMs >= timeoutMs) {
          console.error('ERROR Error processing message, terminating consumer process:  org.apache.kafka.common.errors.TimeoutException');
          break;
        }
      }
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await consumer.close();
      console.error(`Processed a total of ${count} messages`);
    }
    return 0;
  });
}
