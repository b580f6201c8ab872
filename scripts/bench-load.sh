#!/usr/bin/env bash
# Training speed under load: `tetris-dqn bench` times the default config's training through the
# trainer thread (as a user's run makes it), once idle and once while two busy loops compete
# for the cores, in interleaved rounds (a shared machine drifts from minute to minute). Prints
# each round and the median of the rounds' loaded/idle ratios. With two busy loops on two
# cores a fair share is about two thirds of a core: 45% or more of the idle rate is fair. A
# trainer whose libtorch runs two threads that wait on each other drops far below that.
# Usage: scripts/bench-load.sh [ROUNDS] [TRAIN_STEPS]   (default 5 and 20000; run after
# ./run.sh or ./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
steps=${2:-20000}
bin=${CARGO_TARGET_DIR:-target}/debug/tetris-dqn
pids=()
stop_load() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    pids=()
}
trap stop_load EXIT

rate() {
    "$bin" bench --json --pieces 1000 --train-steps "$steps" 2>/dev/null |
        sed -n 's/.*"train_steps_per_s":\([0-9.e+-]*\).*/\1/p'
}

ratios=()
printf '%-6s %12s %12s %8s\n' round idle loaded ratio
for r in $(seq "$rounds"); do
    idle=$(rate)
    for _ in 1 2; do
        sh -c 'while :; do :; done' &
        pids+=($!)
    done
    loaded=$(rate)
    stop_load
    ratio=$(awk -v a="$loaded" -v b="$idle" 'BEGIN { printf "%.3f", a / b }')
    ratios+=("$ratio")
    printf '%-6s %12.0f %12.0f %8s\n' "$r" "$idle" "$loaded" "$ratio"
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "median loaded/idle ratio: $median (fair share: 0.45 or more)"
