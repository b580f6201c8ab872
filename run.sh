#!/usr/bin/env bash
# Sets up on first use (system packages, libtorch, cargo build), then starts tetris-dqn.
# Arguments go to the program: ./run.sh --help, ./run.sh bench --json, ...
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
exec cargo run --quiet -- "$@"
