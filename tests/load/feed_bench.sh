#!/usr/bin/env bash
# The read path a portal calls on every article view: ListApprovedComments
# through h2load, next to Health/Check (an empty call) in the same run, with
# the feed cache on (the default) and off (queue.feed_cache_refresh_ms = 0).
# Starts a private redis-server and a Release moderation-server (bench_lib.sh),
# queues comments with moderation-loadgen, approves them with modctl, then asks
# for the first page of the article with the most of them. Prints the rates,
# their ratio, and the CPU time per call of the server and Redis (from /proc:
# steadier than rates on a shared machine). Needs h2load (nghttp2-client).
# Not part of the tests.
#   tests/load/feed_bench.sh [BUILD_DIR] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-release}
requests=${2:-100000}
connections=16
streams=32
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }
modctl="$build/client/modctl"

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks_per_second=$(getconf CLK_TCK)

# Rate and CPU per call of one h2load run: NAME URL_PATH BODY_FILE
measure() {
  local name=$1 path=$2 body=$3
  local server_before redis_before start end
  server_before=$(cpu_ticks "$server_pid")
  redis_before=$(cpu_ticks "$redis_pid")
  start=$(date +%s.%N)
  h2load -n "$requests" -c "$connections" -m "$streams" -H 'content-type: application/grpc' \
    -H 'te: trailers' -d "$body" "http://$listen$path" >"$work/run.h2load"
  end=$(date +%s.%N)
  python3 - "$name" "$work/run.h2load" "$requests" "$ticks_per_second" \
    "$server_before" "$(cpu_ticks "$server_pid")" "$redis_before" "$(cpu_ticks "$redis_pid")" \
    "$start" "$end" <<'PY' | tee -a "$work/results"
import re, sys
name, path, requests, hz = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s0, s1, r0, r1 = (int(x) for x in sys.argv[5:9])
text = open(path).read()
rate = float(re.search(r'finished in [^,]+, ([0-9.]+) req/s', text).group(1))
ok = re.search(r'status codes: (\d+) 2xx', text)
print(f"{name:28s} {rate:10.0f} calls/s  server {1e6 * (s1 - s0) / hz / requests:7.1f} us/call"
      f"  redis {1e6 * (r1 - r0) / hz / requests:6.1f} us/call  (2xx: {ok.group(1) if ok else '?'})")
PY
}

# A gRPC message on the wire: 0 (not compressed), the length (4 bytes, big
# endian), the message. An empty HealthCheckRequest is 5 zeros.
printf '\0\0\0\0\0' >"$work/health.bin"

run() {  # LABEL, then VAR=value settings of the server
  local label=$1
  shift
  start_redis "redis-$label"
  server_log="$work/server-$label.log"
  start_server MODERATION_LIMITS_LOCAL_CLIENT_IP_ACCEPTED=1 "$@"
  "$loadgen" --target "$listen" --phases submit --count 3000 --mix valid=100 \
    --captcha-min-age 0 --warmup 0 >/dev/null 2>"$work/seed-$label.log"
  "$modctl" --server "$listen" --as bench --output json queue --all >"$work/queue.json"
  python3 - "$work/queue.json" "$work/ids" "$work/article" <<'PY'
import collections, json, sys
data = json.load(open(sys.argv[1]))
comments = data["comments"] if isinstance(data, dict) else data
open(sys.argv[2], "w").write("\n".join(c["comment_id"] for c in comments) + "\n")
article = collections.Counter(c["article_id"] for c in comments).most_common(1)[0]
open(sys.argv[3], "w").write(article[0])
print(f"{len(comments)} comments queued; the busiest article, {article[0]}, has {article[1]}",
      file=sys.stderr)
PY
  xargs -n 50 "$modctl" --server "$listen" --as bench approve <"$work/ids" >/dev/null
  python3 - "$(cat "$work/article")" "$work/list.bin" <<'PY'
import struct, sys
article = sys.argv[1].encode()
message = b"\x0a" + bytes([len(article)]) + article  # field 1, article_id
open(sys.argv[2], "wb").write(b"\x00" + struct.pack(">I", len(message)) + message)
PY
  echo "== $label"
  measure "Health.Check ($label)" /grpc.health.v1.Health/Check "$work/health.bin"
  measure "ListApproved ($label)" /moderation.v1.CommentService/ListApprovedComments \
    "$work/list.bin"
  kill "$server_pid" "$redis_pid"
  wait "$server_pid" "$redis_pid" 2>/dev/null || true
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores; $requests calls each"
run cache-on
run cache-off MODERATION_QUEUE_FEED_CACHE_REFRESH_MS=0
python3 - "$work/results" <<'PY'
import re, sys
rates = {}
for line in open(sys.argv[1]):
    m = re.match(r'(\S+) \((\S+)\)\s+([0-9]+) calls/s', line)
    if m:
        rates[(m.group(1), m.group(2))] = float(m.group(3))
for label in ("cache-on", "cache-off"):
    ratio = rates[("ListApproved", label)] / rates[("Health.Check", label)]
    print(f"ListApprovedComments / Health/Check, {label}: {ratio:.2f}")
PY
