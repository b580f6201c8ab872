#!/usr/bin/env bash
# Makes the shipped agents, assets/agents/<objective>/ (model.safetensors + meta.ron), from
# fixed seeds on CPU: each is a checkpoint (its recipe below says which: `best`, chosen by the
# periodic evaluation, or `latest`) of a headless run of configs/<objective>.ron for a fixed
# number of steps, with the run's evals.csv. Training on CPU is
# deterministic, so the weights come out bit for bit the same on any x86-64 machine with the
# same build (meta.ron differs only in wall time, save time and git describe).
# Usage: scripts/make-agents.sh [OBJECTIVE ...]        (default: all four, in parallel)
#        scripts/make-agents.sh --check [OBJECTIVE ...] (remake into a temporary folder and
#                                                         compare the weights with assets/)
# Run after ./run.sh or ./test.sh (it uses their build).
set -euo pipefail
cd "$(dirname "$0")/.."
check=false
if [[ ${1:-} == --check ]]; then check=true; shift; fi
(($# > 0)) || set -- tetris attack survival versus
objectives=("$@")
bin=${TETRIS_DQN_BIN:-${CARGO_TARGET_DIR:-target}/debug/tetris-dqn}
[[ -x $bin ]] || { echo "no binary at $bin: run ./test.sh or ./run.sh first" >&2; exit 1; }

# The recipe of each agent: seed, steps and which checkpoint of the run is shipped (the config
# file holds everything else). The tetris agent is its run's `latest`: looking ahead it plays
# better than the `best` the run's one-placement evaluations chose (README).
declare -A seed=([tetris]=11 [attack]=11 [survival]=11 [versus]=11)
declare -A steps=([tetris]=4000000 [attack]=3000000 [survival]=1000000 [versus]=4000000)
declare -A ship=([tetris]=latest [attack]=best [survival]=best [versus]=best)

# MAKE_AGENTS_WORK=<dir> keeps the runs there (else a temporary folder, removed at the end).
if [[ -n ${MAKE_AGENTS_WORK:-} ]]; then
    work=$MAKE_AGENTS_WORK
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
fi
for o in "${objectives[@]}"; do
    [[ -n ${seed[$o]:-} ]] || { echo "unknown objective $o (tetris, attack, survival or versus)" >&2; exit 2; }
    "$bin" train --headless --config "configs/$o.ron" --seed "${seed[$o]}" \
        --steps "${steps[$o]}" --run-dir "$work/$o" 2>"$work/$o.log" &
done
failed=0
for job in $(jobs -p); do wait "$job" || failed=1; done
for o in "${objectives[@]}"; do
    made=$work/$o/${ship[$o]}
    if [[ ! -f $made/model.safetensors ]]; then
        echo "$o: the run left no ${ship[$o]}/ (see its log below)" >&2
        tail -n 5 "$work/$o.log" >&2
        failed=1
        continue
    fi
    new=$(sha256sum <"$made/model.safetensors" | cut -d' ' -f1)
    dest=assets/agents/$o
    if $check; then
        old=$(sha256sum <"$dest/model.safetensors" | cut -d' ' -f1)
        if [[ $new == "$old" ]]; then echo "$o: same weights ($new)"; else
            echo "$o: DIFFERENT weights: made $new, shipped $old" >&2; failed=1; fi
    else
        mkdir -p "$dest"
        cp "$made/model.safetensors" "$made/meta.ron" "$dest/"
        cp "$work/$o/evals.csv" "$dest/evals.csv"
        echo "$o: $(grep -o 'reason: "[^"]*"' "$dest/meta.ron") -> $dest ($new)"
    fi
done
exit "$failed"
