#!/usr/bin/env bash
# The issue's evaluation of the shipped agents: ten seeded greedy games each, capped at 100,000
# pieces for tetris and survival and 10,000 for attack; one JSON report per agent in OUT_DIR
# and a summary line each on stdout. The agents look one piece ahead as `eval` does by default
# (LOOKAHEAD=8); LOOKAHEAD=0 measures the one-placement play that training acts by.
# Usage: [LOOKAHEAD=N] scripts/eval-agents.sh [OUT_DIR]   (run after ./run.sh or ./test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
bin=${TETRIS_DQN_BIN:-${CARGO_TARGET_DIR:-target}/debug/tetris-dqn}
declare -A cap=([tetris]=100000 [attack]=10000 [survival]=100000 [versus]=10000)
for o in tetris attack survival versus; do
    "$bin" eval "assets/agents/$o" --games 10 --max-pieces "${cap[$o]}" --seed 1 --json \
        --lookahead "${LOOKAHEAD:-8}" \
        >"$out/$o.json" 2>"$out/$o.log"
    python3 - "$o" "$out/$o.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
print(f"{name}: {r['checkpoint_steps']} steps, lookahead {r['lookahead']}, {r['topped_out']} of {len(r['games'])} topped out, "
      f"tetris rate {100 * r['tetris_rate']:.1f}%, attack per piece {r['attack_per_piece']:.3f}, "
      f"T-spin doubles {r['tspin_doubles']}, mean lines {r['lines']['mean']:.0f}, "
      f"mean pieces {sum(g['pieces'] for g in r['games']) / len(r['games']):.0f}")
PY
done
echo "reports: $out"
