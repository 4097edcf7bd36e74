# Shared by kafka.sh (one broker) and cluster.sh (three brokers): install, format, start, stop, wait.
# Sourced with the repo root as the working directory; not meant to be run on its own.
# shellcheck shell=bash disable=SC2034 # variables here are used by the scripts that source it

KAFKA_VERSION=3.9.2 # must match <kafka.version> in pom.xml
KAFKA_SCRIPTS="$(pwd)/infra/kafka"
KAFKA_HOME="${UPI_CACHE:-$HOME/.cache/upi-loadlab}/kafka-$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
mkdir -p "${UPI_STATE:-.state}/kafka"
# Broker data never belongs in git.
[[ -f "${UPI_STATE:-.state}/kafka/.gitignore" ]] || echo '*' >"${UPI_STATE:-.state}/kafka/.gitignore"
KAFKA_STATE="$(cd "${UPI_STATE:-.state}/kafka" && pwd)"

# 512 MiB is plenty for a broker whose data lives in the page cache. SerialGC: one GC thread, no
# concurrent marking threads competing for the 2 shared cores, and pauses of a few ms on this heap.
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms512m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseSerialGC -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
# Short-lived tools only need to start fast: C1 only, small heap.
KAFKA_TOOL_OPTS="${KAFKA_TOOL_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1}"
KAFKA_WAIT_SECONDS="${KAFKA_WAIT_SECONDS:-90}"
KAFKA_STOP_SECONDS="${KAFKA_STOP_SECONDS:-30}"

die() {
  echo "kafka: $*" >&2
  exit 1
}

need_java() {
  command -v java >/dev/null || die "java not found (Java 17+ needed): apt-get install -y openjdk-17-jre-headless"
}

kafka_install() {
  if [[ -f "$KAFKA_LIBS/.complete" ]]; then
    echo "kafka $KAFKA_VERSION jars present in $KAFKA_LIBS"
    return
  fi
  need_java
  command -v mvn >/dev/null || die "mvn not found: apt-get install -y maven"
  mkdir -p "$KAFKA_HOME"
  # One installer at a time; the jars land in a temp folder and are renamed into place only when
  # complete, so an interrupted install is retried rather than half-used.
  exec 9>"$KAFKA_HOME/.install.lock"
  flock 9
  if [[ ! -f "$KAFKA_LIBS/.complete" ]]; then
    local tmp="$KAFKA_HOME/libs.tmp.$$"
    rm -rf "$tmp"
    echo "installing kafka $KAFKA_VERSION jars into $KAFKA_LIBS (Maven Central)"
    mvn -B -q -Dstyle.color=never -f "$KAFKA_SCRIPTS/pom.xml" package -Dkafka.libs="$tmp" \
      >"$KAFKA_HOME/install.log" 2>&1 || {
      cat "$KAFKA_HOME/install.log" >&2
      rm -rf "$tmp"
      die "mvn failed to fetch the kafka jars (log above: $KAFKA_HOME/install.log)"
    }
    touch "$tmp/.complete"
    rm -rf "$KAFKA_LIBS"
    mv "$tmp" "$KAFKA_LIBS"
    echo "installed $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars"
  fi
  flock -u 9
  exec 9>&-
}

need_libs() {
  need_java
  [[ -f "$KAFKA_LIBS/.complete" ]] || die "kafka jars missing in $KAFKA_LIBS: run 'infra/kafka/kafka.sh install'"
}

# Runs a Kafka command-line tool (StorageTool, TopicCommand, console clients) with quiet logging.
kafka_tool() {
  # shellcheck disable=SC2086 # option lists are meant to split
  java $KAFKA_TOOL_OPTS -Dlog4j.configuration="file:$KAFKA_SCRIPTS/tools-log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

# A live process, not a zombie (a detached broker's parent may be an init that reaps late).
alive() {
  local st
  st="$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ -n "$st" && "$st" != "Z" ]]
}

# The pid in DIR/kafka.pid, if it is alive and is the broker started with DIR's config (not a
# recycled pid of some other process).
node_pid() {
  local dir="$1" pid
  [[ -f "$dir/kafka.pid" ]] || return 1
  pid="$(cat "$dir/kafka.pid")"
  [[ -n "$pid" ]] && alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/server.properties" || return 1
  echo "$pid"
}

port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Formats DIR/data once (KRaft metadata log) with CLUSTER_ID.
node_format() {
  local dir="$1" cluster_id="$2"
  [[ -f "$dir/data/meta.properties" ]] && return
  kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$dir/server.properties" \
    --ignore-formatted >"$dir/format.log" 2>&1 || {
    cat "$dir/format.log" >&2
    die "storage format failed for $dir"
  }
}

random_cluster_id() {
  kafka_tool kafka.tools.StorageTool random-uuid
}

# Starts the broker whose config is DIR/server.properties in the background, detached from this
# shell (its own session), with DIR/kafka.pid and DIR/kafka.log. Ports: PORTS (space separated).
node_start() {
  local dir="$1" ports="$2" pid p
  if pid="$(node_pid "$dir")"; then
    echo "already running (pid $pid)"
    return
  fi
  for p in $ports; do
    port_open "$p" && die "port $p is in use by another process; refusing to start $dir"
  done
  # The subshell writes its own pid and execs java, so the pid file holds the JVM's pid.
  # shellcheck disable=SC2086,SC2016 # option lists split; $$ and $@ belong to the inner bash
  setsid bash -c 'echo $$ >"$1/kafka.pid"; shift; exec "$@"' _ "$dir" \
    java $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS \
    -Dlog4j.configuration="file:$KAFKA_SCRIPTS/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" \
    </dev/null >>"$dir/kafka.log" 2>&1 &
  # Wait for the pid file, so a stop right after start finds the process.
  for _ in $(seq 50); do
    [[ -s "$dir/kafka.pid" ]] && break
    sleep 0.1
  done
  echo "started pid $(cat "$dir/kafka.pid"), log $dir/kafka.log"
}

# SIGTERM (controlled shutdown), SIGKILL after KAFKA_STOP_SECONDS; then waits for PORTS to free.
node_stop() {
  local dir="$1" ports="$2" pid p
  if ! pid="$(node_pid "$dir")"; then
    if [[ -f "$dir/kafka.pid" ]]; then echo "stopped (pid $(cat "$dir/kafka.pid") exited)"; else echo "not running"; fi
    rm -f "$dir/kafka.pid"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # A paused (SIGSTOP) broker only acts on SIGTERM once continued.
  kill -CONT "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + KAFKA_STOP_SECONDS))
  while alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if alive "$pid"; then
    echo "pid $pid still alive after ${KAFKA_STOP_SECONDS}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while alive "$pid"; do sleep 0.1; done
  fi
  rm -f "$dir/kafka.pid"
  deadline=$((SECONDS + 15))
  for p in $ports; do
    while port_open "$p"; do
      ((SECONDS < deadline)) || die "port $p still open after stopping pid $pid"
      sleep 0.2
    done
  done
  echo "stopped pid $pid"
}

# Blocks until the brokers at BOOTSTRAP (host:port,...) answer a metadata request listing at least
# EXPECT brokers, or fails after KAFKA_WAIT_SECONDS. DIRS: node folders whose process must stay
# alive meanwhile (a broker that dies while starting fails the wait at once, with its log).
kafka_wait() {
  local bootstrap="$1" expect="$2"
  shift 2
  local deadline=$((SECONDS + KAFKA_WAIT_SECONDS)) first_port="${bootstrap%%,*}"
  first_port="${first_port##*:}"
  local d
  while ! port_open "$first_port"; do
    for d in "$@"; do
      node_pid "$d" >/dev/null && continue
      # A pid file left behind means the broker died while starting: show why.
      [[ -f "$d/kafka.pid" ]] || die "broker in $d is not running: start it first"
      tail -n 30 "$d/kafka.log" >&2 2>/dev/null || true
      die "broker in $d died (log above: $d/kafka.log)"
    done
    ((SECONDS < deadline)) || die "no broker listening on 127.0.0.1:$first_port after ${KAFKA_WAIT_SECONDS}s"
    sleep 0.2
  done
  local left=$((deadline - SECONDS))
  ((left > 0)) || left=1
  if node -e "require.resolve('kafkajs')" >/dev/null 2>&1; then
    # A real metadata request through the same client the apps use; fast (no JVM start).
    node "$KAFKA_SCRIPTS/probe.js" "$bootstrap" "$expect" "$left" ||
      die "brokers at $bootstrap did not answer metadata with $expect broker(s) within ${KAFKA_WAIT_SECONDS}s"
  else
    # No node_modules yet (e.g. before npm ci): Kafka's own admin client (a metadata request; it
    # retries internally until its 60 s API timeout).
    kafka_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$bootstrap" --list >/dev/null ||
      die "brokers at $bootstrap did not answer a metadata request"
  fi
}
