// Producer CPU per record against an out-of-process scripted broker: `node --import tsx bench/client/producer-cpu.mts [records]`.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Producer } from '../../src/client/producer/producer.js';

const n = Number(process.argv[2] ?? 300000);
const child = spawn(process.execPath, ['--import', 'tsx', new URL('./fake-broker-server.mts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [line] = (await once(child.stdout, 'data')) as [Buffer];
const bootstrap = line.toString().trim();
const producer = new Producer({ bootstrapServers: bootstrap, acks: 1 });
const value = Buffer.alloc(1024, 65);
await producer.send({ topic: 'perf', value });
const cpu0 = process.cpuUsage();
const t0 = performance.now();
for (let i = 0; i < n; i++) await producer.enqueue({ topic: 'perf', value, key: null }, () => undefined);
await producer.flush();
const cpu = process.cpuUsage(cpu0);
const ms = performance.now() - t0;
console.log(`${n} records, ${(n / ms * 1000).toFixed(0)} records/sec, client CPU ${((cpu.user + cpu.system) / n).toFixed(2)} us/record`);
await producer.close();
child.kill('SIGTERM');
