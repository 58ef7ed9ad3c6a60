#!/usr/bin/env bash
# Counts what reaches Redis per submission: starts a private redis-server and a
# Release moderation-server (rate limits and spam scoring on), records every
# command Redis receives with MONITOR while moderation-loadgen fetches N
# captchas and then makes N valid submissions, and prints the top-level
# commands by kind (EVALSHA by script) and the commands the scripts ran.
# One round trip per submission shows as exactly N calls of one script and
# no other per-submission command. Not part of the test suite.
#   tests/load/count_round_trips.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-loadgen}
count=${2:-1000}
server="$build/service/server/moderation-server"
loadgen="$build/tests/load/moderation-loadgen"
for binary in "$server" "$loadgen"; do
  [ -x "$binary" ] || { echo "missing $binary: cmake --build $build first" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
  {
    for pid in "${pids[@]}"; do kill -9 "$pid" || true; done
    wait
  } 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

redis_port=$(free_port)
cp "$root/deploy/redis/redis.conf" "$work/redis.conf"
redis-server "$work/redis.conf" --port "$redis_port" --bind 127.0.0.1 --dir "$work" \
  --daemonize no >"$work/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.05
done
listen="127.0.0.1:$(free_port)"
env MODERATION_LISTEN="$listen" MODERATION_REDIS_URL="redis://127.0.0.1:$redis_port" \
  MODERATION_METRICS_LISTEN= MODERATION_DEV_REVEAL_CAPTCHA=1 \
  MODERATION_SPAM_RULES_FILE="$root/deploy/spam-rules.toml" MODERATION_RATELIMIT_ENABLED=1 \
  MODERATION_RATELIMIT_SUBMIT_GLOBAL_COUNT=6000000 MODERATION_RATELIMIT_SUBMIT_GLOBAL_BURST=1000000 \
  MODERATION_RATELIMIT_CAPTCHA_GLOBAL_COUNT=6000000 MODERATION_RATELIMIT_CAPTCHA_GLOBAL_BURST=1000000 \
  MODERATION_LOG_LEVEL=warning "$server" 2>"$work/server.log" &
pids+=($!)
sleep 1

redis-cli -p "$redis_port" monitor >"$work/monitor.txt" &
monitor=$!
pids+=("$monitor")
sleep 0.3
"$loadgen" --target "$listen" --phases submit --mix valid=100 --count "$count" --warmup 0 \
  --concurrency 16 2>/dev/null | grep -E '^(phase|submit) '
sleep 0.5
kill "$monitor"

echo "top-level commands Redis received (EVALSHA by script SHA-1):"
grep -v '\[0 lua\]' "$work/monitor.txt" | awk 'NR > 1 { c = $4; if (c == "\"EVALSHA\"") c = c " " $5; n[c]++ }
  END { for (c in n) printf "%8d  %s\n", n[c], c }' | sort -rn | head -8
echo "(SET of mod:captcha:* and the limits script: fetching the captchas; the script called"
echo " exactly $count times: the submissions; XRANGE: the learned filter polling for lessons)"
inner=$(grep -c '\[0 lua\]' "$work/monitor.txt" || true)
echo "commands run inside scripts: $inner in all (the captchas' limits included)"
