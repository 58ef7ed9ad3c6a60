#!/usr/bin/env bash
# Installs the ALTCHA widget (npm package altcha, its CSP-friendly build with
# external styles and worker) into .cache/portal-widget (git-ignored) and
# prints the package's folder, for PORTAL_ALTCHA_DIR. Installs node and npm
# with apt-get when missing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

if ! command -v npm >/dev/null; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "Installing nodejs npm" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    nodejs npm >&2
fi
dir="$root/.cache/portal-widget"
mkdir -p "$dir"
if ! cmp -s client/portal/widget/package.json "$dir/package.json" ||
  [ ! -f "$dir/node_modules/altcha/dist_external/altcha.js" ]; then
  cp client/portal/widget/package.json "$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error >&2)
fi
echo "$dir/node_modules/altcha"
