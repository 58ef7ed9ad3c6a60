#!/usr/bin/env bash
# Sets up everything, then runs moderation-server on 127.0.0.1:50051 beside a
# local redis-server (AOF on, data in .run/, which git ignores), and the
# reference portal page (moderation-portal) on http://127.0.0.1:8080/.
# Ctrl-C stops all three. Extra MODERATION_* and PORTAL_* variables are passed
# through, e.g.
#   MODERATION_DEV_REVEAL_CAPTCHA=1 ./scripts/run.sh
# RUN_PORTAL=0 leaves the portal out.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target moderation-server modctl moderation-portal

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
portal_pid=""
trap '[ -z "$portal_pid" ] || kill "$portal_pid" 2>/dev/null || true
      redis-cli -s "$socket" shutdown >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 50); do
  redis-cli -s "$socket" ping >/dev/null 2>&1 && break
  sleep 0.1
done

if [ "${RUN_PORTAL:-1}" != "0" ]; then
  # The proof-of-work widget (npm); without it the page still works, but
  # cannot solve a proof of work the server asks for.
  altcha_dir=$(client/portal/install-widget.sh) ||
    { echo "warning: the ALTCHA widget could not be installed" >&2; altcha_dir=""; }
  # The portal calls the server as soon as a page is asked for; it needs
  # nothing from it to start.
  PORTAL_ALTCHA_DIR="${PORTAL_ALTCHA_DIR:-$altcha_dir}" \
  PORTAL_LISTEN="${PORTAL_LISTEN:-127.0.0.1:8080}" \
  PORTAL_SERVER="${PORTAL_SERVER:-${MODERATION_LISTEN:-127.0.0.1:50051}}" \
    build-release/client/moderation-portal &
  portal_pid=$!
fi

cat <<MSG
Redis:  unix://$socket (AOF in .run/redis)
Portal: http://${PORTAL_LISTEN:-127.0.0.1:8080}/ (the comment form; RUN_PORTAL=0 leaves it out)
Server: 127.0.0.1:50051 (gRPC). Try, in another shell:
  build-release/client/modctl list
  MODCTL_SERVER=127.0.0.1:50051 build-release/client/modctl --output json list
Ctrl-C stops the server, the portal and Redis.
MSG

# The portal's readers are on this machine, so their address is loopback,
# which a deployed server refuses as a reader's address.
MODERATION_LIMITS_LOCAL_CLIENT_IP_ACCEPTED="${MODERATION_LIMITS_LOCAL_CLIENT_IP_ACCEPTED:-true}" \
MODERATION_REDIS_URL="unix://$socket" \
MODERATION_SECRET_KEY_FILE="$root/.run/secret.key" \
  build-release/service/server/moderation-server "$@"
