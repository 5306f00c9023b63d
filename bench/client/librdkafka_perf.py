#!/usr/bin/python3
"""The librdkafka reference for `gregor perf`: the same load through confluent_kafka, printed in
kafka-producer-perf-test / kafka-consumer-perf-test format.

  librdkafka_perf.py produce BOOTSTRAP TOPIC NUM_RECORDS RECORD_SIZE [acks]
  librdkafka_perf.py consume BOOTSTRAP TOPIC MESSAGES
"""
import os
import random
import sys
import time

from confluent_kafka import Consumer, Producer


def produce(bootstrap, topic, n, size, acks):
    payload = bytes(random.randint(65, 90) for _ in range(size))
    # The Java client's defaults where librdkafka's differ (linger.ms, batch.size, buffer.memory and
    # max.in.flight=5; RD_MAX_IN_FLIGHT=1000000 gives librdkafka's own), so both clients work alike.
    p = Producer({'bootstrap.servers': bootstrap, 'acks': acks, 'linger.ms': 5, 'batch.size': 16384,
                  'queue.buffering.max.kbytes': 32768, 'queue.buffering.max.messages': 1000000,
                  'max.in.flight.requests.per.connection': int(os.environ.get('RD_MAX_IN_FLIGHT', '5'))})
    latencies = []
    sent = [0]
    start = time.perf_counter()

    def report(err, _msg, t0):
        if err is None:
            latencies.append((time.perf_counter() - t0) * 1000)
            sent[0] += 1

    for _ in range(n):
        t0 = time.perf_counter()
        while True:
            try:
                p.produce(topic, value=payload, on_delivery=lambda err, msg, t0=t0: report(err, msg, t0))
                break
            except BufferError:
                p.poll(0.01)
        p.poll(0)
    p.flush(120)
    elapsed = time.perf_counter() - start
    latencies.sort()
    pct = lambda q: int(latencies[min(len(latencies) - 1, int(q * len(latencies)))]) if latencies else 0
    print('%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.' % (
        sent[0], sent[0] / elapsed, sent[0] * size / elapsed / 1024 / 1024, sum(latencies) / max(1, len(latencies)),
        latencies[-1] if latencies else 0, pct(0.5), pct(0.95), pct(0.99), pct(0.999)))


def consume(bootstrap, topic, n):
    c = Consumer({'bootstrap.servers': bootstrap, 'group.id': 'rd-perf-%d' % random.randint(0, 99999),
                  'auto.offset.reset': 'earliest', 'enable.auto.commit': False})
    start_wall = time.time()
    start = time.perf_counter()
    joined = None
    count = 0
    nbytes = 0
    last = time.perf_counter()
    c.subscribe([topic])
    while count < n and time.perf_counter() - last < 10:
        msgs = c.consume(10000, 1.0)
        if msgs and joined is None:
            joined = time.perf_counter()
        for m in msgs:
            if m.error():
                continue
            count += 1
            nbytes += len(m.value() or b'') + len(m.key() or b'')
        if msgs:
            last = time.perf_counter()
    end = time.perf_counter()
    c.close()
    total = end - start
    rebalance = (joined or start) - start
    fetch = max(0.001, total - rebalance)
    mb = nbytes / 1024 / 1024
    fmt = lambda t: time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(t)) + ':%03d' % int((t % 1) * 1000)
    print('start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec')
    print('%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f' % (fmt(start_wall), fmt(start_wall + total), mb, mb / total, count, count / total,
                                                             int(rebalance * 1000), int(fetch * 1000), mb / fetch, count / fetch))


if __name__ == '__main__':
    if sys.argv[1] == 'produce':
        produce(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6] if len(sys.argv) > 6 else '1')
    else:
        consume(sys.argv[2], sys.argv[3], int(sys.argv[4]))
