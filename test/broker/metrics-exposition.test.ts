/**
 * /metrics with several brokers in one process (gregor dev --brokers N): one valid Prometheus
 * exposition, each family's HELP and TYPE once, followed by the samples of every broker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerMetrics } from '../../src/broker/metrics/broker-metrics.js';
import { startMetricsServer } from '../../src/console/metrics-server.js';

test('two brokers\' metrics are one exposition: each family once, its samples contiguous', async () => {
  const brokers = [new BrokerMetrics(0), new BrokerMetrics(1)];
  brokers[0]!.messagesIn.inc({ topic: 't' }, 3);
  brokers[1]!.messagesIn.inc({ topic: 't' }, 4);
  const server = await startMetricsServer({ host: '127.0.0.1', port: 0, sources: brokers });
  try {
    const text = await (await fetch(server.url)).text();
    const lines = text.split('\n').filter((l) => l !== '');
    const helps = lines.filter((l) => l.startsWith('# HELP ')).map((l) => l.split(' ')[2]);
    assert.ok(helps.length > 5);
    assert.equal(new Set(helps).size, helps.length, 'one HELP line per family');
    // Every sample belongs to the family whose TYPE line precedes it.
    let family = '';
    for (const l of lines) {
      if (l.startsWith('# TYPE ')) family = l.split(' ')[2]!;
      else if (!l.startsWith('#')) assert.ok(l.startsWith(family), `${l} follows # TYPE ${family}`);
    }
    assert.match(text, /kafka_server_brokertopicmetrics_messagesin_total\{topic="t",broker="0"\} 3\nkafka_server_brokertopicmetrics_messagesin_total\{topic="t",broker="1"\} 4\n/);
  } finally {
    await server.close();
  }
});
