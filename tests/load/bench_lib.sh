# Shared by the benchmark scripts in tests/load (sourced, not run): a work
# directory removed on exit with every process started here, a private
# redis-server with the shipped configuration, and a Release moderation-server
# beside it with rate limits and spam scoring on (only the two global limits
# raised: a benchmark plays tens of thousands of readers), and a report of
# what Redis did in the background during each step.
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
  # The latency monitor records the main thread's stalls (fsync, expiry,
  # fork) for redis_phase_report.
  redis-server "$work/$name/redis.conf" --port "$redis_port" --bind 127.0.0.1 \
    --dir "$work/$name" --daemonize no --latency-monitor-threshold 5 "$@" >"$work/$name/log" 2>&1 &
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

# For a loadgen started in the background whose stderr goes to LOG: returns
# once it has fetched its captchas ("prepared"), while it waits for them to
# age before its submit phase, so that what is measured from then on is the
# submissions alone; exits with the log if the loadgen ends first.
await_captchas_fetched() {  # LOG LOADGEN_PID
  until grep -q '^prepared' "$1" 2>/dev/null; do
    kill -0 "$2" 2>/dev/null || { cat "$1" >&2; exit 1; }
    sleep 0.05
  done
}

# What Redis did in the background during a step of a benchmark, which its
# latencies include: call redis_phase_start before it and redis_phase_report
# after (the last instance started). An AOF rewrite forks a child that takes
# a core for a second or more; "stalls" are the longest the main thread was
# blocked, by cause, as the latency monitor saw them (5 ms and more).
redis_phase_start() {
  redis-cli -p "$redis_port" latency reset >/dev/null
  rewrites_before=$(redis_info_field aof_rewrites)
}

redis_phase_report() {
  local rewrites stalls
  rewrites=$(( $(redis_info_field aof_rewrites) - rewrites_before ))
  # Raw replies: event, time, latest ms, longest ms; four lines each.
  stalls=$(redis-cli -p "$redis_port" latency latest |
    awk 'NR % 4 == 1 { name = $0 } NR % 4 == 0 { printf "%s%s %s ms", sep, name, $0; sep = ", " }')
  echo "redis during this step (captcha fetching included): $rewrites AOF rewrite(s);" \
    "longest main-thread stalls: ${stalls:-none of 5 ms or more}"
}

redis_info_field() {
  redis-cli -p "$redis_port" info persistence | tr -d '\r' | sed -n "s/^$1://p"
}
