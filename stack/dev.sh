#!/usr/bin/env bash
# `make dev`: the exchange stand-ins and the engine simulator in the background, the service in the
# foreground; Ctrl-C stops all three. Expects `make stack-up build` to have run.
set -uo pipefail
cd "$(dirname "$0")/.."
RUN_KIND=dev source stack/fresh-env.sh
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM

node dist/src/sim/exchanges-main.js --port "${INDEX_EXCHANGE_BASE_URL##*:}" >.stack/logs/exchanges.log 2>&1 &
pids+=($!)
node dist/src/sim/main.js --symbols "${SIM_SYMBOLS:-5}" --rate "${SIM_RATE:-1000}" --duration 0 --seed "${SIM_SEED:-1}" >.stack/logs/sim.log 2>&1 &
pids+=($!)
echo "dev: exchange stand-ins on $INDEX_EXCHANGE_BASE_URL, simulator at ${SIM_RATE:-1000} events/s over ${SIM_SYMBOLS:-5} symbols (logs in .stack/logs/)"
echo "dev: topics ${TOPIC_PREFIX}*, databases md_$run (ClickHouse and PostgreSQL)"
echo "dev: service on http://127.0.0.1:${HTTP_PORT:-8080} (REST, WebSocket /ws, SSE, health, metrics), gRPC on ${GRPC_PORT:-50051}; Ctrl-C stops everything"
node dist/src/main.js &
pids+=($!)
wait "${pids[-1]}"
