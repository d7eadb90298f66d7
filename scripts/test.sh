#!/usr/bin/env bash
# The whole test suite, from a clean clone: installs what the build needs
# (scripts/setup.sh), then runs every unit, property and CLI test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --locked
