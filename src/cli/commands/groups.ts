/**
 * `gregor groups`: kafka-consumer-groups.sh — list, describe (offsets, --members, --state),
 * reset offsets (--to-earliest/--to-latest/--to-offset/--to-datetime/--shift-by/--to-current,
 * --dry-run/--execute) and delete groups or their offsets, with Kafka's messages and columns.
 */
import { Admin, type GroupDescription } from '../../client/admin/admin.js';
import { OffsetSpec, type TopicPartition } from '../../client/offsets.js';
import { ErrorCode, errorInfo } from '../../protocol/errors.js';
import { clientIdFromConfig, flag, parseKafkaArgs, str, UsageError, type ParsedOptions } from '../kafka/args.js';
import { bootstrapOf, runTool } from '../kafka/run.js';
import { formatTable } from '../kafka/table.js';

const HELP = `Usage: gregor groups --bootstrap-server HOST:PORT <--list | --describe | --reset-offsets | --delete | --delete-offsets> [options]

List, describe, reset and delete consumer groups (kafka-consumer-groups.sh).

Actions:
  --list                        list every consumer group; with --state [S,S] their states, only
                                  those in the given states (Stable, Empty, PreparingRebalance, ...)
  --describe                    describe --group (or --all-groups): offsets and lag per partition;
                                  with --members the members, with --state the group's state
  --reset-offsets               move a group's committed offsets (the group must have no active members)
  --delete                      delete --group (or --all-groups)
  --delete-offsets              delete a group's committed offsets for --topic

Options:
  --bootstrap-server HOST:PORT  the broker(s) to connect to
  --group GROUP                 the consumer group (repeatable)
  --all-groups                  every group
  --members                     with --describe: the members (add --verbose for their partitions)
  --state                       with --describe: coordinator, assignment strategy, state, member count
  --offsets                     with --describe: offsets and lag (the default)
  --verbose                     more detail
  --topic TOPIC[:P,P]           reset/delete offsets of this topic (optionally these partitions); repeatable
  --all-topics                  reset the offsets of every topic the group has offsets for
  --to-earliest | --to-latest | --to-current
  --to-offset N                 (clamped to the partition's earliest..latest)
  --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]
  --shift-by N                  move by N (negative: back), clamped
  --by-duration PnDTnHnMnS      to the offset at now minus the duration
  --dry-run                     show the new offsets only (the default)
  --execute                     commit the new offsets
  --command-config FILE         client properties file
  -h, --help                    this help

Examples:
  gregor groups --bootstrap-server localhost:9092 --list
  gregor groups --bootstrap-server localhost:9092 --list --state Stable,Empty
  gregor groups --bootstrap-server localhost:9092 --describe --group g1
  gregor groups --bootstrap-server localhost:9092 --describe --group g1 --members --verbose
  gregor groups --bootstrap-server localhost:9092 --describe --group g1 --state
  gregor groups --bootstrap-server localhost:9092 --reset-offsets --group g1 --topic t01 --to-earliest --execute
  gregor groups --bootstrap-server localhost:9092 --reset-offsets --group g1 --all-topics --shift-by -10 --dry-run
  gregor groups --bootstrap-server localhost:9092 --reset-offsets --group g1 --topic t01:0,1 --to-datetime 2026-11-22T00:00:00.000 --execute
  gregor groups --bootstrap-server localhost:9092 --delete --group g1`;

const SPEC = {
  'bootstrap-server': { type: 'string' },
  list: { type: 'boolean' },
  describe: { type: 'boolean' },
  'reset-offsets': { type: 'boolean' },
  delete: { type: 'boolean' },
  'delete-offsets': { type: 'boolean' },
  group: { type: 'string', multiple: true },
  'all-groups': { type: 'boolean' },
  members: { type: 'boolean' },
  state: { type: 'string', optionalValue: true },
  offsets: { type: 'boolean' },
  verbose: { type: 'boolean' },
  topic: { type: 'string', multiple: true },
  'all-topics': { type: 'boolean' },
  'to-earliest': { type: 'boolean' },
  'to-latest': { type: 'boolean' },
  'to-current': { type: 'boolean' },
  'to-offset': { type: 'string' },
  'to-datetime': { type: 'string' },
  'shift-by': { type: 'string' },
  'by-duration': { type: 'string' },
  'dry-run': { type: 'boolean' },
  execute: { type: 'boolean' },
  'command-config': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean' },
} as const;

export async function run(args: string[]): Promise<number> {
  return runTool(HELP, 'Error: ', async () => {
    const o = parseKafkaArgs(args, SPEC);
    if (flag(o, 'help')) {
      console.log(HELP);
      return 0;
    }
    const actions = (['list', 'describe', 'reset-offsets', 'delete', 'delete-offsets'] as const).filter((a) => flag(o, a));
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets');
    const clientId = await clientIdFromConfig(o, 'command-config');
    const admin = new Admin({ bootstrapServers: bootstrapOf(o, HELP), clientId: clientId ?? 'gregor-groups', retries: 3 });
    try {
      switch (actions[0]) {
        case 'list': return await list(admin, o);
        case 'describe': return await describe(admin, o);
        case 'reset-offsets': return await resetOffsets(admin, o);
        case 'delete': return await deleteGroups(admin, o);
        case 'delete-offsets': return await deleteOffsets(admin, o);
      }
    } finally {
      await admin.close();
    }
    return 1;
  });
}

/** The group states ListGroups v4 filters on (Kafka's ConsumerGroupState names). */
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];

/** --list, and --list --state [S,S]: Kafka's GROUP / STATE columns, filtered by state (case-insensitive). */
async function list(admin: Admin, o: ParsedOptions): Promise<number> {
  const stateArg = str(o, 'state');
  if (stateArg === undefined) {
    for (const g of await admin.listGroups()) if (g.protocolType === 'consumer' || g.protocolType === '') console.log(g.groupId);
    return 0;
  }
  const states = stateArg === '' ? [] : stateArg.split(',').map((s) => s.trim()).map((s) => {
    const known = GROUP_STATES.find((k) => k.toLowerCase() === s.toLowerCase());
    if (known === undefined) throw new UsageError(`Invalid state list '${stateArg}'. Valid states are: ${GROUP_STATES.join(', ')}`);
    return known;
  });
  const groups = (await admin.listGroups({ states })).filter((g) => g.protocolType === 'consumer' || g.protocolType === '');
  const width = Math.max(15, ...groups.map((g) => g.groupId.length));
  console.log(`${'GROUP'.padEnd(width)} STATE`);
  for (const g of groups) console.log(`${g.groupId.padEnd(width)} ${g.state}`);
  return 0;
}

async function groupsOf(admin: Admin, o: ParsedOptions): Promise<string[]> {
  if (flag(o, 'all-groups')) return (await admin.listGroups()).map((g) => g.groupId);
  const groups = o.get('group');
  if (groups === undefined || groups.length === 0) throw new UsageError('Option [group] or [all-groups] is required.');
  return groups;
}

function exists(d: GroupDescription): boolean {
  return !(d.state === 'Dead' || d.errorCode === ErrorCode.GROUP_ID_NOT_FOUND);
}

async function describe(admin: Admin, o: ParsedOptions): Promise<number> {
  const ids = await groupsOf(admin, o);
  let rc = 0;
  for (const d of await admin.describeGroups(ids)) {
    const committed = exists(d) ? await admin.listConsumerGroupOffsets(d.groupId) : [];
    // The coordinator describes an unknown group as Dead (or Empty with nothing in it).
    if (!exists(d) || (d.state === 'Empty' && d.protocolType === '' && committed.length === 0)) {
      console.error(`Error: Consumer group '${d.groupId}' does not exist.`);
      rc = 1;
      continue;
    }
    // Kafka's ConsumerGroupCommand writes these notes to stderr, so stdout stays the table alone.
    if (d.state === 'PreparingRebalance' || d.state === 'CompletingRebalance') console.error(`\nWarning: Consumer group '${d.groupId}' is rebalancing.`);
    else if (d.members.length === 0 && !flag(o, 'state')) console.error(`\nConsumer group '${d.groupId}' has no active members.`);
    if (flag(o, 'state')) await printState(admin, d);
    else if (flag(o, 'members')) printMembers(d, flag(o, 'verbose'));
    else await printOffsets(admin, d, committed);
  }
  return rc;
}

async function printState(admin: Admin, d: GroupDescription): Promise<void> {
  const cluster = await admin.describeCluster();
  const c = cluster.brokers.find((b) => b.nodeId === d.coordinator);
  const coordinator = c === undefined ? `(${d.coordinator})` : `${c.host}:${c.port}  (${c.nodeId})`;
  console.log('');
  for (const l of formatTable(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'], [[d.groupId, coordinator, d.protocol, d.state, String(d.members.length)]], [25, 25, 20, 15])) console.log(l);
}

function printMembers(d: GroupDescription, verbose: boolean): void {
  const header = ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', ...(verbose ? ['ASSIGNMENT'] : [])];
  const rows = d.members.map((m) => {
    const byTopic = new Map<string, number[]>();
    for (const tp of m.assignment) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const assignment = m.assignment.length === 0 ? '-' : [...byTopic].map(([t, ps]) => `${t}(${ps.sort((a, b) => a - b).join(',')})`).join(', ');
    return [d.groupId, m.memberId, m.host, m.clientId, String(m.assignment.length), ...(verbose ? [assignment] : [])];
  });
  console.log('');
  for (const l of formatTable(header, rows, [15, 15, 15, 15, 12])) console.log(l);
}

async function printOffsets(admin: Admin, d: GroupDescription, committed: { topic: string; partition: number; offset: bigint }[]): Promise<void> {
  const owner = new Map<string, { memberId: string; host: string; clientId: string }>();
  for (const m of d.members) for (const tp of m.assignment) owner.set(`${tp.topic}\u0000${tp.partition}`, m);
  const keys = new Map<string, TopicPartition>();
  for (const c of committed) keys.set(`${c.topic}\u0000${c.partition}`, { topic: c.topic, partition: c.partition });
  for (const m of d.members) for (const tp of m.assignment) keys.set(`${tp.topic}\u0000${tp.partition}`, tp);
  const tps = [...keys.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  const ends = new Map<string, bigint>();
  for (const e of await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: OffsetSpec.latest })))) ends.set(`${e.topic}\u0000${e.partition}`, e.offset);
  const current = new Map(committed.map((c) => [`${c.topic}\u0000${c.partition}`, c.offset]));
  const rows = tps.map((tp) => {
    const k = `${tp.topic}\u0000${tp.partition}`;
    const cur = current.get(k);
    const end = ends.get(k);
    const m = owner.get(k);
    const lag = cur !== undefined && cur >= 0n && end !== undefined ? String(end - cur > 0n ? end - cur : 0n) : '-';
    return [d.groupId, tp.topic, String(tp.partition), cur !== undefined && cur >= 0n ? String(cur) : '-', end === undefined ? '-' : String(end), lag,
      m?.memberId ?? '-', m?.host ?? '-', m?.clientId ?? '-'];
  });
  console.log('');
  for (const l of formatTable(['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'], rows, [15, 15, 10, 15, 15, 15, 15, 15])) console.log(l);
}

/** `t`, or `t:0,1` -> the named partitions (all of t's partitions when none are named). */
async function topicPartitions(admin: Admin, specs: string[]): Promise<TopicPartition[]> {
  const out: TopicPartition[] = [];
  for (const spec of specs) {
    const i = spec.indexOf(':');
    const topic = i < 0 ? spec : spec.slice(0, i);
    if (i >= 0) {
      for (const p of spec.slice(i + 1).split(',')) {
        if (!/^\d+$/.test(p.trim())) throw new UsageError(`invalid partition '${p}' in --topic ${spec}`);
        out.push({ topic, partition: Number(p.trim()) });
      }
    } else {
      const [d] = await admin.describeTopics([topic]);
      for (const p of d!.partitions) out.push({ topic, partition: p.partition });
    }
  }
  return out;
}

/** ISO-8601 duration PnDTnHnMnS (as Java's Duration.parse) in milliseconds. */
export function parseDurationMs(s: string): number {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(s);
  if (m === null || s === 'P' || s === 'PT') throw new UsageError(`invalid --by-duration '${s}': expected PnDTnHnMnS`);
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60000 + Number(m[4] ?? 0) * 1000;
}

/** Kafka's --to-datetime: local time unless a zone is given. */
export function parseDatetimeMs(s: string): number {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
    throw new UsageError(`Error parsing timestamp '${s}': expected YYYY-MM-DDTHH:mm:SS.sss`);
  }
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new UsageError(`Error parsing timestamp '${s}'`);
  return ms;
}

async function resetOffsets(admin: Admin, o: ParsedOptions): Promise<number> {
  const ids = await groupsOf(admin, o);
  const scenarios = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'to-datetime', 'shift-by', 'by-duration'].filter((s) => o.has(s));
  if (scenarios.length !== 1) throw new UsageError('Option [reset-offsets] takes exactly one of these options: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --to-current, --to-offset');
  if (!o.has('topic') && !flag(o, 'all-topics')) throw new UsageError('Option [reset-offsets] needs one of --topic or --all-topics');
  if (flag(o, 'dry-run') && flag(o, 'execute')) throw new UsageError('Option [reset-offsets] takes only one of --dry-run or --execute');
  const execute = flag(o, 'execute');
  if (!execute && !flag(o, 'dry-run')) {
    console.log('WARN: No action will be performed as the --execute option is missing. In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.');
  }
  const rows: string[][] = [];
  for (const groupId of ids) {
    const [d] = await admin.describeGroups([groupId]);
    if (d !== undefined && d.members.length > 0) {
      console.error(`Error: Assignments can only be reset if the group '${groupId}' is inactive, but the current state is ${d.state}.`);
      return 1;
    }
    const committed = await admin.listConsumerGroupOffsets(groupId);
    const tps = flag(o, 'all-topics') ? committed.map((c) => ({ topic: c.topic, partition: c.partition })) : await topicPartitions(admin, o.get('topic')!);
    if (tps.length === 0) continue;
    const earliest = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: OffsetSpec.earliest })));
    const latest = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: OffsetSpec.latest })));
    const k = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
    const lo = new Map(earliest.map((e) => [k(e), e.offset]));
    const hi = new Map(latest.map((e) => [k(e), e.offset]));
    const cur = new Map(committed.map((c) => [k(c), c.offset]));
    const clamp = (tp: TopicPartition, v: bigint): bigint => {
      const a = lo.get(k(tp)) ?? 0n;
      const b = hi.get(k(tp)) ?? v;
      return v < a ? a : v > b ? b : v;
    };
    let byTime: Map<string, bigint> | null = null;
    if (o.has('to-datetime') || o.has('by-duration')) {
      const ts = o.has('to-datetime') ? parseDatetimeMs(str(o, 'to-datetime')!) : Date.now() - parseDurationMs(str(o, 'by-duration')!);
      const found = await admin.listOffsets(tps.map((tp) => ({ ...tp, timestamp: BigInt(ts) })));
      byTime = new Map(found.map((f) => [k(f), f.offset < 0n ? hi.get(k(f)) ?? 0n : f.offset]));
    }
    const target = (tp: TopicPartition): bigint => {
      const c = cur.get(k(tp));
      const current = c !== undefined && c >= 0n ? c : hi.get(k(tp)) ?? 0n;
      switch (scenarios[0]) {
        case 'to-earliest': return lo.get(k(tp)) ?? 0n;
        case 'to-latest': return hi.get(k(tp)) ?? 0n;
        case 'to-current': return current;
        case 'to-offset': return clamp(tp, bigintArg(str(o, 'to-offset')!, 'to-offset'));
        case 'shift-by': return clamp(tp, current + bigintArg(str(o, 'shift-by')!, 'shift-by'));
        default: return byTime!.get(k(tp)) ?? 0n;
      }
    };
    const offsets = tps.map((tp) => ({ ...tp, offset: target(tp) }));
    if (execute) await admin.alterConsumerGroupOffsets(groupId, offsets);
    for (const x of offsets) rows.push([groupId, x.topic, String(x.partition), String(x.offset)]);
  }
  console.log('');
  for (const l of formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows, [30, 30, 10, 15])) console.log(l);
  return 0;
}

function bigintArg(v: string, name: string): bigint {
  if (!/^-?\d+$/.test(v)) throw new UsageError(`option '${name}' needs an integer, got '${v}'`);
  return BigInt(v);
}

async function deleteGroups(admin: Admin, o: ParsedOptions): Promise<number> {
  const ids = await groupsOf(admin, o);
  const results = await admin.deleteGroups(ids);
  const failed = results.filter((r) => r.errorCode !== 0);
  const ok = results.filter((r) => r.errorCode === 0);
  if (ok.length > 0) console.log(`Deletion of requested consumer groups (${ok.map((r) => `'${r.groupId}'`).join(', ')}) was successful.`);
  if (failed.length > 0) {
    console.log('Deletion of some consumer groups failed:');
    for (const f of failed) {
      const info = errorInfo(f.errorCode);
      const why = f.errorCode === ErrorCode.NON_EMPTY_GROUP ? 'The group is not empty.' : f.errorCode === ErrorCode.GROUP_ID_NOT_FOUND ? 'The group id does not exist.' : info.message;
      console.log(`* Group '${f.groupId}' could not be deleted due to: ${info.exception}: ${why}`);
    }
    return 1;
  }
  return 0;
}

async function deleteOffsets(admin: Admin, o: ParsedOptions): Promise<number> {
  const ids = o.get('group') ?? [];
  if (ids.length !== 1) throw new UsageError('Option [delete-offsets] takes exactly one --group');
  if (!o.has('topic')) throw new UsageError('Option [delete-offsets] needs --topic');
  const tps = await topicPartitions(admin, o.get('topic')!);
  await admin.deleteConsumerGroupOffsets(ids[0]!, tps);
  console.log('Request succeed for deleting offsets from group ' + ids[0] + '.');
  console.log('');
  for (const l of formatTable(['TOPIC', 'PARTITION', 'STATUS'], tps.map((tp) => [tp.topic, String(tp.partition), 'Successful']), [15, 10])) console.log(l);
  return 0;
}
