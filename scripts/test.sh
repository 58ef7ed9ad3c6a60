#!/usr/bin/env bash
# Sets up everything, then builds and runs the whole test suite twice: a
# normal build, and a build with AddressSanitizer and UndefinedBehaviorSanitizer;
# then lints the API (buf) and the deployment files, runs each fuzz target for a
# minute (FUZZ_SECONDS), and builds the container
# image and runs a submission through it (MODERATION_SKIP_CONTAINER_TEST=1
# skips that last step on machines without podman).
# Tests by layer: ctest -L unit | integration | e2e.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
jobs=$(nproc)

run_suite() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 300
}

echo "== tests (debug build)"
run_suite build-test -DCMAKE_BUILD_TYPE=Debug
echo "== tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DMODERATION_SANITIZE=ON
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
