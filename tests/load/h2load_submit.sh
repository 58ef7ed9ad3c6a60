#!/usr/bin/env bash
# A second, independent client: h2load (Debian's nghttp2-client) against a
# running moderation-server, for Health/Check and for SubmitComment, next to
# moderation-loadgen sending the same SubmitComment path, so that the figures
# do not rest on our own client alone.
#
# h2load repeats one request body, so its SubmitComment calls cannot be valid
# comments: a captcha is good for one attempt. The request written here comes
# from the address moderation-loadgen's "rate_limited" kind uses, its captcha
# answered wrongly, so after its first few calls (the address's burst) every
# call takes the refusal path (validation, spam scoring, RESOURCE_EXHAUSTED
# from the server's cache of subjects over their limit). The script then runs
# `moderation-loadgen --mix rate_limited=100` with the same connections and
# calls in flight: the two clients' rates differ by what each costs on a
# shared machine, but the proportion of SubmitComment to Health/Check should
# agree. h2load counts every gRPC answer as HTTP 200 whatever its grpc-status;
# a few `nghttp` calls below print the grpc-status trailer.
#
# The server needs MODERATION_DEV_REVEAL_CAPTCHA=1 (loopback, no tokens) and
# rate limits on; see tests/load/submit_bench.sh for one started this way.
#   tests/load/h2load_submit.sh [TARGET] [BUILD_DIR] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
target=${1:-127.0.0.1:50051}
build=${2:-build-loadgen}
requests=${3:-20000}
connections=16
streams=32  # per connection: 512 calls in flight in all
loadgen="$build/tests/load/moderation-loadgen"
[ -x "$loadgen" ] || { echo "missing $loadgen: cmake --build $build first" >&2; exit 1; }
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A gRPC message on the wire: a 0 byte (not compressed), the length as 4 bytes
# big-endian, the serialised message. An empty HealthCheckRequest is 5 zeros.
printf '\0\0\0\0\0' >"$work/health.bin"
"$loadgen" --target "$target" --write-request "$work/submit.bin"

grpc_headers=(-H 'content-type: application/grpc' -H 'te: trailers')
if command -v nghttp >/dev/null; then
  echo "== one SubmitComment answer, as nghttp sees it (expect grpc-status 8 after a few calls)"
  for _ in 1 2 3 4 5; do
    nghttp -v "${grpc_headers[@]}" -d "$work/submit.bin" \
      "http://$target/moderation.v1.CommentService/SubmitComment" 2>&1 | grep -a 'grpc-status: ' |
      tail -1 || true
  done
fi

echo "== h2load: Health/Check"
h2load -n "$requests" -c "$connections" -m "$streams" "${grpc_headers[@]}" -d "$work/health.bin" \
  "http://$target/grpc.health.v1.Health/Check" | grep -E '^(finished|requests|status codes|time for request|req/s)'
echo "== h2load: SubmitComment (rate limited)"
h2load -n "$requests" -c "$connections" -m "$streams" "${grpc_headers[@]}" -d "$work/submit.bin" \
  "http://$target/moderation.v1.CommentService/SubmitComment" |
  grep -E '^(finished|requests|status codes|time for request|req/s)'
echo "== moderation-loadgen: the same two, same connections and calls in flight"
"$loadgen" --target "$target" --phases health,submit --mix rate_limited=100 --warmup 0 \
  --count "$requests" --channels "$connections" --threads 2 \
  --concurrency $((connections * streams)) --captcha-min-age 0
