#!/usr/bin/env bash
# What durability costs: runs moderation-loadgen's submit phase against a
# Release moderation-server in front of a private Redis, once per setting:
#   always      the shipped redis.conf (appendfsync always): the default
#   everysec    appendfsync everysec (a machine crash can lose up to 1 s)
#   wait1       appendfsync always on a primary with one replica, and the
#               server's redis.wait_replicas = 1 (WAIT after each write batch)
# Prints one loadgen table per setting. Not part of the test suite.
#   tests/load/durability_bench.sh [BUILD_DIR] [SECONDS] [CONCURRENCY]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-bench}
seconds=${2:-10}
concurrency=${3:-64}
# Captchas are fetched before the measured window, one per submission: enough
# for what each setting sustains here (about 5,000/s with 64 in flight).
rate_guess=$([ "$concurrency" -le 4 ] && echo 2000 || echo 7000)

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"

run() {  # label redis_port [MODERATION_X=... ...]
  local label=$1
  # start_server reads both.
  local redis_port=$2 server_log="$work/server-$label.log"
  shift 2
  # Durability alone: no rate limits, the built-in spam rules, no audio.
  start_server MODERATION_RATELIMIT_ENABLED=0 MODERATION_SPAM_RULES_FILE= \
    MODERATION_CAPTCHA_AUDIO=0 "$@"
  echo "== $label"
  "$loadgen" --target "$listen" --phases submit --duration "$seconds" --warmup 2 \
    --concurrency "$concurrency" --closed-loop-rate-guess "$rate_guess"
  kill -TERM "$server_pid"
  wait "$server_pid" || true
}

start_redis always
run always "$redis_port"
start_redis everysec --appendfsync everysec
run everysec "$redis_port"
start_redis primary
primary=$redis_port
start_redis replica --replicaof 127.0.0.1 "$primary"
for _ in $(seq 1 100); do
  redis-cli -p "$primary" info replication | grep -q 'state=online' && break
  sleep 0.1
done
run wait1 "$primary" MODERATION_REDIS_WAIT_REPLICAS=1 MODERATION_REDIS_WAIT_TIMEOUT_MS=200
