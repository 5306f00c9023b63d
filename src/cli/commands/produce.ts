/**
 * `gregor produce`: kafka-console-producer.sh — one record per line of stdin, with Kafka's
 * line-reader properties (parse.key, key.separator, parse.headers, headers.delimiter,
 * headers.separator, headers.key.separator, null.marker, ignore.error).
 */
import { createInterface } from 'node:readline';
import { Producer, type ProducerRecord } from '../../client/producer/producer.js';
import type { ProducerConfig } from '../../client/producer/config.js';
import { flag, int, keyValues, parseKafkaArgs, readPropertiesFile, str, UsageError } from '../kafka/args.js';
import { applyProducerProps, parseCompression } from '../kafka/client-props.js';
import { bootstrapOf, kafkaMessage, runTool } from '../kafka/run.js';
import { KafkaError } from '../../protocol/errors.js';
import { ClientError } from '../../client/errors.js';

const HELP = `Usage: gregor produce --bootstrap-server HOST:PORT --topic TOPIC [options] < lines

Reads lines from standard input and sends each as a record (kafka-console-producer.sh).

Options:
  --bootstrap-server HOST:PORT   the broker(s) to connect to
  --topic TOPIC                  the topic to produce to
  --property KEY=VALUE           line reader properties (repeatable):
                                   parse.key=true         split each line into key and value
                                   key.separator=SEP      between key and value (default TAB)
                                   parse.headers=true     the line starts with headers
                                   headers.delimiter=SEP  between headers and the rest (default TAB)
                                   headers.separator=SEP  between headers (default ,)
                                   headers.key.separator=SEP between a header's key and value (default :)
                                   null.marker=STR        a key/value/header value equal to STR is null
                                   ignore.error=true      a line without a separator is still sent
                                                          (no headers / null key, the rest as value)
  --request-required-acks ACKS   acks: -1 (all, default), 0 or 1
  --compression-codec [CODEC]    none, gzip (when given without a value), snappy, lz4, zstd
  --batch-size N                 batch.size in bytes (default 16384)
  --timeout MS                   linger.ms (default 1000)
  --max-block-ms MS              max.block.ms (default 60000)
  --message-send-max-retries N   retries
  --retry-backoff-ms MS          retry.backoff.ms
  --sync                         send each record and wait for its acknowledgement
  --producer-property KEY=VALUE  any producer property (repeatable)
  --producer.config FILE         producer properties file
  -h, --help                     this help

Examples:
  echo hello | gregor produce --bootstrap-server localhost:9092 --topic t01
  printf 'k1:v1\\nk2:v2\\n' | gregor produce --bootstrap-server localhost:9092 --topic t01 --property parse.key=true --property key.separator=:
  printf 'trace:abc\\tk1\\tv1\\n' | gregor produce --bootstrap-server localhost:9092 --topic t01 --property parse.headers=true --property parse.key=true
  gregor produce --bootstrap-server localhost:9092 --topic t01 --compression-codec zstd --request-required-acks 1 < data.txt`;

const SPEC = {
  'bootstrap-server': { type: 'string' },
  'broker-list': { type: 'string' },
  topic: { type: 'string' },
  property: { type: 'string', multiple: true },
  'request-required-acks': { type: 'string' },
  'compression-codec': { type: 'string', greedy: true },
  'batch-size': { type: 'string' },
  timeout: { type: 'string' },
  'max-block-ms': { type: 'string' },
  'message-send-max-retries': { type: 'string' },
  'retry-backoff-ms': { type: 'string' },
  sync: { type: 'boolean' },
  'producer-property': { type: 'string', multiple: true },
  'producer.config': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export interface LineReaderOptions {
  parseKey: boolean;
  keySeparator: string;
  parseHeaders: boolean;
  headersDelimiter: string;
  headersSeparator: string;
  headersKeySeparator: string;
  nullMarker: string | null;
  /** Kafka's "best attempt": a missing separator means no headers / a null key, never a dropped line. */
  ignoreError: boolean;
}

/** A line the reader cannot split (Kafka's LineMessageReader throws a KafkaException with this text). */
class LineFormatError extends Error {}

export function lineReaderOptions(props: Map<string, string>): LineReaderOptions {
  const b = (k: string): boolean => props.get(k)?.trim().toLowerCase() === 'true';
  return {
    parseKey: b('parse.key'),
    keySeparator: props.get('key.separator') ?? '\t',
    parseHeaders: b('parse.headers'),
    headersDelimiter: props.get('headers.delimiter') ?? '\t',
    headersSeparator: props.get('headers.separator') ?? ',',
    headersKeySeparator: props.get('headers.key.separator') ?? ':',
    nullMarker: props.get('null.marker') ?? null,
    ignoreError: b('ignore.error'),
  };
}

/** Kafka's LineMessageReader: [headers DELIM] [key SEP] value; `lineNumber` (from 1) for error messages. */
export function parseLine(line: string, topic: string, o: LineReaderOptions, lineNumber = 1): ProducerRecord {
  let rest = line;
  const headers: [string, string | null][] = [];
  const nullable = (s: string): string | null => (o.nullMarker !== null && s === o.nullMarker ? null : s);
  const missing = (what: string): LineFormatError => new LineFormatError(`No ${what} found on line number ${lineNumber}: '${line}'`);
  if (o.parseHeaders) {
    const i = rest.indexOf(o.headersDelimiter);
    if (i < 0 && !o.ignoreError) throw missing('headers delimiter');
    const h = i < 0 ? null : rest.slice(0, i);
    if (i >= 0) rest = rest.slice(i + o.headersDelimiter.length);
    if (h !== null && h !== '' && h !== o.nullMarker) {
      for (const pair of h.split(o.headersSeparator)) {
        const j = pair.indexOf(o.headersKeySeparator);
        if (j < 0) {
          if (!o.ignoreError) throw new LineFormatError(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
          headers.push([pair, null]);
          continue;
        }
        const key = pair.slice(0, j);
        if (o.nullMarker !== null && key === o.nullMarker) throw new LineFormatError(`Header keys should not be equal to the null marker '${o.nullMarker}' as they can't be null`);
        headers.push([key, nullable(pair.slice(j + o.headersKeySeparator.length))]);
      }
    }
  }
  let key: string | null = null;
  if (o.parseKey) {
    const i = rest.indexOf(o.keySeparator);
    if (i < 0 && !o.ignoreError) throw missing('key separator');
    if (i >= 0) {
      key = nullable(rest.slice(0, i));
      rest = rest.slice(i + o.keySeparator.length);
    }
  }
  return { topic, key, value: nullable(rest), headers };
}

export async function run(args: string[]): Promise<number> {
  return runTool(HELP, 'ERROR ', async () => {
    const o = parseKafkaArgs(args, SPEC);
    if (flag(o, 'help')) {
      console.log(HELP);
      return 0;
    }
    const topic = str(o, 'topic');
    if (topic === undefined) throw new UsageError('Missing required argument "[topic]"');
    const config: Partial<ProducerConfig> = { clientId: 'console-producer', lingerMs: int(o, 'timeout') ?? 1000 };
    if (str(o, 'producer.config') !== undefined) applyProducerProps(config, await readPropertiesFile(str(o, 'producer.config')!));
    const acks = str(o, 'request-required-acks');
    if (acks !== undefined) config.acks = acks === 'all' ? 'all' : (Number(acks) as 0 | 1 | -1);
    if (o.has('compression-codec')) config.compression = parseCompression(o.get('compression-codec')![0] ?? 'gzip');
    if (int(o, 'batch-size') !== undefined) config.batchSize = int(o, 'batch-size');
    if (int(o, 'max-block-ms') !== undefined) config.maxBlockMs = int(o, 'max-block-ms');
    if (int(o, 'message-send-max-retries') !== undefined) config.retries = int(o, 'message-send-max-retries');
    if (int(o, 'retry-backoff-ms') !== undefined) config.retryBackoffMs = int(o, 'retry-backoff-ms');
    applyProducerProps(config, keyValues(o.get('producer-property'), 'producer-property'));
    const reader = lineReaderOptions(keyValues(o.get('property'), 'property'));
    const producer = new Producer({ ...config, bootstrapServers: config.bootstrapServers ?? bootstrapOf(o, HELP) });
    let failed = 0;
    const onError = (record: ProducerRecord, err: Error | null): void => {
      if (err === null) return;
      failed++;
      const size = record.value === null ? 0 : Buffer.byteLength(record.value as string);
      const text = err instanceof KafkaError || err instanceof ClientError ? kafkaMessage(err) : err.message;
      console.error(`ERROR Error when sending message to topic ${topic} with key: ${record.key === null ? 'null' : `${Buffer.byteLength(record.key as string)} bytes`}, value: ${size} bytes with error: ${text}`);
    };
    try {
      const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
      let lineNumber = 0;
      for await (const line of lines) {
        let record: ProducerRecord;
        try {
          record = parseLine(line, topic, reader, ++lineNumber);
        } catch (err) {
          // As Kafka's console producer: the records read so far are still sent (close flushes), then exit 1.
          if (!(err instanceof LineFormatError)) throw err;
          console.error(`ERROR ${err.message}`);
          return 1;
        }
        if (flag(o, 'sync')) await producer.send(record).catch((err: Error) => onError(record, err));
        else await producer.enqueue(record, (err) => onError(record, err));
      }
    } finally {
      await producer.close();
    }
    return failed > 0 ? 1 : 0;
  });
}
