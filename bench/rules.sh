#!/usr/bin/env bash
# Rule evaluation: 10,000 ordinary rules against a 10,000-fact snapshot, release build.
#   bench/rules.sh [RULES] [FACTS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v swift >/dev/null || export PATH=/opt/swift/usr/bin:$PATH
swift build -c release --static-swift-stdlib --product envlock-bench >/dev/null
"$(swift build -c release --static-swift-stdlib --show-bin-path)/envlock-bench" "${1:-10000}" "${2:-10000}" "${3:-15}"
