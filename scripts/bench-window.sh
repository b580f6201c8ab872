#!/usr/bin/env bash
# Training speed side by side: headless, window open with visual off, window with visual on at
# 0 ms. Each trains the default config (games capped at 1000 pieces, so that games end, and
# are timed, all through the run) from scratch for the same wall time (under Xvfb when there
# is no display). The three runs are repeated ROUNDS times, interleaved, since a shared
# machine's speed drifts from minute to minute; the medians and the median of each round's
# ratios are reported.
# Usage: scripts/bench-window.sh [SECONDS] [ROUNDS]   (default 40 and 3; run after ./run.sh or
# ./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-40}
rounds=${2:-3}
bin=${CARGO_TARGET_DIR:-target}/debug/tetris-dqn
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
display=()
if [ -z "${DISPLAY:-}" ]; then display=(xvfb-run -a -s "-screen 0 1400x1024x24"); fi
modes=(headless visual-off visual-on)
config=$out/bench.ron
sed 's/max_pieces_per_game: [0-9]*/max_pieces_per_game: 1000/' configs/default.ron >"$config"

for r in $(seq "$rounds"); do
    timeout -s INT "$secs" "$bin" --headless --config "$config" --run-dir "$out/headless-$r" \
        >/dev/null 2>&1 || true
    "${display[@]}" "$bin" --no-visual --config "$config" --run-dir "$out/visual-off-$r" \
        --screenshot "$out/off.png" --screenshot-after "$secs" >/dev/null 2>&1
    "${display[@]}" "$bin" --speed 0 --config "$config" --run-dir "$out/visual-on-$r" \
        --screenshot "$out/on.png" --screenshot-after "$secs" >/dev/null 2>&1
done

# Identical seeds make identical games, so every metrics.csv lists the same games at the same
# steps; only wall_s (last column) differs. Rates are compared over one step range: from the
# first game that ends after 15 s in the slowest run (start-up and shader compilation
# excluded) to the last game every run finished.
wall_at() { # wall_s of the game ending at step $2 in run folder $1
    awk -F, -v s="$2" '$2 == s {print $NF}' "$1/metrics.csv"
}
s1=0
s2=
for dir in "$out"/*/; do
    first=$(awk -F, 'NR > 1 && $NF >= 15 {print $2; exit}' "$dir/metrics.csv")
    last=$(awk -F, 'NR > 1 {s = $2} END {print s}' "$dir/metrics.csv")
    if [ "${first:-0}" -gt "$s1" ]; then s1=$first; fi
    if [ -z "$s2" ] || [ "$last" -lt "$s2" ]; then s2=$last; fi
done
rate() { awk -v a="$(wall_at "$1" "$s1")" -v b="$(wall_at "$1" "$s2")" -v n=$((s2 - s1)) \
    'BEGIN {printf "%.0f\n", n / (b - a)}'; }
median() { tr ' ' '\n' | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "training steps/s from step $s1 to step $s2 (same games in every run), default config with games capped at 1000 pieces,"
echo "$rounds rounds of $secs s each:"
declare -A med
for m in "${modes[@]}"; do
    all=$(for r in $(seq "$rounds"); do rate "$out/$m-$r"; done | xargs)
    med[$m]=$(echo "$all" | median)
    printf '  %-24s median %5d   (runs: %s)\n' "$m" "${med[$m]}" "$all"
done
h=${med[headless]}
ratio() { # median over rounds of 100 * mode $1 / headless
    for r in $(seq "$rounds"); do
        echo "$(rate "$out/$1-$r") $(rate "$out/headless-$r")"
    done | awk '{print int(100 * $1 / $2)}' | median
}
echo "  visual off: $(( 100 * ${med[visual-off]} / h ))% of headless by medians," \
    "$(ratio visual-off)% by the median round"
echo "  visual on at 0 ms: $(( 100 * ${med[visual-on]} / h ))% of headless by medians," \
    "$(ratio visual-on)% by the median round"
