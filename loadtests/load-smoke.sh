#!/usr/bin/env bash
# `npm run load:smoke`: about one minute of scenarios/load-smoke.yaml against the live stack, with its
# faults in step and its thresholds enforced (exit 99 when one fails, 3 when an invariant breaks).
# Starts the stack (smoke.yaml's topology) if none is up, and brings down only what it started.
# `stack up` flags come from LOAD_SMOKE_STACK_ARGS (default none: the stack's 3-replica Raft switch;
# e.g. LOAD_SMOKE_STACK_ARGS="--switch-replicas 1" for one switch node).
set -euo pipefail
cd "$(dirname "$0")/.."
LAB="node dist/apps/lab/src/main.js"
started=0
cleanup() { if [ "$started" = 1 ]; then $LAB stack down >/dev/null 2>&1 || true; fi; }
trap cleanup EXIT
status=0
out=$($LAB stack status) || status=$?
if grep -q '^no stack started' <<<"$out"; then
  started=1 # from here on, `stack down` on exit (even after a failed `up`)
  $LAB stack up --scenario scenarios/smoke.yaml ${LOAD_SMOKE_STACK_ARGS:-}
elif [ "$status" != 0 ]; then
  echo "$out" >&2
  echo "load:smoke: the stack is partly down; run \`upi-lab stack down\` (or start the missing parts) first" >&2
  exit 2
fi
$LAB load --scenario scenarios/load-smoke.yaml --out "${LOAD_SMOKE_OUT:-results/load-smoke.json}" "$@"
