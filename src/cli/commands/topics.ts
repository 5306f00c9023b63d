/**
 * `gregor topics`: kafka-topics.sh — create, list, describe, alter (partitions, configs) and
 * delete topics, with Kafka's options and output formats.
 */
import { Admin, type TopicDescription } from '../../client/admin/admin.js';
import { KafkaError } from '../../protocol/errors.js';
import { clientIdFromConfig, flag, int, keyValues, parseKafkaArgs, str, UsageError, type ParsedOptions } from '../kafka/args.js';
import { bootstrapOf, runTool } from '../kafka/run.js';

const HELP = `Usage: gregor topics --bootstrap-server HOST:PORT <--create | --list | --describe | --alter | --delete> [options]

Create, delete, describe, or change a topic (kafka-topics.sh).

Actions:
  --create                      create a topic
  --list                        list the topics
  --describe                    describe topics (all, or --topic)
  --alter                       change the partition count (--partitions) or configs (--config)
  --delete                      delete topics

Options:
  --bootstrap-server HOST:PORT  the broker(s) to connect to (comma-separated)
  --topic NAME                  the topic (for --describe/--list a name; commas allowed)
  --partitions N                partitions for --create, new total for --alter
  --replication-factor N        replication factor for --create
  --replica-assignment LIST     explicit assignment: 1:2,2:3 (partitions by commas, replicas by colons)
  --config KEY=VALUE            a topic config (repeatable) for --create / --alter
  --delete-config KEY           remove a topic config override (repeatable) for --alter
  --if-not-exists               --create: no error when the topic exists
  --if-exists                   --alter/--delete/--describe: no error when the topic is missing
  --exclude-internal            leave out internal topics (__consumer_offsets)
  --under-replicated-partitions --describe: only partitions whose ISR is smaller than their replicas
  --unavailable-partitions      --describe: only partitions without a live leader
  --topics-with-overrides       --describe: only topics with config overrides (their topic line)
  --command-config FILE         client properties file (accepted; client.id is used)
  -h, --help                    this help

Examples:
  gregor topics --bootstrap-server localhost:9092 --create --topic t01 --partitions 3 --replication-factor 1
  gregor topics --bootstrap-server localhost:9092 --create --topic logs --config retention.ms=86400000 --config cleanup.policy=delete
  gregor topics --bootstrap-server localhost:9092 --list
  gregor topics --bootstrap-server localhost:9092 --describe --topic t01
  gregor topics --bootstrap-server localhost:9092 --alter --topic t01 --partitions 6
  gregor topics --bootstrap-server localhost:9092 --delete --topic t01`;

const SPEC = {
  'bootstrap-server': { type: 'string' },
  create: { type: 'boolean' },
  list: { type: 'boolean' },
  describe: { type: 'boolean' },
  alter: { type: 'boolean' },
  delete: { type: 'boolean' },
  topic: { type: 'string' },
  partitions: { type: 'string' },
  'replication-factor': { type: 'string' },
  'replica-assignment': { type: 'string' },
  config: { type: 'string', multiple: true },
  'delete-config': { type: 'string', multiple: true },
  'if-not-exists': { type: 'boolean' },
  'if-exists': { type: 'boolean' },
  'exclude-internal': { type: 'boolean' },
  'under-replicated-partitions': { type: 'boolean' },
  'unavailable-partitions': { type: 'boolean' },
  'topics-with-overrides': { type: 'boolean' },
  'command-config': { type: 'string' },
  help: { type: 'boolean' },
} as const;

export async function run(args: string[]): Promise<number> {
  return runTool(HELP, 'Error while executing topic command : ', async () => {
    const o = parseKafkaArgs(args, SPEC);
    if (flag(o, 'help')) {
      console.log(HELP);
      return 0;
    }
    const actions = (['create', 'list', 'describe', 'alter', 'delete'] as const).filter((a) => flag(o, a));
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
    const clientId = await clientIdFromConfig(o, 'command-config');
    const admin = new Admin({ bootstrapServers: bootstrapOf(o, HELP), clientId: clientId ?? 'gregor-topics', retries: 3 });
    try {
      switch (actions[0]) {
        case 'create': return await create(admin, o);
        case 'list': return await list(admin, o);
        case 'describe': return await describe(admin, o);
        case 'alter': return await alter(admin, o);
        case 'delete': return await remove(admin, o);
      }
    } finally {
      await admin.close();
    }
    return 1;
  });
}

function requireTopic(o: ParsedOptions): string {
  const t = str(o, 'topic');
  if (t === undefined) throw new UsageError('Missing required argument "[topic]"');
  return t;
}

function parseAssignment(s: string): Map<number, number[]> {
  const m = new Map<number, number[]>();
  s.split(',').forEach((part, i) => {
    const ids = part.split(':').map((x) => Number(x.trim()));
    if (ids.some((x) => !Number.isInteger(x) || x < 0)) throw new UsageError(`invalid --replica-assignment '${s}'`);
    m.set(i, ids);
  });
  return m;
}

async function create(admin: Admin, o: ParsedOptions): Promise<number> {
  const topic = requireTopic(o);
  const assignment = str(o, 'replica-assignment');
  try {
    await admin.createTopics([{
      name: topic,
      numPartitions: int(o, 'partitions') ?? -1,
      replicationFactor: int(o, 'replication-factor') ?? -1,
      replicaAssignment: assignment === undefined ? undefined : parseAssignment(assignment),
      configs: Object.fromEntries(keyValues(o.get('config'), 'config')),
    }]);
  } catch (err) {
    if (err instanceof KafkaError && err.errorName === 'TOPIC_ALREADY_EXISTS' && flag(o, 'if-not-exists')) return 0;
    throw err;
  }
  if (topic.includes('.') || topic.includes('_')) {
    console.log('WARNING: Due to limitations in metric names, topics with a period (\'.\') or underscore (\'_\') could collide. To avoid issues it is best to use either, but not both.');
  }
  console.log(`Created topic ${topic}.`);
  return 0;
}

async function selectTopics(admin: Admin, o: ParsedOptions): Promise<string[]> {
  const all = await admin.listTopics({ includeInternal: !flag(o, 'exclude-internal') });
  const wanted = str(o, 'topic');
  if (wanted === undefined) return all;
  const names = wanted.split(',').map((s) => s.trim());
  // Kafka treats --topic as a regular expression when listing/describing.
  const out = all.filter((t) => names.some((n) => n === t || safeRegex(n)?.test(t) === true));
  return out;
}

function safeRegex(s: string): RegExp | null {
  try {
    return new RegExp(`^(?:${s})$`);
  } catch {
    return null;
  }
}

async function list(admin: Admin, o: ParsedOptions): Promise<number> {
  for (const t of await selectTopics(admin, o)) console.log(t);
  return 0;
}

type PartitionFilter = (p: TopicDescription['partitions'][number]) => boolean;

function formatDescription(d: TopicDescription, configs: string, filter: PartitionFilter | null): string[] {
  const rf = d.partitions[0]?.replicas.length ?? 0;
  // With a partition filter Kafka prints only the matching partition lines.
  const lines = filter === null ? [`Topic: ${d.name}\tTopicId: ${d.topicId}\tPartitionCount: ${d.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configs}`] : [];
  for (const p of d.partitions) {
    if (filter !== null && !filter(p)) continue;
    let line = `\tTopic: ${d.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}`;
    if (p.offlineReplicas.length > 0) line += `\tOffline: ${p.offlineReplicas.join(',')}`;
    lines.push(line);
  }
  return lines;
}

async function describe(admin: Admin, o: ParsedOptions): Promise<number> {
  const names = await selectTopics(admin, o);
  if (names.length === 0 && str(o, 'topic') !== undefined && !flag(o, 'if-exists')) {
    throw new KafkaError(3, `Topic '${str(o, 'topic')}' does not exist as expected`);
  }
  const descriptions = await admin.describeTopics(names);
  const configs = await admin.describeConfigs(names.map((name) => ({ type: 'topic' as const, name })));
  let filter: PartitionFilter | null = null;
  if (flag(o, 'under-replicated-partitions')) filter = (p) => p.isr.length < p.replicas.length;
  else if (flag(o, 'unavailable-partitions')) {
    // Only this filter needs the live brokers: no DescribeCluster otherwise.
    const live = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
    filter = (p) => p.leader < 0 || !live.has(p.leader);
  }
  descriptions.forEach((d, i) => {
    const entries = configs[i]?.entries.filter((e) => !e.isDefault && e.source !== 5 && !e.isSensitive) ?? [];
    const overrides = entries.map((e) => `${e.name}=${e.value ?? ''}`).join(',');
    if (flag(o, 'topics-with-overrides')) {
      if (entries.length > 0) console.log(formatDescription(d, overrides, null)[0]);
      return;
    }
    for (const line of formatDescription(d, overrides, filter)) console.log(line);
  });
  return 0;
}

async function alter(admin: Admin, o: ParsedOptions): Promise<number> {
  const topic = requireTopic(o);
  const existing = await selectTopics(admin, o);
  if (existing.length === 0) {
    if (flag(o, 'if-exists')) return 0;
    throw new KafkaError(3, `Topic '${topic}' does not exist as expected`);
  }
  const partitions = int(o, 'partitions');
  const setConfigs = keyValues(o.get('config'), 'config');
  const deleteConfigs = o.get('delete-config') ?? [];
  if (partitions === undefined && setConfigs.size === 0 && deleteConfigs.length === 0) {
    throw new UsageError('--alter needs --partitions, --config or --delete-config');
  }
  if (setConfigs.size > 0 || deleteConfigs.length > 0) {
    await admin.incrementalAlterConfigs([{
      resource: { type: 'topic', name: topic },
      ops: [...[...setConfigs].map(([name, value]) => ({ name, op: 'set' as const, value })), ...deleteConfigs.map((name) => ({ name, op: 'delete' as const }))],
    }]);
  }
  if (partitions !== undefined) {
    // As TopicCommand: the warning comes first; the controller refuses a decrease (or no change) with
    // INVALID_PARTITIONS and its own message, printed as the error.
    console.log('WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected');
    await admin.createPartitions([{ topic, count: partitions }]);
    console.log('Adding partitions succeeded!');
  }
  return 0;
}

async function remove(admin: Admin, o: ParsedOptions): Promise<number> {
  const topic = requireTopic(o);
  const names = await selectTopics(admin, o);
  if (names.length === 0) {
    if (flag(o, 'if-exists')) return 0;
    throw new KafkaError(3, `Topic '${topic}' does not exist as expected`);
  }
  if (names.some((n) => n.startsWith('__'))) throw new UsageError(`Topic ${names.find((n) => n.startsWith('__'))} is a kafka internal topic and is not allowed to be marked for deletion.`);
  await admin.deleteTopics(names);
  return 0;
}

