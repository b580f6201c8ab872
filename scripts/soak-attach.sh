#!/usr/bin/env bash
# Memory of a run with watchers that misbehave: a default-config headless run, one client
# that joins as a window and never reads, and one that joins and leaves every second; the
# run's resident memory and steps are sampled every minute.
#
#   scripts/soak-attach.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
bin=${TETRIS_DQN_BIN:-target/debug/tetris-dqn}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
"$bin" train --headless --run-dir "$work/run" 2>"$work/log" &
run=$!
while [ ! -S "$work/run/attach.sock" ]; do sleep 0.2; done
python3 - "$work/run/attach.sock" "$minutes" <<'PY' &
import json, socket, sys, time
path, minutes = sys.argv[1], float(sys.argv[2])
hello = (json.dumps({"magic": "tetris-dqn attach", "protocol": 1, "version": "", "refused": None}) + "\n").encode()
def join(kind):
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.sendall(hello)
    f = s.makefile("rb"); f.readline(); s.sendall(('{"Join":"%s"}\n' % kind).encode())
    return s, f
stalled = join("Window")  # never read again
end = time.time() + minutes * 60
while time.time() < end:
    s, f = join("Window"); f.readline(); s.close(); time.sleep(1)
PY
echo "minute  resident_MiB  steps"
for m in $(seq 0 "$minutes"); do
  rss=$(awk '/VmRSS/ {printf "%.1f", $2/1024}' /proc/$run/status)
  steps=$("$bin" attach --list --checkpoints "$work" | sed -n 's/.*step \([0-9]*\),.*/\1/p')
  echo "$m  $rss  $steps"
  [ "$m" = "$minutes" ] || sleep 60
done
grep -c "disconnected" "$work/log" | sed 's/^/watchers dropped with a reason: /'
kill -INT $run; wait $run || true
