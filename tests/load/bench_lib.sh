# Shared by the benchmark scripts in tests/load (sourced, not run): a work
# directory removed on exit with every process started here, a private
# redis-server with the shipped configuration, and a Release moderation-server
# beside it with rate limits and spam scoring on (only the two global limits
# raised: a benchmark plays tens of thousands of readers).
# The sourcing script sets `root` (the repository) and `build` (a Release build
# directory); SERVER=path/to/moderation-server measures another build of the
# server with this build's loadgen. Sets `server` and `loadgen`.

server=${SERVER:-$build/service/server/moderation-server}
loadgen="$build/tests/load/moderation-loadgen"
for binary in "$server" "$loadgen"; do
  [ -x "$binary" ] || { echo "missing $binary: cmake --build $build first" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
bench_cleanup() {
  {
    for pid in "${pids[@]}"; do kill -9 "$pid" || true; done
    wait
  } 2>/dev/null
  # A child Redis forked (an AOF rewrite) may still be writing there for a moment.
  rm -rf "$work" 2>/dev/null || { sleep 1; rm -rf "$work"; }
}
trap bench_cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts a redis-server with the shipped configuration in $work/NAME (default
# "redis"); more arguments are redis-server options. Sets redis_port and
# redis_pid (of the last one started).
start_redis() {
  local name=${1:-redis}
  shift || true
  redis_port=$(free_port)
  mkdir -p "$work/$name"
  cp "$root/deploy/redis/redis.conf" "$work/$name/redis.conf"
  redis-server "$work/$name/redis.conf" --port "$redis_port" --bind 127.0.0.1 \
    --dir "$work/$name" --daemonize no "$@" >"$work/$name/log" 2>&1 &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  echo "redis-server $name did not start (see $work/$name/log)" >&2
  exit 1
}

# Sets listen and server_pid; extra arguments are more VAR=value settings.
# The server logs to $server_log (default: in the work directory).
start_server() {
  server_log=${server_log:-$work/server.log}
  listen="127.0.0.1:$(free_port)"
  env MODERATION_LISTEN="$listen" MODERATION_REDIS_URL="redis://127.0.0.1:$redis_port" \
    MODERATION_METRICS_LISTEN= MODERATION_DEV_REVEAL_CAPTCHA=1 \
    MODERATION_SPAM_RULES_FILE="$root/deploy/spam-rules.toml" MODERATION_RATELIMIT_ENABLED=1 \
    MODERATION_RATELIMIT_SUBMIT_GLOBAL_COUNT=6000000 MODERATION_RATELIMIT_SUBMIT_GLOBAL_BURST=1000000 \
    MODERATION_RATELIMIT_CAPTCHA_GLOBAL_COUNT=6000000 MODERATION_RATELIMIT_CAPTCHA_GLOBAL_BURST=1000000 \
    MODERATION_LOG_LEVEL=warning "$@" "$server" 2>"$server_log" &
  server_pid=$!
  pids+=("$server_pid")
  sleep 1
}
