#!/usr/bin/env bash
# Installs altcha-lib and altcha (exact versions from package-lock.json) into
# tests/altcha/node_modules (git-ignored) for the interoperability tests
# (ctest -L altcha) and the benchmark. Needs node and npm (Debian: nodejs, npm).
set -euo pipefail
cd "$(dirname "$0")"
if [ -d node_modules/altcha-lib ] && [ -d node_modules/altcha ] && cmp -s package-lock.json node_modules/.package-lock.json; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
