/**
 * `gregor leader-election`: kafka-leader-election.sh — a preferred or unclean leader election for
 * some partitions (--topic/--partition, a JSON file) or all of them, with Kafka's output lines.
 */
import { readFile } from 'node:fs/promises';
import { Admin } from '../../client/admin/admin.js';
import type { TopicPartition } from '../../client/offsets.js';
import { errorInfo, ErrorCode } from '../../protocol/errors.js';
import { clientIdFromConfig, flag, int, parseKafkaArgs, str, UsageError } from '../kafka/args.js';
import { bootstrapOf, runTool } from '../kafka/run.js';

const HELP = `Usage: gregor leader-election --bootstrap-server HOST:PORT --election-type <PREFERRED | UNCLEAN> <partitions> [options]

Elect partition leaders (kafka-leader-election.sh). PREFERRED moves leadership back to each
partition's first replica when it is alive and in the ISR; UNCLEAN elects a live replica outside
the ISR for a partition that has no leader (acknowledged records can be lost).

Partitions (one of):
  --topic TOPIC --partition N    one partition
  --all-topic-partitions         every partition of the cluster
  --path-to-json-file FILE       {"partitions": [{"topic": "t", "partition": 0}, ...]}

Options:
  --bootstrap-server HOST:PORT   the broker(s) to connect to
  --election-type TYPE           PREFERRED or UNCLEAN (case-insensitive)
  --admin.config FILE            client properties file (client.id is used)
  -h, --help                     this help

Examples:
  gregor leader-election --bootstrap-server localhost:9092 --election-type PREFERRED --all-topic-partitions
  gregor leader-election --bootstrap-server localhost:9092 --election-type preferred --topic t01 --partition 0
  gregor leader-election --bootstrap-server localhost:9092 --election-type UNCLEAN --path-to-json-file partitions.json`;

const SPEC = {
  'bootstrap-server': { type: 'string' },
  'election-type': { type: 'string' },
  topic: { type: 'string' },
  partition: { type: 'string' },
  'all-topic-partitions': { type: 'boolean' },
  'path-to-json-file': { type: 'string' },
  'admin.config': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export async function run(args: string[]): Promise<number> {
  return runTool(HELP, 'Error: ', async () => {
    const o = parseKafkaArgs(args, SPEC);
    if (flag(o, 'help')) {
      console.log(HELP);
      return 0;
    }
    const typeArg = str(o, 'election-type')?.toUpperCase();
    if (typeArg !== 'PREFERRED' && typeArg !== 'UNCLEAN') throw new UsageError('Missing or invalid required argument "[election-type]": PREFERRED or UNCLEAN');
    const sources = [flag(o, 'all-topic-partitions'), str(o, 'topic') !== undefined, str(o, 'path-to-json-file') !== undefined].filter(Boolean).length;
    if (sources !== 1) throw new UsageError('One and only one of the following options is required: --all-topic-partitions, --topic, --path-to-json-file');
    // As kafka-leader-election.sh: --partition is required with --topic, and only allowed with it.
    if ((str(o, 'partition') !== undefined) !== (str(o, 'topic') !== undefined)) throw new UsageError('Missing required option(s) [partition]: --topic and --partition go together');
    const clientId = await clientIdFromConfig(o, 'admin.config');
    const admin = new Admin({ bootstrapServers: bootstrapOf(o, HELP), clientId: clientId ?? 'gregor-leader-election', retries: 3 });
    try {
      const partitions = await partitionsOf(o);
      const results = await admin.electLeaders(typeArg === 'PREFERRED' ? 'preferred' : 'unclean', partitions);
      const name = (r: TopicPartition): string => `${r.topic}-${r.partition}`;
      const succeeded = results.filter((r) => r.errorCode === ErrorCode.NONE);
      const noop = results.filter((r) => r.errorCode === ErrorCode.ELECTION_NOT_NEEDED);
      const failed = results.filter((r) => r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
      if (succeeded.length > 0) console.log(`Successfully completed leader election (${typeArg}) for partitions ${succeeded.map(name).join(', ')}`);
      if (noop.length > 0) console.log(`Valid replica already elected for partitions ${noop.map(name).join(', ')}`);
      for (const f of failed) {
        const info = errorInfo(f.errorCode);
        console.log(`Error completing leader election (${typeArg}) for partition: ${name(f)}: org.apache.kafka.common.errors.${info.exception}: ${f.errorMessage ?? info.message}`);
      }
      if (failed.length > 0) {
        console.error(`Error: ${failed.length} replica(s) could not be elected`);
        return 1;
      }
      return 0;
    } finally {
      await admin.close();
    }
  });
}

/** The partitions asked for; null means every partition (the controller expands it). */
async function partitionsOf(o: Map<string, string[]>): Promise<TopicPartition[] | null> {
  if (flag(o, 'all-topic-partitions')) return null;
  const file = str(o, 'path-to-json-file');
  if (file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (err) {
      throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const list = (parsed as { partitions?: unknown }).partitions;
    if (!Array.isArray(list) || list.length === 0) throw new UsageError(`${file}: expected {"partitions": [{"topic": ..., "partition": ...}, ...]}`);
    return list.map((p: { topic?: unknown; partition?: unknown }) => {
      if (typeof p.topic !== 'string' || !Number.isInteger(p.partition)) throw new UsageError(`${file}: bad entry ${JSON.stringify(p)}`);
      return { topic: p.topic, partition: p.partition as number };
    });
  }
  return [{ topic: str(o, 'topic')!, partition: int(o, 'partition')! }];
}
