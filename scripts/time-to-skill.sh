#!/usr/bin/env bash
# Time to skill: two headless trainings side by side (one core each), each until its periodic
# evaluation first shows no top-out and a tetris rate of at least 90% (3 games x 10,000 pieces
# in the tetris preset), or MINUTES pass. Prints, for each, the evaluation that got there, its
# step and its wall minutes (the run's own clock, evaluations included), then each run's
# learning curve (scripts/learning-curve.py).
# Usage: scripts/time-to-skill.sh [MINUTES] [OUT_DIR]          (default 30, a temporary folder)
#   A_BIN, A_CONFIG   the first run's binary and config (default: this build, configs/tetris.ron
#                     as the trainer was before issue 19: `envs: 1`, `train_every: 4`,
#                     `learning_rate: 0.0005`, which trains bit for bit as that trainer did)
#   B_BIN, B_CONFIG   the second's (default: this build, configs/tetris.ron)
#   SEED              both runs' seed (default 11)
# Run after ./run.sh or ./test.sh. To compare with an older trainer, build it in a worktree
# and give its binary and its own configs/tetris.ron as A_BIN and A_CONFIG.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
bin=${CARGO_TARGET_DIR:-target}/debug/tetris-dqn
a_bin=${A_BIN:-$bin}
b_bin=${B_BIN:-$bin}
if [[ -z ${A_CONFIG:-} ]]; then
    A_CONFIG=$out/one-game.ron
    sed -e 's/^\( *\)envs: [0-9]*,/\1envs: 1,/' -e 's/^\( *\)train_every: [0-9]*,/\1train_every: 4,/' \
        -e 's/^\( *\)learning_rate: [0-9.e-]*,/\1learning_rate: 0.0005,/' configs/tetris.ron >"$A_CONFIG"
    for field in 'envs: 1,' 'train_every: 4,' 'learning_rate: 0.0005,'; do
        grep -q "$field" "$A_CONFIG" || { echo "configs/tetris.ron: cannot set $field" >&2; exit 1; }
    done
fi
b_config=${B_CONFIG:-configs/tetris.ron}
seed=${SEED:-11}

"$a_bin" train --headless --config "$A_CONFIG" --seed "$seed" --run-dir "$out/a" 2>"$out/a.log" &
a=$!
"$b_bin" train --headless --config "$b_config" --seed "$seed" --run-dir "$out/b" 2>"$out/b.log" &
b=$!
trap 'kill -INT $a $b 2>/dev/null || true' EXIT

# The first evaluation row of a run with no top-out and a tetris rate of at least 0.9.
skilled() {
    [[ -f $1/evals.csv ]] || return 1
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
             $col["topped_out"] == 0 && $col["tetris_rate"] >= 0.9 {
                 printf "step %d, %.1f wall minutes (tetris rate %.1f%%)\n",
                        $col["steps"], $col["wall_s"] / 60, 100 * $col["tetris_rate"]; found = 1; exit }
             END { exit !found }' "$1/evals.csv"
}
declare -A done_at=()
deadline=$(( $(date +%s) + minutes * 60 ))
while (( $(date +%s) < deadline )); do
    for run in a b; do
        if [[ -z ${done_at[$run]:-} ]] && line=$(skilled "$out/$run"); then
            done_at[$run]=$line
            pid=$([[ $run == a ]] && echo $a || echo $b)
            kill -INT "$pid" 2>/dev/null || true
        fi
    done
    [[ -n ${done_at[a]:-} && -n ${done_at[b]:-} ]] && break
    sleep 5
done
kill -INT $a $b 2>/dev/null || true
trap - EXIT
wait $a $b || true
echo "A ($a_bin, $A_CONFIG): ${done_at[a]:-not within $minutes minutes}"
echo "B ($b_bin, $b_config): ${done_at[b]:-not within $minutes minutes}"
for run in a b; do
    echo "--- learning curve of $run ($out/$run)"
    scripts/learning-curve.py "$out/$run" tetris --every 250000 || true
done
