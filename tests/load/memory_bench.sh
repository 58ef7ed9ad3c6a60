#!/usr/bin/env bash
# Redis memory per pending comment: starts a private redis-server (the shipped
# redis.conf) and a Release moderation-server (rate limits and spam scoring
# on), lets moderation-loadgen fetch N captchas and make N valid submissions
# (about 100-byte Vietnamese bodies, three in four with a phone, an
# idempotency key each), and prints INFO memory's used_memory before and
# after the submissions, per pending comment, then MEMORY USAGE of every key
# summed by kind, per comment, and the raw bytes of the reader's fields.
# Not part of the test suite.
#   tests/load/memory_bench.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build-loadgen}
count=${2:-100000}

# shellcheck source=tests/load/bench_lib.sh
. "$root/tests/load/bench_lib.sh"
start_redis
start_server
rcli() { redis-cli -p "$redis_port" "$@"; }

used_memory() { rcli info memory | tr -d '\r' | sed -n 's/^used_memory://p'; }
"$loadgen" --target "$listen" --phases submit --mix valid=100 --count "$count" --warmup 0 \
  --concurrency 32 >"$work/loadgen.txt" 2>"$work/loadgen.err" &
loadgen_pid=$!
await_captchas_fetched "$work/loadgen.err" "$loadgen_pid"
before=$(used_memory)
wait "$loadgen_pid"
after=$(used_memory)
pending=$(rcli zcard 'mod:{c}:pending')
grep -E '^submit ' "$work/loadgen.txt"
echo "pending comments: $pending; used_memory before the submissions $before, after $after:" \
  "$(( (after - before) / pending )) bytes per pending comment (captcha keys fetched before excluded)"

rcli --scan >"$work/keys.txt"
awk '{ printf "MEMORY USAGE \"%s\" SAMPLES 0\n", $0 }' "$work/keys.txt" | rcli >"$work/sizes.txt"
{ rcli --scan --pattern 'mod:{c}:comment:*' || true; } | head -1000 |
  awk '{ printf "HMGET \"%s\" name title body article_id ua\n", $0 }' | rcli >"$work/fields.txt"
python3 - "$work" "$pending" <<'PY'
import collections, re, sys
work, pending = sys.argv[1], int(sys.argv[2])
keys = open(f"{work}/keys.txt").read().split("\n")
sizes = open(f"{work}/sizes.txt").read().split("\n")
total, count = collections.Counter(), collections.Counter()
for key, size in zip(keys, sizes):
    if not key:
        continue
    kind = re.sub(r"\{[^}]*\}", "{…}", key) if key.startswith(("mod:rl:", "mod:captcha:")) else key
    kind = re.sub(r"(comment|claim|idem|body):.*", r"\1:*", kind)
    kind = re.sub(r"(near):\d+:.*", r"\1:<band>:*", kind)
    kind = re.sub(r"(author:..-).*", r"\1*", kind)
    total[kind] += int(size or 0)
    count[kind] += 1
print(f"{'MEMORY USAGE by kind':34s} {'keys':>8s} {'bytes':>12s} {'per comment':>12s}")
for kind, size in total.most_common():
    print(f"{kind:34s} {count[kind]:8d} {size:12d} {size / pending:12.0f}")
print(f"{'all keys':34s} {sum(count.values()):8d} {sum(total.values()):12d} "
      f"{sum(total.values()) / pending:12.0f}")
lines = open(f"{work}/fields.txt").read().split("\n")
records = [lines[i:i + 5] for i in range(0, len(lines) - 4, 5)]
raw = sum(len(v.encode()) for r in records for v in r[:4]) / len(records)
ua = sum(len(r[4].encode()) for r in records) / len(records)
print(f"raw field bytes per comment (sample of {len(records)}): name+title+body+article_id "
      f"{raw:.0f}, user agent {ua:.0f}, phone (E.164) at most 12")
PY
