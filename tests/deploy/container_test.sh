#!/usr/bin/env bash
# Builds the image from deploy/Dockerfile and runs it end to end, without a
# Docker engine: podman builds, buildah runs commands inside the image with the
# host's network.
#
#   tests/deploy/container_test.sh
#
# 1. installs podman, buildah, debootstrap and redis-server if missing;
# 2. makes the base image debian:bookworm-slim locally with debootstrap when no
#    registry can provide it (the Dockerfile stays the one ops use);
# 3. builds the image and prints the build time and the image size;
# 4. starts redis-server on the host (127.0.0.1, a free port) with the shipped
#    redis.conf, and moderation-server inside the image with TLS (a throwaway
#    CA made with openssl) and tokens (made with the image's
#    `moderation-server new-token`);
# 5. submits comments with moderation-loadgen (from a host build; LOADGEN=path
#    to choose one, else it is built in build-deploy/) as the portal, then
#    lists and approves one with modctl inside the image as a moderator.
#
# Environment: IMAGE (default localhost/moderation-server:test), CONTEXT (the
# build context, default the repository root), LOADGEN.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
image=${IMAGE:-localhost/moderation-server:test}
context=${CONTEXT:-$root}
base=docker.io/library/debian:bookworm-slim

if [ "$(id -u)" -ne 0 ]; then
  echo "container_test.sh: run as root (debootstrap, and podman's system storage)" >&2
  exit 2
fi

missing=()
for pair in podman:podman buildah:buildah debootstrap:debootstrap redis-server:redis-server \
  redis-cli:redis-tools python3:python3 openssl:openssl; do
  if ! command -v "${pair%%:*}" >/dev/null; then
    missing+=("${pair#*:}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

work=$(mktemp -d)
server_pid=""
containers=()
redis_port=""
cleanup() {
  local status=$?
  if [ -n "$server_pid" ]; then
    stop_server
  fi
  if [ ${#containers[@]} -gt 0 ]; then
    buildah rm "${containers[@]}" >/dev/null 2>&1 || true
  fi
  if [ -n "$redis_port" ]; then
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

# Every process under `pid`, deepest first.
descendants() {
  local child
  for child in $(pgrep -P "$1" || true); do
    descendants "$child"
    echo "$child"
  done
}

stop_server() {
  # buildah run -> buildah-chroot-runtime -> buildah-chroot-exec -> the server.
  # SIGTERM goes to the server alone (the processes above it do not forward
  # signals, and killing them kills it without its graceful shutdown); the
  # rest exit after it.
  local pid
  for pid in $(descendants "$server_pid"); do
    if [ -z "$(pgrep -P "$pid" || true)" ]; then
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  for _ in $(seq 1 200); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$server_pid" 2>/dev/null; then
    for pid in $(descendants "$server_pid") "$server_pid"; do
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the base image ------------------------------------------------------------
if ! podman image exists "$base"; then
  echo "== making $base with debootstrap (no registry is needed)"
  debootstrap --variant=minbase bookworm "$work/rootfs" >"$work/debootstrap.log" 2>&1 || {
    tail -20 "$work/debootstrap.log"
    exit 1
  }
  # The same package sources as Debian's own image: updates and security.
  rm -f "$work/rootfs/etc/apt/sources.list"
  cat >"$work/rootfs/etc/apt/sources.list.d/debian.sources" <<'SOURCES'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  # Slimmed as Debian's -slim images are: no documentation, manual pages or
  # translations, and no package files kept after installing.
  cat >"$work/rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
DPKG
  cat >"$work/rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  find "$work/rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  rm -rf "$work/rootfs/usr/share/info/"* "$work/rootfs/usr/share/locale/"* \
    "$work/rootfs/usr/share/man/"* "$work/rootfs/var/cache/apt/"*.bin \
    "$work/rootfs/var/cache/apt/archives/"*.deb "$work/rootfs/var/lib/apt/lists/"*
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi

# --- build -------------------------------------------------------------------
echo "== building $image from $context"
start=$(date +%s)
if ! podman build --isolation=chroot --cgroup-manager=cgroupfs --network=host --format docker \
  -t "$image" -f "$context/deploy/Dockerfile" "$context" >"$work/build.log" 2>&1; then
  tail -40 "$work/build.log"
  echo "container test: FAILED (image build)"
  exit 1
fi
build_seconds=$(($(date +%s) - start))
size_bytes=$(podman image inspect --format '{{.Size}}' "$image")
echo "build time: ${build_seconds} s"
echo "image size: $((size_bytes / 1000000)) MB (${size_bytes} bytes)"
podman image inspect --format '{{.Config.User}} {{.Config.Entrypoint}} {{.Config.ExposedPorts}}' \
  "$image"

# --- a loadgen from a host build ----------------------------------------------
loadgen=${LOADGEN:-}
if [ -z "$loadgen" ]; then
  loadgen=$(ls -t build*/tests/load/moderation-loadgen 2>/dev/null | head -1 || true)
fi
# One built before TLS support cannot talk to the server below.
if [ -n "$loadgen" ] && ! "$loadgen" --help 2>/dev/null | grep -q -- --tls-ca; then
  loadgen=""
fi
if [ -z "$loadgen" ]; then
  echo "== building moderation-loadgen in build-deploy/"
  ./scripts/install-deps.sh
  cmake -S . -B build-deploy -G Ninja -DCMAKE_BUILD_TYPE=Debug >/dev/null
  cmake --build build-deploy --target moderation-loadgen
  loadgen=build-deploy/tests/load/moderation-loadgen
fi

# --- run -----------------------------------------------------------------------
redis_port=$(free_port)
redis-server "$root/deploy/redis/redis.conf" --port "$redis_port" --bind 127.0.0.1 \
  --dir "$work" --daemonize yes --pidfile "$work/redis.pid" --logfile "$work/redis.log"
for _ in $(seq 1 50); do
  redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
  sleep 0.1
done

grpc_port=$(free_port)
metrics_port=$(free_port)
server=$(buildah from --pull=never "$image")
containers+=("$server")
client=$(buildah from --pull=never "$image")
containers+=("$client")

inside() {
  buildah run --isolation chroot --network host "$client" -- "$@"
}

# TLS and tokens as in production (the addresses are loopback only because
# the development captcha mode needs it): a throwaway CA and a certificate
# for 127.0.0.1, a portal and a moderator token.
tls="$work/tls"
mkdir -p "$tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
  -subj "/CN=container test CA" -keyout "$work/ca.key" -out "$tls/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$tls/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >"$work/tls.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$tls/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 30 -extfile "$work/tls.ext" -out "$tls/tls.crt" 2>/dev/null
inside moderation-server new-token --name portal --role portal >"$work/portal-token.txt"
inside moderation-server new-token --name container-test --role moderator \
  >"$work/moderator-token.txt"
{
  tail -1 "$work/portal-token.txt"
  tail -1 "$work/moderator-token.txt"
} >"$tls/tokens"
portal_token=$(grep -v '^#' "$work/portal-token.txt" | head -1)
moderator_token=$(grep -v '^#' "$work/moderator-token.txt" | head -1)
buildah copy --chown 10001:10001 "$server" "$tls" /etc/moderation/tls >/dev/null
buildah copy --chown 10001:10001 "$client" "$tls/ca.crt" /etc/moderation/tls/ca.crt >/dev/null
buildah config --env MODCTL_TLS_CA=/etc/moderation/tls/ca.crt "$client"

# Set on the working container, not on a command line where ps would show the
# secret. Loopback addresses: the development captcha mode refuses any other.
buildah config \
  --env MODERATION_LISTEN="127.0.0.1:$grpc_port" \
  --env MODERATION_METRICS_LISTEN="127.0.0.1:$metrics_port" \
  --env MODERATION_REDIS_URL="redis://127.0.0.1:$redis_port" \
  --env MODERATION_DEV_REVEAL_CAPTCHA=1 \
  --env MODERATION_RATELIMIT_ENABLED=0 \
  --env MODERATION_SECRET_KEY="$(openssl rand -hex 32)" \
  --env MODERATION_TLS_CERT_FILE=/etc/moderation/tls/tls.crt \
  --env MODERATION_TLS_KEY_FILE=/etc/moderation/tls/tls.key \
  --env MODERATION_AUTH_TOKENS_FILE=/etc/moderation/tls/tokens \
  "$server"
buildah run --isolation chroot --network host "$server" -- moderation-server \
  >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 100); do
  grep -q "moderation-server listening" "$work/server.log" && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if ! grep -q "moderation-server listening" "$work/server.log"; then
  cat "$work/server.log"
  echo "container test: FAILED (moderation-server did not start in the image)"
  exit 1
fi
echo "== moderation-server runs in the image on 127.0.0.1:$grpc_port with TLS and tokens" \
  "(redis 127.0.0.1:$redis_port)"

echo "== submitting with $loadgen"
LOADGEN_TOKEN="$portal_token" "$loadgen" --phases submit --duration 2 --warmup 0 \
  --concurrency 1 --channels 1 --target "127.0.0.1:$grpc_port" --tls-ca "$tls/ca.crt" |
  tee "$work/loadgen.txt"

echo "== modctl without a token is refused (exit 1), without TLS cannot connect (exit 3)"
status=0
inside modctl --server "127.0.0.1:$grpc_port" list >/dev/null 2>&1 || status=$?
if [ "$status" -ne 1 ]; then
  echo "container test: FAILED (modctl without a token exited $status, not 1)"
  exit 1
fi
status=0
inside env -u MODCTL_TLS_CA modctl --server "127.0.0.1:$grpc_port" --token "$moderator_token" \
  list >/dev/null 2>&1 || status=$?
if [ "$status" -ne 3 ]; then
  echo "container test: FAILED (modctl over plaintext exited $status, not 3)"
  exit 1
fi
buildah config --env MODCTL_TOKEN="$moderator_token" "$client"

echo "== modctl list (inside the image)"
inside modctl --server "127.0.0.1:$grpc_port" list
inside modctl --server "127.0.0.1:$grpc_port" --output json list >"$work/list.json"
id=$(grep -o '"comment_id": *"[0-9A-Z]\{26\}"' "$work/list.json" | head -1 | grep -o '[0-9A-Z]\{26\}')
if [ -z "$id" ]; then
  cat "$work/list.json"
  echo "container test: FAILED (no pending comment after the submissions)"
  exit 1
fi
echo "== modctl approve $id (inside the image)"
inside modctl --server "127.0.0.1:$grpc_port" approve "$id"
inside modctl --server "127.0.0.1:$grpc_port" --output json show "$id" >"$work/show.json"
if ! grep -q 'APPROVED' "$work/show.json"; then
  cat "$work/show.json"
  echo "container test: FAILED (the comment is not approved)"
  exit 1
fi

# Not yet wired into every build: reported, not required.
if inside modctl --server "127.0.0.1:$grpc_port" health >/dev/null 2>&1; then
  echo "== modctl health (the image's HEALTHCHECK): SERVING"
else
  echo "== modctl health (the image's HEALTHCHECK): not available or not serving"
fi
if python3 - "$metrics_port" 2>/dev/null <<'PY'; then
import sys, urllib.request
with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/metrics", timeout=3) as r:
    sys.exit(0 if b"moderation_" in r.read() else 1)
PY
  echo "== GET /metrics: served"
else
  echo "== GET /metrics: not served by this build"
fi

stop_server
if ! grep -q "stopped" "$work/server.log"; then
  tail -20 "$work/server.log"
  echo "container test: FAILED (no clean shutdown on SIGTERM)"
  exit 1
fi
echo "== moderation-server stopped cleanly on SIGTERM"
echo "container test: passed (build ${build_seconds} s, image $((size_bytes / 1000000)) MB)"
