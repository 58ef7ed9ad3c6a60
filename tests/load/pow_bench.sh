#!/usr/bin/env bash
# What the proof of work costs a client: altcha-lib's own solver (Node, from
# npm, installed by tests/altcha/install.sh) pinned to one core, on fresh
# challenges at the default price (pow.maxnumber 20000, a fresh reader) and at
# the price the server issues after 10 refusals from one /24 (2,199,023:
# AltchaTest.RefusalsFromABlockRaiseItsCostAndNoOtherBlocks checks that the
# server issues it), then how that price decays with the default half-life.
# Prints wall and CPU time (process.cpuUsage); asserts nothing. Not part of the
# test suite. Then the same for ALTCHA's second protocol (PBKDF2/SHA-256 and
# SCRYPT at their default settings, with the widget's altcha/lib: bench_kdf.mjs,
# fresh and after 10 refusals), and the server's CPU time to issue and to
# check one challenge of each algorithm (tests/bench/pow_bench from
# $BUILD_DIR, default build-release; skipped when not built).
# Usage: tests/load/pow_bench.sh [runs at the base] [runs raised] [KDF runs]
#        [KDF runs raised]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
"$root/tests/altcha/install.sh"
runs=${1:-10}
raised_runs=${2:-3}
pin=()
if command -v taskset >/dev/null; then
  pin=(taskset -c 0)
fi
echo "== one core: ${pin[*]:-(taskset missing, not pinned)}; $(node --version)"
"${pin[@]}" node "$root/tests/altcha/bench.mjs" "$runs" 20000 "2199023:$raised_runs"
kdf_runs=${3:-10}
kdf_raised_runs=${4:-0}
echo "== ALTCHA second protocol, altcha/lib $(node -p "require('$root/tests/altcha/node_modules/altcha/package.json').version")"
"${pin[@]}" node "$root/tests/altcha/bench_kdf.mjs" "$kdf_runs" "$kdf_raised_runs"
bench=${BUILD_DIR:-$root/build-release}/tests/bench/pow_bench
if [ -x "$bench" ]; then
  echo "== server CPU per challenge (issue = Create, verify = Verify), $bench"
  "${pin[@]}" "$bench" --benchmark_min_time=0.5
else
  echo "== $bench not built: cmake --build build-release -t pow_bench"
fi
