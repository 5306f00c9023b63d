/**
 * The users' workflow through the CLI against a started cluster, in Kafka's formats:
 * topics --create/--describe, produce, consume --from-beginning --group, groups --describe,
 * topics --alter --partitions, groups --reset-offsets, topics --delete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type EmbeddedCluster } from '../../src/broker/embedded-cluster.js';
import { gregor } from '../helpers/cli.js';

let cluster: EmbeddedCluster;

before(async () => {
  cluster = await startCluster({ brokers: 1, brokerConfig: { 'group.initial.rebalance.delay.ms': 0 } });
});
after(async () => {
  await cluster.stop();
});

test('topics, produce, consume, groups: the kafka-*.sh workflow', async () => {
  const b = ['--bootstrap-server', cluster.bootstrapServers];
  let r = await gregor(['topics', ...b, '--create', '--topic', 't01', '--partitions', '3', '--replication-factor', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Created topic t01.\n');

  r = await gregor(['topics', ...b, '--describe', '--topic', 't01']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^Topic: t01\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: /);
  assert.deepEqual(lines.slice(1), [0, 1, 2].map((p) => `\tTopic: t01\tPartition: ${p}\tLeader: 0\tReplicas: 0\tIsr: 0`));

  r = await gregor(['topics', ...b, '--list']);
  assert.ok(r.stdout.split('\n').includes('t01'));
  r = await gregor(['topics', ...b, '--describe', '--under-replicated-partitions']);
  assert.equal(r.stdout, '', 'every ISR is complete');
  r = await gregor(['topics', ...b, '--create', '--topic', 'with-override', '--partitions', '1', '--config', 'retention.ms=123456']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['topics', ...b, '--describe', '--topics-with-overrides']);
  assert.match(r.stdout, /^Topic: with-override\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: retention\.ms=123456\n$/);

  const input = Array.from({ length: 30 }, (_, i) => `key${i}:value${i}`).join('\n') + '\n';
  r = await gregor(['produce', ...b, '--topic', 't01', '--property', 'parse.key=true', '--property', 'key.separator=:'], input);
  assert.equal(r.code, 0, r.stderr);

  r = await gregor(['consume', ...b, '--topic', 't01', '--from-beginning', '--group', 'g1', '--max-messages', '30',
    '--property', 'print.key=true', '--property', 'key.separator=:', '--property', 'print.partition=true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /Processed a total of 30 messages/);
  const consumed = r.stdout.trimEnd().split('\n');
  assert.equal(consumed.length, 30);
  assert.deepEqual(consumed.map((l) => l.split(':').slice(3).join(':')).sort(), Array.from({ length: 30 }, (_, i) => `value${i}`).sort());
  for (const l of consumed) assert.match(l, /^Partition:[0-2]:key(\d+):value\1$/);

  r = await gregor(['groups', ...b, '--describe', '--group', 'g1']);
  assert.equal(r.code, 0, r.stderr);
  const table = r.stdout.split('\n').filter((l) => l.startsWith('GROUP') || l.startsWith('g1'));
  assert.match(table[0]!, /^GROUP\s+TOPIC\s+PARTITION\s+CURRENT-OFFSET\s+LOG-END-OFFSET\s+LAG\s+CONSUMER-ID\s+HOST\s+CLIENT-ID$/);
  assert.equal(table.length, 4);
  // As ConsumerGroupCommand: the note goes to stderr, stdout is only the table.
  assert.match(r.stderr, /^Consumer group 'g1' has no active members\.$/m);
  assert.ok(!r.stdout.includes('no active members'));
  let total = 0n;
  for (const row of table.slice(1)) {
    const [group, topic, , current, end, lag] = row.split(/\s+/);
    assert.equal(group, 'g1');
    assert.equal(topic, 't01');
    assert.equal(current, end);
    assert.equal(lag, '0');
    total += BigInt(end!);
  }
  assert.equal(total, 30n);

  r = await gregor(['groups', ...b, '--list']);
  assert.ok(r.stdout.split('\n').includes('g1'));

  r = await gregor(['groups', ...b, '--reset-offsets', '--group', 'g1', '--topic', 't01', '--to-earliest', '--execute']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^GROUP\s+TOPIC\s+PARTITION\s+NEW-OFFSET\s*$/m);
  assert.match(r.stdout, /^g1\s+t01\s+0\s+0\s*$/m);

  r = await gregor(['topics', ...b, '--alter', '--topic', 't01', '--partitions', '2']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error while executing topic command : Topic currently has 3 partitions, which is higher than the requested 2\.$/m);
  r = await gregor(['topics', ...b, '--alter', '--topic', 't01', '--partitions', '5']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected\nAdding partitions succeeded!/);
  r = await gregor(['topics', ...b, '--describe', '--topic', 't01']);
  assert.match(r.stdout, /PartitionCount: 5/);

  r = await gregor(['groups', ...b, '--delete', '--group', 'g1']);
  assert.equal(r.stdout, "Deletion of requested consumer groups ('g1') was successful.\n");
  r = await gregor(['topics', ...b, '--delete', '--topic', 't01']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['topics', ...b, '--list']);
  assert.ok(!r.stdout.split('\n').includes('t01'));
  r = await gregor(['topics', ...b, '--create', '--topic', 'x', '--partitions', 'three']);
  assert.equal(r.code, 1);
});

test('every tool answers --help with examples', async () => {
  for (const tool of ['topics', 'produce', 'consume', 'groups', 'perf', 'leader-election']) {
    const r = await gregor([tool, '--help']);
    assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
    assert.match(r.stdout, /\nExamples:\n/, tool);
    assert.ok(r.stdout.split('Examples:')[1]!.includes(`gregor ${tool}`), tool);
  }
});

test('groups --describe with an active member: offsets, --members, --state; reset refused while active', async () => {
  const { Admin } = await import('../../src/client/admin/admin.js');
  const { Consumer } = await import('../../src/client/consumer/consumer.js');
  const { Producer } = await import('../../src/client/producer/producer.js');
  const b = ['--bootstrap-server', cluster.bootstrapServers];
  const admin = new Admin({ bootstrapServers: cluster.bootstrapServers });
  await admin.createTopics([{ name: 'active', numPartitions: 2, replicationFactor: 1 }]);
  await admin.close();
  const producer = new Producer({ bootstrapServers: cluster.bootstrapServers });
  await Promise.all(Array.from({ length: 10 }, (_, i) => producer.send({ topic: 'active', partition: i % 2, value: `v${i}` })));
  await producer.close();
  const consumer = new Consumer({ bootstrapServers: cluster.bootstrapServers, groupId: 'g2', clientId: 'app-1', autoOffsetReset: 'earliest', heartbeatIntervalMs: 200 });
  consumer.subscribe(['active']);
  let seen = 0;
  const deadline = Date.now() + 30000;
  while (seen < 10) {
    assert.ok(Date.now() < deadline, `the member read ${seen} of 10 records within 30 s`);
    seen += (await consumer.poll({ timeoutMs: 500 })).length;
  }
  await consumer.commit();
  let polling = true;
  const loop = (async () => {
    while (polling) await consumer.poll({ timeoutMs: 200 });
  })();
  try {
    let r = await gregor(['groups', ...b, '--describe', '--group', 'g2']);
    assert.equal(r.code, 0, r.stderr);
    const rows = r.stdout.split('\n').filter((l) => l.startsWith('g2'));
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const cols = row.split(/\s+/);
      assert.deepEqual(cols.slice(3, 6), ['5', '5', '0']);
      assert.match(cols[6]!, /^app-1-/);
      assert.equal(cols[8], 'app-1');
    }
    r = await gregor(['groups', ...b, '--describe', '--group', 'g2', '--members', '--verbose']);
    assert.match(r.stdout, /^GROUP\s+CONSUMER-ID\s+HOST\s+CLIENT-ID\s+#PARTITIONS\s+ASSIGNMENT$/m);
    assert.match(r.stdout, /^g2\s+app-1-\S+\s+\S+\s+app-1\s+2\s+active\(0,1\)$/m);
    r = await gregor(['groups', ...b, '--describe', '--group', 'g2', '--state']);
    assert.match(r.stdout, /^GROUP\s+COORDINATOR \(ID\)\s+ASSIGNMENT-STRATEGY\s+STATE\s+#MEMBERS$/m);
    assert.match(r.stdout, /^g2\s+127\.0\.0\.1:\d+\s+\(0\)\s+range\s+Stable\s+1$/m);
    // --list --state [filter]: GROUP / STATE columns (kafka-consumer-groups.sh --list --state).
    r = await gregor(['groups', ...b, '--list', '--state']);
    assert.match(r.stdout, /^GROUP\s+STATE$/m);
    assert.match(r.stdout, /^g2\s+Stable$/m);
    r = await gregor(['groups', ...b, '--list', '--state', 'empty,preparingrebalance']);
    assert.doesNotMatch(r.stdout, /^g2\s/m);
    r = await gregor(['groups', ...b, '--list', '--state', 'Stable']);
    assert.deepEqual(r.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)), [['g2', 'Stable']]);
    r = await gregor(['groups', ...b, '--list', '--state', 'Sleepy']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Invalid state list 'Sleepy'/);
    r = await gregor(['groups', ...b, '--reset-offsets', '--group', 'g2', '--topic', 'active', '--to-earliest', '--execute']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Assignments can only be reset if the group 'g2' is inactive, but the current state is Stable\./);
    r = await gregor(['groups', ...b, '--delete', '--group', 'g2']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Group 'g2' could not be deleted due to: GroupNotEmptyException: The group is not empty\./);
  } finally {
    polling = false;
    await loop;
    await consumer.close();
  }
  const r = await gregor(['groups', ...b, '--describe', '--group', 'g2', '--state']);
  assert.match(r.stdout, /\s+Empty\s+0$/m, 'the member left on close');
});

test('perf produce / perf consume print kafka-*-perf-test lines', async () => {
  const b = cluster.bootstrapServers;
  let r = await gregor(['topics', '--bootstrap-server', b, '--create', '--topic', 'perf-t', '--partitions', '2']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['perf', 'produce', '--topic', 'perf-t', '--num-records', '2000', '--record-size', '100', '--throughput', '-1',
    '--producer-props', `bootstrap.servers=${b}`, 'acks=1', 'linger.ms=1', '--print-metrics']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^2000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/m);
  assert.match(r.stdout, /^producer-metrics:record-send-total:\{client-id=perf-producer-client\}\s+: 2000\.000$/m);
  r = await gregor(['perf', 'consume', '--bootstrap-server', b, '--topic', 'perf-t', '--messages', '2000', '--timeout', '10000']);
  assert.equal(r.code, 0, r.stderr);
  const [header, line] = r.stdout.trimEnd().split('\n');
  assert.equal(header, 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  assert.match(line!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}, \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}:\d{3}, 0\.1907, [\d.]+, 2000, [\d.]+, \d+, \d+, [\d.]+, [\d.]+$/);
});

test('leader-election: Kafka\'s output for a preferred election that is not needed, and for unknown partitions', async () => {
  const b = ['--bootstrap-server', cluster.bootstrapServers];
  let r = await gregor(['topics', ...b, '--create', '--topic', 'le', '--partitions', '2', '--replication-factor', '1']);
  assert.equal(r.code, 0, r.stderr);
  r = await gregor(['leader-election', ...b, '--election-type', 'PREFERRED', '--topic', 'le', '--partition', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Valid replica already elected for partitions le-1\n');
  r = await gregor(['leader-election', ...b, '--election-type', 'PREFERRED', '--topic', 'le']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /Missing required option\(s\) \[partition\]/);
  r = await gregor(['leader-election', ...b, '--election-type', 'preferred', '--topic', 'le', '--partition', '7']);
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^Error completing leader election \(PREFERRED\) for partition: le-7: org\.apache\.kafka\.common\.errors\.UnknownTopicOrPartitionException: /m);
  r = await gregor(['leader-election', ...b, '--topic', 'le']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /election-type/);
  r = await gregor(['leader-election', ...b, '--election-type', 'UNCLEAN', '--topic', 'le', '--all-topic-partitions']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /One and only one of the following options is required/);
});
