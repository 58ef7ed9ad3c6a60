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

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
start_redis
start_server

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
