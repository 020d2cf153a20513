#!/usr/bin/env bash
# A Spark standalone cluster on this machine (master + workers on 127.0.0.1), from the
# project's jars. For trying the cluster path and for tests; real clusters have their own.
# Usage: deploy/standalone-cluster.sh start [workers] [cores-per-worker] [memory-per-worker]
#        deploy/standalone-cluster.sh stop | status
# Environment: SPARK_HOME (default: made by deploy/spark-home.sh), MICRONET_CLUSTER_DIR
# (logs, pids and the secret; default target/spark-standalone), SPARK_MASTER_PORT (default 7077).
# Authenticated and encrypted: each start generates a shared secret into
# $MICRONET_CLUSTER_DIR/spark-auth.conf (mode 600; spark.authenticate, spark.network.crypto.enabled),
# which master and workers load and deploy/spark-submit.sh passes to drivers; a driver without it
# is refused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state="${MICRONET_CLUSTER_DIR:-$root/target/spark-standalone}"
port="${SPARK_MASTER_PORT:-7077}"
export SPARK_LOCAL_IP=127.0.0.1 SPARK_SCALA_VERSION=2.12  # workers build executor command lines with these
export SPARK_HOME="${SPARK_HOME:-$("$root/deploy/spark-home.sh")}"

wait_for() {  # file, text, seconds
  for _ in $(seq "$3"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "standalone-cluster: '$2' did not appear in $1 within $3 s" >&2
  tail -n 20 "$1" >&2 || true
  return 1
}

start() {
  local workers="${1:-2}" cores="${2:-2}" memory="${3:-4g}"
  mkdir -p "$state"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "standalone-cluster: port $port is taken (a master already running? try: $0 stop)" >&2
    exit 1
  fi
  local log="-Dlog4j2.configurationFile=$root/deploy/log4j2-daemons.properties" auth="$state/spark-auth.conf"
  # a file, not -D flags: a secret on a command line is visible to every user in ps
  (umask 077 && printf 'spark.authenticate true\nspark.authenticate.secret %s\nspark.network.crypto.enabled true\n' \
    "$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" > "$auth")
  setsid java "$log" -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$port" --webui-port 8080 --properties-file "$auth" > "$state/master.log" 2>&1 < /dev/null &
  echo $! > "$state/master.pid"
  wait_for "$state/master.log" "I have been elected leader" 60
  for i in $(seq "$workers"); do
    mkdir -p "$state/worker-$i"
    setsid java "$log" -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker "spark://127.0.0.1:$port" \
      --host 127.0.0.1 --cores "$cores" --memory "$memory" --webui-port $((8080 + i)) \
      --work-dir "$state/worker-$i" --properties-file "$auth" > "$state/worker-$i.log" 2>&1 < /dev/null &
    echo $! > "$state/worker-$i.pid"
  done
  for i in $(seq "$workers"); do
    wait_for "$state/worker-$i.log" "Successfully registered with master" 60
  done
  echo "spark://127.0.0.1:$port"
}

stop() {
  local pids=()
  for pid in "$state"/*.pid; do
    [ -e "$pid" ] || continue
    pids+=("$(cat "$pid")")
    kill "${pids[-1]}" 2>/dev/null || true
    rm -f "$pid"
  done
  # until they are gone, so that an immediate start finds the ports free
  for _ in $(seq 30); do
    kill -0 "${pids[@]}" 2>/dev/null || return 0
    sleep 1
  done
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) stop ;;
  status) ls "$state"/*.pid >/dev/null 2>&1 && echo "running: $(ls "$state"/*.pid | xargs -n1 basename)" || echo "stopped" ;;
  *) sed -n '2,9p' "$0"; exit 2 ;;
esac
