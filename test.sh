#!/usr/bin/env bash
# Sets up on first use, then runs the whole test suite: unit, integration and end-to-end tests
# (the windowed ones under Xvfb), after checking formatting and lints.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo test --workspace
