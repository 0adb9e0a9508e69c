#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, builds, runs every test.
# The fake NVIDIA libraries and the test virtual environments are built by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

scripts/install-test-deps.sh
# Installed just now: a test that needs them fails, rather than skips, if they are missing.
export ENVLOCK_REQUIRE_TEST_DEPS=1
# The tests build these themselves when missing, but pip installs take tens of seconds on a
# fresh clone, and a test process blocked on them starves the timing tests running beside it.
scripts/make-test-venvs.sh >/dev/null
scripts/build-fakes.sh >/dev/null
swift build --build-tests
if [ $# -gt 0 ]; then
    exec swift test --skip-build "$@"
fi
# Tests that hold a wall-clock limit (deadlines, hung sources, killed commands) run on their own
# afterwards, one at a time: beside 500 other tests on a 2-core machine they would measure the
# load, not envlock.
timing='ProberTests|DetectorThreadsTests|DependencyWaitTests|\.runner[A-Z]|\.hung[A-Z]|InTime|slowButHealthy|nvidiaSMITimeout'
swift test --skip-build --skip "$timing"
swift test --skip-build --filter "$timing" --no-parallel
