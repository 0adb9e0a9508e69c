#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs what the tests need, builds, runs every test.
# The fake NVIDIA libraries and the test virtual environments are built by the tests themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH

scripts/install-test-deps.sh
swift build --build-tests
swift test --skip-build "$@"
