#!/usr/bin/env bash
# What a comment costs in Redis memory over its life, measured: pending right
# after its submission, approved, and approved after retention (its personal
# data erased, and everything that expires within a day gone: captchas,
# limit state, idempotency records, the memory of recent bodies, claims).
# Starts a private redis-server and a Release moderation-server
# (bench_lib.sh), submits COUNT valid comments with moderation-loadgen,
# approves them all with modctl, runs the retention sweep as if a year had
# passed (retention-now: the server's own store and audit entries), deletes
# every key that has a time to live, and reads `used_memory` and the AOF's
# size at each step. Not part of the tests.
#   tests/load/memory_bench.sh [BUILD_DIR] [COUNT]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-release}
count=${2:-5000}
modctl="$build/client/modctl"
sweep="$build/tests/load/retention-now"
[ -x "$sweep" ] || { echo "missing $sweep: cmake --build $build first" >&2; exit 1; }

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
start_redis redis
start_server MODERATION_LIMITS_LOCAL_CLIENT_IP_ACCEPTED=1
cli() { redis-cli -p "$redis_port" "$@"; }
info_field() { cli INFO "$1" | tr -d '\r' | awk -F: -v f="$2" '$1 == f {print $2}'; }
memory() { info_field memory used_memory; }
aof() { info_field persistence aof_current_size; }

base_memory=$(memory)
base_aof=$(aof)
"$loadgen" --target "$listen" --phases submit --count "$count" --mix valid=100 \
  --captcha-min-age 0 --warmup 0 >/dev/null 2>"$work/loadgen.log"
"$modctl" --server "$listen" --as bench --output json queue --all >"$work/queue.json"
python3 -c '
import json, sys
data = json.load(open(sys.argv[1]))
comments = data["comments"] if isinstance(data, dict) else data
print("\n".join(c["comment_id"] for c in comments))
' "$work/queue.json" >"$work/ids"
queued=$(wc -l <"$work/ids")
pending_memory=$(memory)
pending_aof=$(aof)
xargs -n 100 "$modctl" --server "$listen" --as bench approve <"$work/ids" >/dev/null
approved_memory=$(memory)
approved_aof=$(aof)
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
"$sweep" --redis-url "redis://127.0.0.1:$redis_port" >"$work/sweep.log"
swept_memory=$(memory)
# Everything with a time to live is gone within a day (the longest, the
# idempotency records, last 24 hours).
cli --scan >"$work/keys"
python3 - "$work/keys" "$redis_port" <<'PY'
import subprocess, sys
keys = [k for k in open(sys.argv[1]).read().split("\n") if k]
ttl = subprocess.run(["redis-cli", "-p", sys.argv[2]], input="".join(f"PTTL \"{k}\"\n" for k in keys),
                     capture_output=True, text=True).stdout.split()
expiring = [k for k, t in zip(keys, ttl) if int(t) > 0]
subprocess.run(["redis-cli", "-p", sys.argv[2]], input="".join(f"UNLINK \"{k}\"\n" for k in expiring),
               capture_output=True, text=True)
print(f"{len(keys)} keys, {len(expiring)} with a time to live removed", file=sys.stderr)
PY
sleep 1
kept_memory=$(memory)
kept_keys=$(cli DBSIZE)

per() { python3 -c "print(f'{($1 - $2) / $3:,.0f}')"; }
echo "comments: $count submitted, $queued queued, all approved; $(cat "$work/sweep.log")"
echo "used_memory per comment (bytes, over an empty Redis):"
echo "  pending, just submitted:                 $(per "$pending_memory" "$base_memory" "$queued")"
echo "  approved:                                $(per "$approved_memory" "$base_memory" "$queued")"
echo "  approved, personal data erased:          $(per "$swept_memory" "$base_memory" "$queued")"
echo "  approved after retention, nothing left to expire ($kept_keys keys): $(per "$kept_memory" "$base_memory" "$queued")"
echo "AOF growth per comment (bytes): submission $(per "$pending_aof" "$base_aof" "$queued"), approval $(per "$approved_aof" "$pending_aof" "$queued")"
echo "what stays per comment after retention, by kind of key (MEMORY USAGE, bytes per comment):"
cli --scan >"$work/kept"
python3 - "$work/kept" "$redis_port" "$queued" <<'PY'
import collections, re, subprocess, sys
keys = [k for k in open(sys.argv[1]).read().split("\n") if k]
usage = subprocess.run(["redis-cli", "-p", sys.argv[2]],
                       input="".join(f"MEMORY USAGE \"{k}\" SAMPLES 0\n" for k in keys),
                       capture_output=True, text=True).stdout.split()
kinds = collections.Counter()
counts = collections.Counter()
for key, used in zip(keys, usage):
    kind = re.sub(r"(comment:|approved:|audit:c:|author:)[^:]+$", r"\1*", key)
    kinds[kind] += int(used)
    counts[kind] += 1
for kind, used in kinds.most_common():
    print(f"  {kind:40s} {counts[kind]:6d} keys  {used / int(sys.argv[3]):8,.0f}")
PY
