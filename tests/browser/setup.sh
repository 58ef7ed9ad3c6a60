#!/usr/bin/env bash
# Installs what the browser tests need: Debian's chromium, node and npm with
# apt-get, and the npm packages of tests/browser/package.json into
# .cache/browser-test (git-ignored). No browser is ever downloaded: puppeteer-core
# drives /usr/bin/chromium. Safe to run again; prints the packages' folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
missing=()
for tool in chromium node npm; do
  if ! command -v "$tool" >/dev/null; then
    case "$tool" in
      node) missing+=(nodejs) ;;
      *) missing+=("$tool") ;;
    esac
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >&2
fi

tools="$root/.cache/browser-test"
mkdir -p "$tools"
if ! cmp -s tests/browser/package.json "$tools/package.json" || [ ! -d "$tools/node_modules" ]; then
  cp tests/browser/package.json "$tools/package.json"
  # PUPPETEER_SKIP_DOWNLOAD: puppeteer-core never downloads a browser, and
  # nothing else may either.
  (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error >&2)
fi
echo "$tools"
