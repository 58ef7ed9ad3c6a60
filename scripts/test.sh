#!/usr/bin/env bash
# Sets up everything, then builds and runs the whole test suite twice: a
# debug build, and a build with AddressSanitizer and UndefinedBehaviorSanitizer;
# builds the shipped binaries in Release (GCC warns about more when it
# optimises); every build treats warnings as errors (CMakePresets.json);
# then lints the API (buf) and the deployment files, runs each fuzz target for a
# minute (FUZZ_SECONDS), and builds the container
# image and runs a submission through it (MODERATION_SKIP_CONTAINER_TEST=1
# skips that last step on machines without podman).
# Tests by layer: ctest -L unit | integration | e2e.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# altcha-lib for the proof-of-work interoperability tests (e2e).
tests/altcha/install.sh
jobs=$(nproc)

run_suite() {
  local preset=$1
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
}

echo "== tests (debug build)"
run_suite debug
echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite asan
echo "== release build of the shipped binaries (warnings as errors)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs" --target moderation-server modctl spam-eval spam-train
echo "== deployment lint"
tests/deploy/lint.sh
echo "== API lint (buf, STANDARD rules)"
(cd proto && npx --yes @bufbuild/buf@1.47.2 lint)
echo "== fuzzing (libFuzzer with ASan and UBSan, ${FUZZ_SECONDS:-60} s per target)"
tests/fuzz/run.sh
if [ "${MODERATION_SKIP_CONTAINER_TEST:-0}" != "1" ]; then
  echo "== container image, end to end"
  LOADGEN=build-test/tests/load/moderation-loadgen tests/deploy/container_test.sh
fi
echo "== all tests passed"
