# The two commands a newcomer needs:  make dev  (everything running)  and  make test  (the whole suite).
SHELL := /bin/bash
.DEFAULT_GOAL := help
NODE_TEST := node --test --test-concurrency=1 --test-timeout=600000

help:
	@echo "make dev          stack up, migrations, exchange stand-ins, simulator, and the service in the foreground"
	@echo "make test         stack up, build, run every test"
	@echo "make test-node22  the same suite on Node.js 22 LTS (installed from the npm registry into .tools/)"
	@echo "make cluster      stack up, two cores, two edges, exchange stand-ins and the simulator (scale-out on loopback)"
	@echo "make stack-up | stack-down | stack-status   the local Kafka, registry, ClickHouse, PostgreSQL, Redis"
	@echo "make service      the service alone against a running stack"
	@echo "make migrate      apply database migrations"
	@echo "make bench        run the benchmarks, write bench/results and docs/BENCHMARKS.md"
	@echo "make bench-node22 the WebSocket benchmarks on Node.js 22 beside them"
	@echo "make chaos        the fault scenarios at full size (kill -9 of one process and across a cluster, broker/registry/store outages, bad input): bench/results/chaos-*.json, docs/RELIABILITY.md"
	@echo "make clean-test-topics   delete the Kafka topics test runs left on a long-lived dev broker"

# npm ci only when package-lock.json changed since the last install (idempotent, offline-friendly).
node_modules/.installed: package.json package-lock.json
	@command -v node >/dev/null || { echo "Node.js 20+ is required (apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.installed

build: deps
	node client/gen-rest-types.mjs
	node client/build.mjs
	npx tsc -p tsconfig.json
	npx tsc -p web/tsconfig.json
	node web/build.mjs

# Debian's chromium for the browser test of the web page (playwright-core drives it; no download).
browser:
	@command -v chromium >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; }

stack-up:
	@bash stack/stack.sh up

stack-down:
	@bash stack/stack.sh down

stack-status:
	@bash stack/stack.sh status

migrate: build
	node dist/src/store/migrate-cli.js

# The service alone; its index sources point at the local stand-ins (npm run exchanges), never the internet.
service: build
	INDEX_EXCHANGE_BASE_URL=$${INDEX_EXCHANGE_BASE_URL:-http://127.0.0.1:9100} VENUE_BASE_URL=$${VENUE_BASE_URL:-http://127.0.0.1:9100} node dist/src/main.js

dev: stack-up build
	node dist/src/store/migrate-cli.js
	bash stack/dev.sh

# Scale-out on one machine: two cores and two edges (CLUSTER_CORES, CLUSTER_EDGES), see README "Scaling out".
cluster: stack-up build
	bash stack/cluster.sh

# schemathesis from PyPI for the contract test (a venv under .tools/)
schemathesis:
	@bash stack/schemathesis.sh

test: stack-up build browser schemathesis
	node dist/test/support/kafka-ready.js
	$(NODE_TEST) dist/test/unit/*.test.js dist/test/integration/*.test.js

# Every benchmark, then docs/BENCHMARKS.md from bench/results/*.json.
bench: stack-up build
	@for f in dist/bench/*.js; do [ "$$(basename $$f)" = report.js ] || node --expose-gc "$$f" || exit 1; done
	node dist/bench/report.js

# The WebSocket benchmarks again on Node.js 22 (results named ws-*-node22), then docs/BENCHMARKS.md.
bench-node22: stack-up build
	PATH="$$(bash stack/node-runtime.sh 22):$$PATH" BENCH_TAG=node22 node --expose-gc dist/bench/ws.js
	node dist/bench/report.js

# Fault scenarios at full size (CHAOS=name selects some; CHAOS_SIZE=short the versions make test runs).
chaos: stack-up build
	node dist/chaos/main.js $(CHAOS)

# Deletes the Kafka topics earlier test and benchmark runs left on a long-lived dev broker (not
# run by `make test`: for a minute after deleting thousands the broker answers topic creation
# with transient errors).
clean-test-topics: build
	node dist/test/support/clean-topics.js

# The whole suite on Node.js 22 LTS, whatever node the machine has (CI runs it after make test).
test-node22:
	PATH="$$(bash stack/node-runtime.sh 22):$$PATH" $(MAKE) test

test-unit: build
	$(NODE_TEST) dist/test/unit/*.test.js

.PHONY: help deps build browser stack-up stack-down stack-status migrate service dev cluster test test-node22 test-unit bench bench-node22 chaos clean-test-topics
