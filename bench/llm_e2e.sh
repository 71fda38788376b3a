#!/usr/bin/env bash
# The LLM grader's throughput in one process: N submissions graded through the project's fake
# OpenAI-compatible server answering every call after a fixed latency, against the ceiling that
# the in-flight limit sets (in-flight / latency).
#
#   bench/llm_e2e.sh [--n 2000] [--in-flight 64] [--latency-ms 200] [--workers 2]
#
# Needs build/release/autograder (cmake --preset release && cmake --build --preset release).
# Prints the e2e JSON of bench/e2e.py, the fake's stats and one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/llm_bench_lib.sh
N=2000 IN_FLIGHT=64 LATENCY=200 WORKERS=2 PORT=8096
while [ $# -gt 0 ]; do
  case "$1" in
    --n) N=$2; shift 2 ;;
    --in-flight) IN_FLIGHT=$2; shift 2 ;;
    --latency-ms) LATENCY=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    *) echo "usage: $0 [--n N] [--in-flight N] [--latency-ms MS] [--workers N]" >&2; exit 2 ;;
  esac
done
WORK=$(mktemp -d)
FAKE_PID= SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ -n "$FAKE_PID" ] && kill -TERM "$FAKE_PID" 2>/dev/null && wait "$FAKE_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

start_fake_llm "$LATENCY"

env ACCESS_LOG=false LOG_LEVEL=warn LLM_PROVIDER=openai \
  OPENAI_BASE_URL="http://127.0.0.1:$FAKE_PORT/v1" OPENAI_MODEL=fake-chat \
  LLM_MAX_IN_FLIGHT="$IN_FLIGHT" WORKER_CONCURRENCY="$WORKERS" LLM_CACHE_ENTRIES=0 \
  build/release/autograder serve --host 127.0.0.1 --port "$PORT" --auth off --data-dir "$WORK/data" \
  > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_live "$PORT"
A=$(create_bench_assignment "$PORT")

E2E=$(bench/e2e.py --port "$PORT" --assignment "$A" --n "$N" --timeout 600)
echo "e2e: $E2E"
STATS=$(curl -fsS "http://127.0.0.1:$FAKE_PORT/_fake/stats")
echo "fake: $STATS"
python3 - "$E2E" "$STATS" "$IN_FLIGHT" "$LATENCY" "$WORKERS" <<'PY'
import json, sys
e2e, stats = json.loads(sys.argv[1]), json.loads(sys.argv[2])
in_flight, latency, workers = int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ceiling = in_flight / (latency / 1000)
rate = e2e["grades_per_second"]
print(json.dumps({"grades_per_second": rate, "ceiling": ceiling,
                  "share_of_ceiling": round(rate / ceiling, 3),
                  "max_in_flight_at_fake": stats["max_in_flight"],
                  "chat_requests": stats["requests"]["chat"], "worker_threads": workers,
                  "graded": e2e["graded"], "failed": e2e["failed"]}))
PY
