#!/usr/bin/env bash
# Sets up everything, then runs moderation-server on 127.0.0.1:50051 beside a
# local redis-server (AOF on, data in .run/, which git ignores). Ctrl-C stops
# both. Extra MODERATION_* variables are passed through, e.g.
#   MODERATION_DEV_REVEAL_CAPTCHA=1 ./scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target moderation-server modctl

mkdir -p .run/redis
if [ ! -f .run/secret.key ]; then
  # The master secret: keys for captcha hashes, lookup hashes and phone
  # encryption derive from it. Losing it makes stored phone numbers unreadable.
  (umask 077 && openssl rand -hex 32 > .run/secret.key)
fi

socket="$root/.run/redis/redis.sock"
redis-server "$root/deploy/redis/redis.conf" --port 0 --unixsocket "$socket" \
  --unixsocketperm 700 --dir "$root/.run/redis" --daemonize yes \
  --pidfile "$root/.run/redis/redis.pid" --logfile "$root/.run/redis/redis.log"
trap 'redis-cli -s "$socket" shutdown >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 50); do
  redis-cli -s "$socket" ping >/dev/null 2>&1 && break
  sleep 0.1
done

cat <<MSG
Redis:  unix://$socket (AOF in .run/redis)
Server: 127.0.0.1:50051 (gRPC). Try, in another shell:
  build-release/client/modctl list
  MODCTL_SERVER=127.0.0.1:50051 build-release/client/modctl --output json list
Ctrl-C stops the server and Redis.
MSG

MODERATION_REDIS_URL="unix://$socket" \
MODERATION_SECRET_KEY_FILE="$root/.run/secret.key" \
  build-release/service/server/moderation-server "$@"
