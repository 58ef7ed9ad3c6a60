#!/usr/bin/env bash
# Sets up everything, then builds and runs the whole test suite twice: in the
# Release build that the image ships (GCC warns about more when it optimises),
# and in a Debug build with AddressSanitizer and UndefinedBehaviorSanitizer;
# every build treats warnings as errors (CMakePresets.json). Then it lints the
# API (buf) and the deployment files, runs each fuzz target for a short while
# (FUZZ_SECONDS, 10 by default here; longer runs: tests/fuzz/run.sh), and
# builds the container image and runs a submission through it
# (MODERATION_SKIP_CONTAINER_TEST=1 skips that last step on machines without
# podman). Each step prints how long it took.
# Developers usually run the debug preset: ctest --preset debug -L unit |
# integration | e2e | chaos | browser.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/install-deps.sh
# The browser tests' chromium (Debian's) and npm packages (.cache/browser-test).
tests/browser/setup.sh >/dev/null
# altcha-lib and the altcha widget's library for the proof-of-work
# interoperability tests (e2e).
tests/altcha/install.sh
jobs=$(nproc)

started=$SECONDS
step_name=""
step_started=$SECONDS
# Ends the step under way, saying how long it took, and starts the next ($1).
step() {
  if [ -n "$step_name" ]; then
    echo "   ($step_name: $((SECONDS - step_started)) s)"
  fi
  step_name=$1
  step_started=$SECONDS
  if [ -n "$step_name" ]; then
    echo "== $step_name"
  fi
}

run_suite() {
  local preset=$1
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
}

step "tests (release build, warnings as errors)"
run_suite release
step "tests (AddressSanitizer + UndefinedBehaviorSanitizer)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  run_suite asan
step "deployment lint"
tests/deploy/lint.sh
step "API lint (buf, STANDARD rules)"
(cd proto && npx --yes @bufbuild/buf@1.47.2 lint)
step "fuzzing (libFuzzer with ASan and UBSan, ${FUZZ_SECONDS:=10} s per target)"
FUZZ_SECONDS=$FUZZ_SECONDS tests/fuzz/run.sh
if [ "${MODERATION_SKIP_CONTAINER_TEST:-0}" != "1" ]; then
  step "container image, end to end"
  LOADGEN=build-release/tests/load/moderation-loadgen tests/deploy/container_test.sh
fi
step ""
echo "== all tests passed in $((SECONDS - started)) s"
