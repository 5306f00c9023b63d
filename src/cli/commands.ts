/**
 * The table of subcommands. A command module exports `run(args): Promise<number>` (the exit
 * code) and prints its own `--help`.
 */
export interface CommandModule {
  run(args: string[]): Promise<number>;
}

export interface Command {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const commands: Command[] = [
  { name: 'dev', summary: 'keeper + broker in one process for development (data under ./data)', load: () => import('./commands/dev.js') },
  { name: 'broker', summary: 'Kafka-compatible broker (server.properties)', load: () => import('./commands/broker.js') },
  { name: 'keeper', summary: 'standalone ZooKeeper-compatible server (zoo.cfg)', load: () => import('./commands/keeper.js') },
  { name: 'topics', summary: 'create, list, describe, alter and delete topics (kafka-topics.sh)', load: () => import('./commands/topics.js') },
  { name: 'produce', summary: 'send lines from stdin as records (kafka-console-producer.sh)', load: () => import('./commands/produce.js') },
  { name: 'consume', summary: 'print records from topics (kafka-console-consumer.sh)', load: () => import('./commands/consume.js') },
  { name: 'groups', summary: 'list, describe, reset and delete consumer groups (kafka-consumer-groups.sh)', load: () => import('./commands/groups.js') },
  { name: 'leader-election', summary: 'preferred or unclean leader election (kafka-leader-election.sh)', load: () => import('./commands/leader-election.js') },
  { name: 'agent', summary: 'Flume-style log collection: sources -> channels -> sinks (flume-ng agent)', load: () => import('./commands/agent.js') },
  { name: 'perf', summary: 'load tests: perf produce | perf consume (kafka-*-perf-test.sh)', load: () => import('./commands/perf.js') },
  { name: 'zk', summary: 'zkCli.sh-style shell for the keeper or any ZooKeeper server', load: () => import('./commands/zk.js') },
];
