// A scripted broker in its own process (acks everything at once), to measure client CPU alone.
import { startFakeBroker } from '../../test/client/fake-broker.js';
let offset = 0n;
const b = await startFakeBroker({ perf: 3 }, () => ({ errorCode: 0, baseOffset: (offset += 1n) }));
console.log(b.bootstrap);
process.on('SIGTERM', () => void b.close().then(() => process.exit(0)));
