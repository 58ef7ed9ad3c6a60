#!/usr/bin/env bash
# Checks deploy/: yamllint on compose, manifests and alert rules; the
# Kubernetes manifests against the API schemas (kubernetes-models); the Redis
# ConfigMap against deploy/redis/redis.conf; the Dockerfile with dockerfilelint;
# the alert rules (and their tests, deploy/prometheus/*.test.yaml) with promtool.
# Installs what it needs from Debian (yamllint, nodejs, npm, prometheus for
# promtool) and npm. Exits non-zero on any
# finding. npm packages go to .cache/deploy-lint (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
for tool in yamllint node npm promtool; do
  if ! command -v "$tool" >/dev/null; then
    case "$tool" in
      yamllint) package=yamllint ;;
      node) package=nodejs ;;
      npm) package=npm ;;
      promtool) package=prometheus ;;
    esac
    echo "Installing $package"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package"
  fi
done

tools="$root/.cache/deploy-lint"
mkdir -p "$tools"
if ! cmp -s tests/deploy/package.json "$tools/package.json" || [ ! -d "$tools/node_modules" ]; then
  cp tests/deploy/package.json "$tools/package.json"
  (cd "$tools" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
# The scripts import their packages relative to their own location.
cp tests/deploy/validate_manifests.mjs tests/deploy/check_redis_configmap.mjs "$tools/"

failed=0
step() {
  echo "== $1"
  shift
  if ! "$@"; then
    failed=1
  fi
}

manifests=(deploy/kubernetes/*.yaml)
step "yamllint" yamllint --strict -c deploy/.yamllint.yaml \
  deploy/.yamllint.yaml deploy/compose.yaml "${manifests[@]}" deploy/prometheus/*.yaml
step "Kubernetes manifests (kubernetes-models)" node "$tools/validate_manifests.mjs" "${manifests[@]}"
step "Redis ConfigMap matches deploy/redis/redis.conf" node "$tools/check_redis_configmap.mjs" \
  deploy/kubernetes/redis-configmap.yaml deploy/redis/redis.conf
step "dockerfilelint" "$tools/node_modules/.bin/dockerfilelint" deploy/Dockerfile
step "promtool check rules" promtool check rules deploy/prometheus/alerts.yaml
rule_tests=(deploy/prometheus/*.test.yaml)
if [ -e "${rule_tests[0]}" ]; then
  step "promtool test rules" promtool test rules "${rule_tests[@]}"
fi

if [ "$failed" -ne 0 ]; then
  echo "deploy lint: FAILED"
  exit 1
fi
echo "deploy lint: all checks passed"
