#!/usr/bin/env bash
# Sets up on first use (system packages, libtorch, cargo build), then starts tetris-dqn.
# Arguments go to the program: ./run.sh --help, ./run.sh bench --json, ...
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
# Built with --all-targets, as `cargo test` builds, so that the window and the tests share one
# build: a plain `cargo build` unifies dependency features differently and would compile much
# of Bevy a second time.
cargo build --all-targets --quiet
exec "${CARGO_TARGET_DIR:-target}/debug/tetris-dqn" "$@"
