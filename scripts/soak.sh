#!/usr/bin/env bash
# A long headless run of the default config, sampled once a minute: resident memory (VmRSS),
# the step count and rate from the progress line, and the size of metrics.csv; then Ctrl-C,
# which must save `latest` at the step the run reports.
# Usage: scripts/soak.sh [MINUTES] [OUT_DIR]   (default 60 and a fresh temporary folder; run
# after ./run.sh or ./test.sh). The table goes to stdout and OUT_DIR/soak.tsv.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-60}
out=${2:-$(mktemp -d)}
mkdir -p "$out"
bin=${TETRIS_DQN_BIN:-${CARGO_TARGET_DIR:-target}/debug/tetris-dqn}
"$bin" --headless --run-dir "$out/run" 2>"$out/stderr.log" &
pid=$!
trap 'kill -INT $pid 2>/dev/null || true' EXIT
printf 'minute\trss_mib\tsteps\tsteps_per_s\tmetrics_csv_kib\n' | tee "$out/soak.tsv"
for m in $(seq "$minutes"); do
    sleep 60
    kill -0 "$pid" 2>/dev/null || { echo "the run ended early; see $out/stderr.log" >&2; exit 1; }
    rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
    line=$(grep -E '^[0-9]+ steps' "$out/stderr.log" | tail -n 1 || true)
    steps=$(awk '{ print $1 }' <<<"$line")
    rate=$(awk '{ sub("/s", "", $3); print $3 }' <<<"$line")
    csv=$(( $(stat -c %s "$out/run/metrics.csv" 2>/dev/null || echo 0) / 1024 ))
    printf '%s\t%s\t%s\t%s\t%s\n' "$m" "$rss" "$steps" "$rate" "$csv" | tee -a "$out/soak.tsv"
done
kill -INT "$pid"
trap - EXIT
wait "$pid"
tail -n 2 "$out/stderr.log"
echo "run folder: $out/run"
