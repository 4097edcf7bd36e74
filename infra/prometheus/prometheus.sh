#!/usr/bin/env bash
# Runs Debian's Prometheus (/usr/bin/prometheus) against the local live stack, without Docker, on
# 127.0.0.1:${PROM_PORT:-9090}. The config lists every process of the stack that is up (from
# .state/stack/stack.json, see config.js), or the default port layout (prometheus.yml) if none is.
#   prometheus.sh install|start|stop|status|wait|config
# Idempotent: start on a running instance and stop on a stopped one are no-ops. Restart it after
# `stack up` with another layout (several PSPs or bank processes) to pick the new ports up.
set -euo pipefail

PORT="${PROM_PORT:-9090}"
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
STATE="${UPI_STATE:-.state}"
mkdir -p "$STATE/prometheus"
[[ -f "$STATE/prometheus/.gitignore" ]] || echo '*' >"$STATE/prometheus/.gitignore"
DIR="$(cd "$STATE/prometheus" && pwd)"
CONF="$DIR/prometheus.yml"
PIDFILE="$DIR/prometheus.pid"
LOGFILE="$DIR/prometheus.log"
BIN="${PROMETHEUS_BIN:-/usr/bin/prometheus}"
WAIT_SECONDS="${PROM_WAIT_SECONDS:-30}"

alive() {
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ -n "$st" && "$st" != "Z" ]]
}
pid_alive() { [[ -f "$PIDFILE" ]] && alive "$(cat "$PIDFILE")"; }
ready() { curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; }

install() {
  if [[ -x "$BIN" ]]; then
    echo "prometheus present: $("$BIN" --version 2>&1 | head -1)"
    return
  fi
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y prometheus
  fi
  # Debian's package may start its own service on 9090 under systemd; ours is a separate process.
  echo "installed: $("$BIN" --version 2>&1 | head -1)"
}

config() { node infra/prometheus/config.js; }

start() {
  [[ -x "$BIN" ]] || install
  if pid_alive; then
    echo "prometheus already running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
    return
  fi
  if ready; then
    echo "port $PORT answers but is not our instance (no live pid in $PIDFILE); set PROM_PORT" >&2
    exit 1
  fi
  config >"$CONF"
  "$BIN" --config.file="$CONF" --storage.tsdb.path="$DIR/data" --storage.tsdb.retention.time=2d \
    --web.listen-address="127.0.0.1:$PORT" --web.enable-lifecycle >>"$LOGFILE" 2>&1 &
  echo $! >"$PIDFILE"
  echo "prometheus started on http://127.0.0.1:$PORT (pid $(cat "$PIDFILE")), config $CONF, log $LOGFILE"
}

wait_ready() {
  for ((i = 0; i < WAIT_SECONDS * 4; i++)); do
    ready && { echo "prometheus ready on 127.0.0.1:$PORT"; return 0; }
    pid_alive || { echo "prometheus exited; see $LOGFILE" >&2; tail -20 "$LOGFILE" >&2; return 1; }
    sleep 0.25
  done
  echo "prometheus not ready after ${WAIT_SECONDS}s; see $LOGFILE" >&2
  return 1
}

stop() {
  if ! pid_alive; then
    echo "prometheus not running"
    rm -f "$PIDFILE"
    return
  fi
  local pid
  pid="$(cat "$PIDFILE")"
  kill "$pid"
  for ((i = 0; i < 80; i++)); do
    alive "$pid" || break
    sleep 0.25
  done
  alive "$pid" && kill -9 "$pid"
  rm -f "$PIDFILE"
  echo "prometheus stopped (pid $pid)"
}

status() {
  if pid_alive; then
    echo "prometheus running on 127.0.0.1:$PORT (pid $(cat "$PIDFILE"))"
  else
    echo "prometheus not running"
    return 3
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  wait) wait_ready ;;
  config) config ;;
  *)
    echo "usage: $0 install|start|stop|status|wait|config" >&2
    exit 2
    ;;
esac
