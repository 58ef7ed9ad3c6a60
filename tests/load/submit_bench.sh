#!/usr/bin/env bash
# The SubmitComment benchmark with every check on: starts a private
# redis-server (the shipped redis.conf: AOF, appendfsync always) and a Release
# moderation-server beside it, rate limits and spam scoring (the shipped
# deploy/spam-rules.toml) on, then runs moderation-loadgen:
#   1. closed loop, health then valid submissions: the ceiling and the ratio;
#   2. open loop at half the submission rate measured in 1: the latencies;
#   3. closed loop with a mix of outcomes: each answered as it should be;
#   4. tests/load/h2load_submit.sh: the same server through h2load.
# After each of 1-3: the AOF rewrites Redis made meanwhile and the longest
# stalls of its main thread (fsync, expiry), which the latencies include.
# Only the two global limits are raised (from 200 and 500 a second): the
# benchmark fetches a captcha per submission and submits from tens of
# thousands of addresses, as a large audience would. Every per-address,
# per-block, per-phone and per-article limit is as shipped, and checked on
# every call. Results (tables and JSON) go to OUT_DIR. Not part of the tests.
#   tests/load/submit_bench.sh [BUILD_DIR] [SECONDS] [OUT_DIR]
# SERVER=path/to/moderation-server measures another build of the server (say,
# of another commit) with this loadgen; REDIS_OPTIONS="--opt value ..." adds
# redis-server options (say, --auto-aof-rewrite-percentage 0 to see the
# latencies without AOF rewrites).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-loadgen}
seconds=${2:-10}
out=${3:-$build/submit-bench}
mkdir -p "$out"

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
# shellcheck disable=SC2086 # REDIS_OPTIONS is a list of options
start_redis redis ${REDIS_OPTIONS:-}
server_log="$out/server.log"
start_server MODERATION_METRICS_LISTEN="127.0.0.1:$(free_port)" MODERATION_LOG_LEVEL=info
# CPU time per call of both, from /proc: a busy machine disturbs it less than
# calls per second.
watch=(--server-pid "$server_pid" --redis-pid "$redis_pid")
echo "server $listen (log: $server_log), redis 127.0.0.1:$redis_port"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

echo "== 1. closed loop: Health/Check ceiling, then valid submissions"
redis_phase_start
"$loadgen" --target "$listen" "${watch[@]}" --phases health,submit --mix valid=100 \
  --duration "$seconds" --json "$out/closed.json" | tee "$out/closed.txt"
redis_phase_report | tee -a "$out/closed.txt"
half=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]));
s=[p for p in d["phases"] if p["phase"]=="submit"][0]["calls"][-1]
print(round(s["as_expected_per_second"]/2, 1))' "$out/closed.json")

echo "== 2. open loop at half that rate: $half calls/s"
redis_phase_start
"$loadgen" --target "$listen" "${watch[@]}" --phases submit --mix valid=100 --rate "$half" \
  --duration "$seconds" --json "$out/open.json" | tee "$out/open.txt"
redis_phase_report | tee -a "$out/open.txt"

echo "== 3. closed loop, a mix of outcomes"
redis_phase_start
"$loadgen" --target "$listen" "${watch[@]}" --phases submit \
  --mix valid=90,wrong_captcha=3,spam=3,rate_limited=2,invalid=2 --duration "$seconds" \
  --json "$out/mix.json" | tee "$out/mix.txt"
redis_phase_report | tee -a "$out/mix.txt"

echo "== 4. h2load"
tests/load/h2load_submit.sh "$listen" "$build" | tee "$out/h2load.txt"
