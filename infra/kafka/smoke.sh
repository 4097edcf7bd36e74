#!/usr/bin/env bash
# Produce/consume smoke test against a running broker (kafka.sh start && kafka.sh wait first):
# a fresh topic, keyed messages with acks=all, a consumer group that must see each exactly once,
# then resume after its committed offsets, a second group that reads everything from the start, and
# a committed plus an aborted transaction (only the committed records reach a consumer).
#   KAFKA_BOOTSTRAP (default 127.0.0.1:${KAFKA_PORT:-9092}), KAFKA_SMOKE_RF (default 1)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

BOOTSTRAP="${KAFKA_BOOTSTRAP:-127.0.0.1:${KAFKA_PORT:-9092}}"
RF="${KAFKA_SMOKE_RF:-1}"
TOPIC="smoke-$(date +%s)-$RANDOM"
smoke() { node infra/kafka/smoke.js "$@"; }

passed=0
failed=0
# Steps build on each other: after a failure the rest are counted as failed, not run.
check() {
  local name="$1"
  shift
  if ((failed == 0)) && "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: $name" >&2
  fi
}

first_round() {
  smoke create "$BOOTSTRAP" "$TOPIC" 3 "$RF" &&
    smoke produce "$BOOTSTRAP" "$TOPIC" 0 30 &&
    smoke consume "$BOOTSTRAP" "$TOPIC" "$TOPIC-g1" 0 30
}
# The group resumes after its committed offsets: only the 10 new messages.
resume() {
  smoke produce "$BOOTSTRAP" "$TOPIC" 30 10 &&
    smoke consume "$BOOTSTRAP" "$TOPIC" "$TOPIC-g1" 30 10
}
# A new group starts from the earliest offset: all 40.
second_group() { smoke consume "$BOOTSTRAP" "$TOPIC" "$TOPIC-g2" 0 40; }

# Aborted records stay invisible to a read_committed consumer; committed ones arrive once.
transactions() {
  smoke create "$BOOTSTRAP" "$TOPIC-tx" 1 "$RF" &&
    smoke txn "$BOOTSTRAP" "$TOPIC-tx" 0 5 &&
    smoke consume "$BOOTSTRAP" "$TOPIC-tx" "$TOPIC-tx-g" 0 5
}

echo "kafka smoke on $BOOTSTRAP, topic $TOPIC"
check "produce then consume with a group" first_round
check "group resumes after committed offsets" resume
check "second group reads from the beginning" second_group
check "transactions: committed visible, aborted not" transactions
echo "kafka smoke: $passed passed, $failed failed"
((failed == 0))
