#!/usr/bin/env bash
# Benchmarks the embedded service and, in the same run, the deployment guide's Python stack
# (../shared/peers/seed-stack, its own bench.sh), so that the two are compared as ratios measured
# side by side. Writes bench/results/<time>/ and prints summary.md; docs/benchmarks.md records
# the figures with these commands.
#
#   bench/run.sh [--runs 2] [--skip-reference] [--seed-stack DIR]
#
# Ours, per run, on a fresh data directory, configured as the reference is (grading takes 200 ms,
# as its fake LLM does, four at a time) unless a phase says otherwise:
#   p99      bench/openloop: POST /submissions/ at a fixed 1,000 req/s for 10 s (first)
#   intake   wrk -t2 -c64 -d10s POST /submissions/ (small multipart file, different each time)
#   intake   the same with a JSON body (the reference's intake shape)
#   health   wrk -t2 -c64 -d10s GET /health/live
#   e2e      400 submissions until graded (200 ms grading, 4 at a time: the reference's setting)
#   e2e      2,000 submissions with no added latency (the pipeline's own cost)
#   memory   peak resident set (VmHWM) of the process over all of the above
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=2
SKIP_REFERENCE=0
SEED_STACK=${SEED_STACK:-../shared/peers/seed-stack}
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --skip-reference) SKIP_REFERENCE=1; shift ;;
    --seed-stack) SEED_STACK=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ {print; next} NR > 1 {exit}' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

BIN=build/release/autograder
OPENLOOP=build/release/openloop
for f in "$BIN" "$OPENLOOP"; do
  [ -x "$f" ] || { echo "run.sh: $f is missing; run make build" >&2; exit 1; }
done
command -v wrk > /dev/null || { echo "run.sh: wrk is missing; run scripts/setup --bench" >&2; exit 1; }

OUT="bench/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
WORK=$(mktemp -d)
PORT=${AG_BENCH_PORT:-8095}
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ -d "$WORK/seed-stack" ]; then (cd "$WORK/seed-stack" && ./stop.sh > /dev/null 2>&1 || true); fi
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {  # env assignments as arguments
  rm -rf "$WORK/data"
  env "$@" "$BIN" serve --host 127.0.0.1 --port "$PORT" --auth off --data-dir "$WORK/data" \
    > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$PORT/health/live" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "run.sh: the server did not start" >&2; cat "$WORK/server.log" >&2; exit 1
}

stop_server() {  # prints the peak RSS in MB
  local hwm
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
  awk -v kb="$hwm" 'BEGIN {printf "%.1f", kb / 1024}'
}

make_assignment() {  # prints the id
  curl -fsS -XPOST "http://127.0.0.1:$PORT/assignments/" -H 'content-type: application/json' \
    -d '{"title": "Bench", "rubric": {"content": {"description": "Explains photosynthesis with light, chlorophyll, carbon dioxide and water", "max_points": 10}, "clarity": {"description": "Clear and well organised answer", "max_points": 5}}}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

add_reference() {
  printf '# Photosynthesis\nPlants use light energy and chlorophyll to turn carbon dioxide and water into glucose and oxygen.\n\n# Respiration\nCells release the energy stored in glucose.\n' > "$WORK/notes.md"
  curl -fsS -F "file=@$WORK/notes.md" "http://127.0.0.1:$PORT/assignments/$1/references" > /dev/null
}

run_ours() {  # run number
  local r=$1 a rss=0 m
  echo "== autograder run $r"
  start_server GRADER_DELAY_MS=200 WORKER_CONCURRENCY=4
  a=$(make_assignment); add_reference "$a"
  local target="http://127.0.0.1:$PORT/submissions/?assignment_id=$a"
  # Latency at a moderate, fixed rate first, on the fresh service; then saturation.
  "$OPENLOOP" --port "$PORT" --rate 1000 --seconds 10 --connections 32 \
    --path "/submissions/?assignment_id=$a" --multipart 1 > "$OUT/ours-run$r-openloop.json"
  echo "  1,000 req/s:        $(cat "$OUT/ours-run$r-openloop.json")"
  wrk -t2 -c64 -d2s -s bench/lua/post_submission.lua "$target" > /dev/null
  wrk -t2 -c64 -d10s --timeout 10s -s bench/lua/post_submission.lua "$target" \
    | tail -1 > "$OUT/ours-run$r-intake.json"
  echo "  intake (multipart): $(cat "$OUT/ours-run$r-intake.json")"
  AG_ASSIGNMENT=$a wrk -t2 -c64 -d10s --timeout 10s -s bench/lua/post_json_submission.lua \
    "http://127.0.0.1:$PORT/submissions/" | tail -1 > "$OUT/ours-run$r-intake-json.json"
  echo "  intake (JSON):      $(cat "$OUT/ours-run$r-intake-json.json")"
  wrk -t2 -c64 -d2s -s bench/lua/get.lua "http://127.0.0.1:$PORT/health/live" > /dev/null
  wrk -t2 -c64 -d10s --timeout 10s -s bench/lua/get.lua "http://127.0.0.1:$PORT/health/live" \
    | tail -1 > "$OUT/ours-run$r-health.json"
  echo "  health:             $(cat "$OUT/ours-run$r-health.json")"
  m=$(stop_server); rss=$m

  start_server GRADER_DELAY_MS=200 WORKER_CONCURRENCY=4
  a=$(make_assignment); add_reference "$a"
  bench/e2e.py --port "$PORT" --assignment "$a" --n 400 > "$OUT/ours-run$r-e2e.json" || true
  echo "  e2e 200 ms x4:      $(cat "$OUT/ours-run$r-e2e.json")"
  m=$(stop_server); rss=$(awk -v a="$rss" -v b="$m" 'BEGIN {print (a > b ? a : b)}')

  start_server WORKER_CONCURRENCY=4
  a=$(make_assignment); add_reference "$a"
  bench/e2e.py --port "$PORT" --assignment "$a" --n 2000 > "$OUT/ours-run$r-e2e-fast.json" || true
  echo "  e2e no latency:     $(cat "$OUT/ours-run$r-e2e-fast.json")"
  m=$(stop_server); rss=$(awk -v a="$rss" -v b="$m" 'BEGIN {print (a > b ? a : b)}')
  echo "{\"peak_rss_mb\": $rss}" > "$OUT/ours-run$r-rss.json"
  echo "  peak RSS:           $rss MB"
}

run_reference() {  # uvicorn workers
  local w=$1
  echo "== reference stack, uvicorn --workers $w"
  (cd "$WORK/seed-stack" && ./start.sh --workers "$w" > /dev/null \
     && ./bench.sh --runs "$RUNS" --label "w$w" && ./stop.sh > /dev/null) \
    | tee "$OUT/reference-w$w.txt"
  cp -r "$WORK/seed-stack/run/"bench-*"-w$w" "$OUT/reference-w$w" 2>/dev/null || true
}

if [ "$SKIP_REFERENCE" = 0 ]; then
  [ -d "$SEED_STACK" ] || { echo "run.sh: no reference stack at $SEED_STACK" >&2; exit 1; }
  cp -r "$SEED_STACK" "$WORK/seed-stack"
  chmod -R u+w "$WORK/seed-stack"
fi

# Interleaved, so that a noisy neighbour on a shared machine hits both sides.
for ((r = 1; r <= RUNS; r++)); do
  run_ours "$r"
done
if [ "$SKIP_REFERENCE" = 0 ]; then
  run_reference 1
  run_reference 2
fi

python3 bench/summarize.py "$OUT" | tee "$OUT/summary.md"
