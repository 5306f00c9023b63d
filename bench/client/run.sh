#!/usr/bin/env bash
# Gregor client vs librdkafka against one `gregor dev` on this machine:
#   gregor perf produce/consume  vs  bench/client/librdkafka_perf.py (confluent_kafka)
# Usage: bash bench/client/run.sh [num-records] [record-size]   (run `npm run build` first)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000000}
SIZE=${2:-1024}
PORT=${PORT:-39092}
DATA=$(mktemp -d)
GREGOR="node dist/src/cli/main.js"
B=127.0.0.1:$PORT
GREGOR_LOG_LEVEL=warn $GREGOR dev --data-dir "$DATA" --port "$PORT" --keeper-port 0 --host 127.0.0.1 >"$DATA/dev.log" 2>&1 &
DEV=$!
trap 'kill $DEV 2>/dev/null; wait $DEV 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 1 50); do $GREGOR topics --bootstrap-server $B --list >/dev/null 2>&1 && break; sleep 0.2; done
$GREGOR topics --bootstrap-server $B --create --topic perf-gregor --partitions 3 --replication-factor 1
$GREGOR topics --bootstrap-server $B --create --topic perf-rdkafka --partitions 3 --replication-factor 1
echo "# gregor perf produce --num-records $N --record-size $SIZE --throughput -1 --producer-props acks=1"
$GREGOR perf produce --topic perf-gregor --num-records "$N" --record-size "$SIZE" --throughput -1 --producer-props bootstrap.servers=$B acks=1 | tail -1
echo "# librdkafka (confluent_kafka) produce, same load"
/usr/bin/python3 bench/client/librdkafka_perf.py produce $B perf-rdkafka "$N" "$SIZE" 1
echo "# gregor perf consume --messages $N"
$GREGOR perf consume --bootstrap-server $B --topic perf-gregor --messages "$N"
echo "# librdkafka (confluent_kafka) consume, same topic"
/usr/bin/python3 bench/client/librdkafka_perf.py consume $B perf-gregor "$N"
