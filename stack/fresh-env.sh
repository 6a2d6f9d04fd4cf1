# Sourced by dev.sh and cluster.sh with RUN_KIND set: every run is a fresh environment (the
# simulator starts its sequences at 1, which a running engine never does, so topics and databases
# of an earlier run would make its events look old). Set TOPIC_PREFIX and the store URLs to reuse one.
export INDEX_EXCHANGE_BASE_URL=${INDEX_EXCHANGE_BASE_URL:-http://127.0.0.1:9100}
# outside venues (ccxt pro) from the same stand-ins; a few streams to start with
export VENUE_BASE_URL=${VENUE_BASE_URL:-$INDEX_EXCHANGE_BASE_URL}
export VENUE_STREAMS=${VENUE_STREAMS-binance:BTC/USDT@book:100,binance:BTC/USDT@trades,binance:BTC/USDT@ticker,okx:BTC/USDT@book:100,okx:ETH/USDT@trades,kraken:BTC/USDT@book:25}
# the stream control API's token on a dev machine (set your own anywhere else)
export ADMIN_TOKEN=${ADMIN_TOKEN-dev-admin-token-change-me}
run="${RUN_KIND}$(date +%Y%m%d%H%M%S)"
export TOPIC_PREFIX=${TOPIC_PREFIX-$run.}
export CLICKHOUSE_URL=${CLICKHOUSE_URL:-http://127.0.0.1:8123/md_$run}
export POSTGRES_URL=${POSTGRES_URL:-postgres://md@127.0.0.1:5432/md_$run}
mkdir -p .stack/logs
