#!/usr/bin/env bash
# What the proof of work costs a client: altcha-lib's own solver (Node, from
# npm, installed by tests/altcha/install.sh) pinned to one core, on fresh
# challenges at the default price (pow.maxnumber 20000, a fresh reader) and at
# the price the server issues after 10 refusals from one /24 (2,199,023:
# AltchaTest.RefusalsFromABlockRaiseItsCostAndNoOtherBlocks checks that the
# server issues it), then how that price decays with the default half-life.
# Prints wall and CPU time (process.cpuUsage); asserts nothing. Not part of the
# test suite. Usage: tests/load/pow_bench.sh [runs at the base] [runs raised]
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
