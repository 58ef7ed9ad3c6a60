#!/usr/bin/env bash
# Runs the browser tests of the reference portal page (ctest -L browser runs
# this). The binaries come from MODERATION_SERVER_BINARY,
# MODERATION_MODCTL_BINARY and MODERATION_PORTAL_BINARY (default: build-test/);
# BROWSER_SCREENSHOTS_DIR, if set, receives the screenshots, e.g. to refresh
# the ones in the docs:
#   BROWSER_SCREENSHOTS_DIR=docs/images tests/browser/run.sh
# Installs chromium and the npm packages first (setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export MODERATION_SOURCE_DIR="$root"
export MODERATION_SERVER_BINARY="${MODERATION_SERVER_BINARY:-$root/build-test/service/server/moderation-server}"
export MODERATION_MODCTL_BINARY="${MODERATION_MODCTL_BINARY:-$root/build-test/client/modctl}"
export MODERATION_PORTAL_BINARY="${MODERATION_PORTAL_BINARY:-$root/build-test/client/moderation-portal}"
BROWSER_TEST_MODULES=$("$here/setup.sh")
BROWSER_ALTCHA_DIR=$("$root/client/portal/install-widget.sh")
export BROWSER_TEST_MODULES BROWSER_ALTCHA_DIR
exec node --test --test-reporter=spec --test-concurrency=1 "$here/portal.test.mjs"
