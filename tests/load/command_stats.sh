#!/usr/bin/env bash
# What Redis spends per submission, command by command: starts a private
# redis-server and a Release moderation-server (rate limits and spam scoring
# on), fetches N captchas, resets Redis's statistics, makes N valid submissions
# (64 in flight) and prints INFO commandstats: the submission script's time per
# call (EVALSHA) beside the time of the commands it ran. The difference is the
# cost of the script itself and of each redis.call. Not part of the test suite.
#   tests/load/command_stats.sh [BUILD_DIR] [N]
# SERVER=path/to/moderation-server measures another build of the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-loadgen}
count=${2:-8000}

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
start_redis
start_server

"$loadgen" --target "$listen" --phases submit --count "$count" --warmup 0 --concurrency 64 \
  --captchas "$((count + 100))" >"$work/loadgen.txt" 2>&1 &
loadgen_pid=$!
# Statistics start once the captchas are fetched, so only submissions count (the
# first few may come before the reset: the figures are per call).
await_captchas_fetched "$work/loadgen.txt" "$loadgen_pid"
redis-cli -p "$redis_port" config resetstat >/dev/null
wait "$loadgen_pid"
grep -E '^(phase|submit) ' "$work/loadgen.txt"
echo "commands Redis ran, by total time (usec_per_call is per command, inside scripts too):"
redis-cli -p "$redis_port" info commandstats | tr -d '\r' | grep '^cmdstat_' |
  sort -t= -k3 -nr | head -20
