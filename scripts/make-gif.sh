#!/usr/bin/env bash
# Makes assets/training.gif, the README's picture of the window training: real frames of the
# real window (the smoke config learning from scratch, then a run that has learnt a little,
# with a step delay so that the pieces are seen moving), grabbed under Xvfb with
# ImageMagick's `import` and joined into a looping GIF.
#
#   scripts/make-gif.sh [FRAMES] [OUT.gif]
set -euo pipefail
cd "$(dirname "$0")/.."
frames=${1:-40}
out=${2:-assets/training.gif}
bin=${TETRIS_DQN_BIN:-target/debug/tetris-dqn}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

# A run that has learnt for 30,000 steps, so that the window shows play worth watching.
"$bin" train --headless --config configs/smoke.ron --steps 30000 --run-dir "$work/run" >/dev/null 2>&1
Xvfb :93 -screen 0 1300x760x24 -nolisten tcp >/dev/null 2>&1 &
sleep 1
DISPLAY=:93 "$bin" train --resume "$work/run/latest" --run-dir "$work/run" --steps 100000000 \
  --speed 60 >/dev/null 2>&1 &
sleep 6
for i in $(seq -w 1 "$frames"); do
  DISPLAY=:93 import -window root "$work/f$i.png"
  sleep 0.12
done
convert -delay 15 -loop 0 "$work"/f*.png -resize 65% -layers Optimize -colors 96 "$out"
ls -l "$out"
