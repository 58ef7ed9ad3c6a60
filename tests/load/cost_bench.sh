#!/usr/bin/env bash
# What one valid submission costs, the figures the write path is judged by:
#   1. a closed loop of COUNT valid submissions, 64 in flight, on an empty
#      Redis (shipped redis.conf: AOF, appendfsync always; automatic AOF
#      rewrites off so that the AOF's growth can be read): Redis's and the
#      server's CPU per submission (/proc), the submission script's time per
#      call (INFO commandstats), and the growth of the AOF and of
#      `used_memory` per submission;
#   2. on another empty Redis with rewrites left on: COUNT submissions in a
#      closed loop, then an open loop at RATE submissions/s for SECONDS, with
#      its latency percentiles and the CPU per submission at that rate.
# Not part of the tests.
#   tests/load/cost_bench.sh [BUILD_DIR] [COUNT] [RATE] [SECONDS]
# SERVER=path/to/moderation-server measures another build of the server.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-release}
count=${2:-10000}
rate=${3:-1000}
seconds=${4:-10}

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
info() { redis-cli -p "$redis_port" INFO "$1" | tr -d '\r' | sed -n "s/^$2://p"; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

echo "== 1. closed loop, $count valid submissions, 64 in flight (AOF rewrites off)"
start_redis cost --auto-aof-rewrite-percentage 0
start_server
"$loadgen" --target "$listen" --server-pid "$server_pid" --redis-pid "$redis_pid" \
  --phases submit --mix valid=100 --count "$count" --warmup 0 --concurrency 64 \
  --captchas "$((count + 100))" >"$work/closed.txt" 2>&1 &
loadgen_pid=$!
await_captchas_fetched "$work/closed.txt" "$loadgen_pid"
redis-cli -p "$redis_port" config resetstat >/dev/null
memory_before=$(info memory used_memory)
aof_before=$(info persistence aof_current_size)
wait "$loadgen_pid"
memory_after=$(info memory used_memory)
aof_after=$(info persistence aof_current_size)
grep -E '^submit |CPU in the submit' "$work/closed.txt"
script=$(redis-cli -p "$redis_port" info commandstats | tr -d '\r' | grep '^cmdstat_evalsha')
echo "script: $script"
# The statistics were reset while the first submissions may have been under
# way: the submissions counted are the script's calls since then.
calls=$(sed 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/' <<<"$script")
echo "per submission: AOF +$(( (aof_after - aof_before) / calls )) bytes," \
  "used_memory +$(( (memory_after - memory_before) / calls )) bytes ($calls submissions)"
kill -9 "$server_pid" "$redis_pid" 2>/dev/null || true
wait "$server_pid" "$redis_pid" 2>/dev/null || true

echo "== 2. $count submissions, then an open loop at $rate/s for $seconds s (AOF rewrites on)"
start_redis latency
start_server
"$loadgen" --target "$listen" --phases submit --mix valid=100 --count "$count" --warmup 0 \
  --concurrency 64 --captchas "$((count + 100))" >"$work/before.txt" 2>&1
grep -E '^submit ' "$work/before.txt" | sed 's/^/before: /'
redis_phase_start
"$loadgen" --target "$listen" --server-pid "$server_pid" --redis-pid "$redis_pid" \
  --phases submit --mix valid=100 --rate "$rate" --duration "$seconds" >"$work/open.txt" 2>&1
grep -E '^phase|^submit |CPU in the submit|late|dropped' "$work/open.txt"
redis_phase_report
