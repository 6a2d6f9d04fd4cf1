# Sourced by dev.sh and cluster.sh with RUN_KIND set: every run is a fresh environment (the
# simulator starts its sequences at 1, which a running engine never does, so topics and databases
# of an earlier run would make its events look old). Set TOPIC_PREFIX and the store URLs to reuse one.
export INDEX_EXCHANGE_BASE_URL=${INDEX_EXCHANGE_BASE_URL:-http://127.0.0.1:9100}
run="${RUN_KIND}$(date +%Y%m%d%H%M%S)"
export TOPIC_PREFIX=${TOPIC_PREFIX-$run.}
export CLICKHOUSE_URL=${CLICKHOUSE_URL:-http://127.0.0.1:8123/md_$run}
export POSTGRES_URL=${POSTGRES_URL:-postgres://md@127.0.0.1:5432/md_$run}
mkdir -p .stack/logs
