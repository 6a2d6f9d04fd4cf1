#!/usr/bin/env bash
# `make cluster`: the scale-out topology on loopback: two cores (engine topics in, md.* and stores
# out), two edges (md.* in, the public API out), the engine simulator and the exchange stand-ins.
# Ctrl-C stops everything. Expects `make stack-up build` to have run.
set -uo pipefail
cd "$(dirname "$0")/.."
RUN_KIND=cluster source stack/fresh-env.sh
CORES=${CLUSTER_CORES:-2}
EDGES=${CLUSTER_EDGES:-2}
BASE_PORT=${CLUSTER_BASE_PORT:-8080}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

node dist/src/store/migrate-cli.js >/dev/null || exit 1
node dist/src/sim/exchanges-main.js --port "${INDEX_EXCHANGE_BASE_URL##*:}" >.stack/logs/exchanges.log 2>&1 &
pids+=($!)
echo "cluster: topics ${TOPIC_PREFIX}*, databases md_$run; logs in .stack/logs/"
for i in $(seq 0 $((CORES - 1))); do
  port=$((BASE_PORT + 100 + i))
  ROLE=core HTTP_PORT=$port GRPC_PORT=$((port + 50000 - 8000)) KAFKA_TRANSACTIONAL_ID="md-$run-core-$i" \
    node dist/src/main.js >".stack/logs/core-$i.log" 2>&1 &
  pids+=($!)
  echo "cluster: core $i   health and metrics on http://127.0.0.1:$port"
done
for i in $(seq 0 $((EDGES - 1))); do
  port=$((BASE_PORT + 2 * i)) # 8080, 8082, ... (8081 is the schema registry)
  ROLE=edge HTTP_PORT=$port GRPC_PORT=$((50051 + i)) node dist/src/main.js >".stack/logs/edge-$i.log" 2>&1 &
  pids+=($!)
  echo "cluster: edge $i   REST, WebSocket ws://127.0.0.1:$port/ws, SSE on http://127.0.0.1:$port; gRPC on 127.0.0.1:$((50051 + i))"
done
sleep 2
node dist/src/sim/main.js --symbols "${SIM_SYMBOLS:-5}" --rate "${SIM_RATE:-1000}" --duration 0 --seed "${SIM_SEED:-1}" >.stack/logs/sim.log 2>&1 &
pids+=($!)
echo "cluster: simulator at ${SIM_RATE:-1000} events/s over ${SIM_SYMBOLS:-5} symbols; Ctrl-C stops everything"
wait -n "${pids[@]}"
echo "cluster: a process ended (see .stack/logs/); stopping the rest"
