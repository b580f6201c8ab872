#!/usr/bin/env bash
# Training speed side by side: headless, window open with visual off, window with visual on at
# 0 ms. Each trains the default config from scratch for the same wall time (under Xvfb when
# there is no display).
# Usage: scripts/bench-window.sh [SECONDS]   (default 40; run after ./run.sh or ./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-40}
bin=${CARGO_TARGET_DIR:-target}/debug/tetris-dqn
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
display=()
if [ -z "${DISPLAY:-}" ]; then display=(xvfb-run -a -s "-screen 0 1400x1024x24"); fi

# Identical seeds make identical games, so the three metrics.csv files list the same games
# at the same steps; only wall_s (last column) differs. Rates are compared over one step range:
# from the first game that ends after 10 s in the slowest run (start-up and shader
# compilation excluded) to the last game all three finished.
wall_at() { # wall_s of the game ending at step $2 in run folder $1
    awk -F, -v s="$2" '$2 == s {print $NF}' "$1/metrics.csv"
}
last_steps() { awk -F, 'NR > 1 {s = $2} END {print s}' "$1/metrics.csv"; }

timeout -s INT "$secs" "$bin" --headless --run-dir "$out/headless" >/dev/null 2>&1 || true
"${display[@]}" "$bin" --no-visual --run-dir "$out/visual-off" \
    --screenshot "$out/off.png" --screenshot-after "$secs" >/dev/null 2>&1
"${display[@]}" "$bin" --speed 0 --run-dir "$out/visual-on" \
    --screenshot "$out/on.png" --screenshot-after "$secs" >/dev/null 2>&1

s1=$(awk -F, 'NR > 1 && $NF >= 10 {print $2; exit}' "$out/visual-on/metrics.csv")
s2=$(for r in headless visual-off visual-on; do last_steps "$out/$r"; done | sort -n | head -1)
rate() { awk -v a="$(wall_at "$1" "$s1")" -v b="$(wall_at "$1" "$s2")" -v n=$((s2 - s1)) \
    'BEGIN {printf "%.0f", n / (b - a)}'; }
h=$(rate "$out/headless"); off=$(rate "$out/visual-off"); on=$(rate "$out/visual-on")
echo "training steps/s from step $s1 to step $s2 (same games in all three), default config:"
echo "  headless                 $h"
echo "  window, visual off       $off  ($(( 100 * off / h ))% of headless)"
echo "  window, visual on, 0 ms  $on  ($(( 100 * on / h ))% of headless)"
