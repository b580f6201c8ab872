#!/usr/bin/env bash
# The versus issue's matches for one agent: against dellacherie and the shipped tetris agent
# (fast pace: the same timeline, thinking takes no time on it) and against Cold Clear 2 in real
# time (built outside the project by ../shared/opponents/build.sh). One JSON report per match
# in OUT_DIR and a summary line each: wins with a 95% interval, attack and sent per piece,
# pieces per second, think time.
#   AGENT=versus        the left player (a shipped agent's name or a checkpoint folder)
#   LOOKAHEAD=8 DEPTH=1 how the agents look ahead (both sides that are agents)
#   GAMES=20 CC2_GAMES=50 SEED=1  games of each match, first seed
#   MATCHES="dellacherie tetris cc2"  which matches to play
# Usage: scripts/versus-targets.sh [OUT_DIR]   (after ./run.sh or ./test.sh; the Cold Clear 2
# match takes about 40 s a game)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
bin=${TETRIS_DQN_BIN:-${CARGO_TARGET_DIR:-target}/debug/tetris-dqn}
agent=${AGENT:-versus}
look=(--lookahead "${LOOKAHEAD:-8}" --depth "${DEPTH:-1}")
for m in ${MATCHES:-dellacherie tetris cc2}; do
    case $m in
        dellacherie) args=(dellacherie --games "${GAMES:-20}" --pace fast) ;;
        tetris) args=(tetris --games "${GAMES:-20}" --pace fast) ;;
        cc2)
            cc2=$(bash ../shared/opponents/build.sh | tail -n 1)
            args=("tbp:$cc2" --games "${CC2_GAMES:-50}" --pace real)
            ;;
        *) echo "unknown match $m (dellacherie, tetris or cc2)" >&2; exit 2 ;;
    esac
    "$bin" versus "$agent" "${args[@]}" --headless --seed "${SEED:-1}" "${look[@]}" --json \
        >"$out/$m.json" 2>"$out/$m.log"
    python3 - "$m" "$out/$m.json" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
r = json.load(open(path))
l, o = r["players"]
w = r["left_win_rate"]
print(f"vs {name}: {l['wins']}-{o['wins']}, {r['draws']} draws ({100 * w['low']:.0f}% to {100 * w['high']:.0f}%); "
      f"attack/piece {l['attack_per_piece']:.3f} vs {o['attack_per_piece']:.3f}, "
      f"sent/piece {l['sent_per_piece']:.3f} vs {o['sent_per_piece']:.3f}, "
      f"pieces/s {l['pieces_per_second']:.2f} vs {o['pieces_per_second']:.2f}, "
      f"think ms median {l['think_ms_median']:.2f} vs {o['think_ms_median']:.2f}")
PY
done
echo "reports: $out"
