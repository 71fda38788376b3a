#!/usr/bin/env bash
# One `autograder worker` process against the reference stack's Celery worker (prefork,
# concurrency 4; ../shared/peers/seed-stack), in one run: each grades N submissions through its
# own fake LLM answering every call after --latency-ms, behind an API process, on a Redis
# queue. Reports grades per second of each, their ratio, and the worker's share of its ceiling
# (in-flight limit / latency). Celery's figure is its own e2e run (it grades while the
# submissions arrive, far faster than it grades them); ours is timed from the worker's start on
# a queue filled beforehand, so that the API's intake does not share the two cores meanwhile.
#
#   bench/worker_vs_celery.sh [--n 6000] [--n-celery 400] [--in-flight 128] [--latency-ms 200]
#                             [--concurrency 2] [--seed-stack DIR]
#
# Needs build/release/autograder, redis-server and the reference stack's Debian packages
# (scripts/setup --bench). Everything listens on 127.0.0.1 and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/llm_bench_lib.sh
N=6000 N_CELERY=400 IN_FLIGHT=128 LATENCY=200 CONCURRENCY=2
SEED_STACK=${SEED_STACK:-../shared/peers/seed-stack}
while [ $# -gt 0 ]; do
  case "$1" in
    --n) N=$2; shift 2 ;;
    --n-celery) N_CELERY=$2; shift 2 ;;
    --in-flight) IN_FLIGHT=$2; shift 2 ;;
    --latency-ms) LATENCY=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --seed-stack) SEED_STACK=$2; shift 2 ;;
    *) echo "usage: $0 [--n N] [--n-celery N] [--in-flight N] [--latency-ms MS] [--concurrency N] [--seed-stack DIR]" >&2
       exit 2 ;;
  esac
done
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2> /dev/null || true; done
  if [ -d "$WORK/seed-stack" ]; then (cd "$WORK/seed-stack" && ./stop.sh > /dev/null 2>&1 || true); fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- The reference: FastAPI + one Celery worker, prefork concurrency 4.
cp -r "$SEED_STACK" "$WORK/seed-stack"
chmod -R u+w "$WORK/seed-stack"
(cd "$WORK/seed-stack" && ./start.sh --latency-ms "$LATENCY" --access-log off > /dev/null)
CELERY=$(cd "$WORK/seed-stack" && /usr/bin/python3 bench/e2e.py --base http://127.0.0.1:8090 \
  --n "$N_CELERY" --timeout 600)
(cd "$WORK/seed-stack" && ./stop.sh > /dev/null)
echo "celery: $CELERY"

# --- Ours: an API process (serve --no-workers) and one worker process on Redis.
REDIS_PORT=$(free_port)
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" \
  --daemonize no > "$WORK/redis.log" 2>&1 &
PIDS+=($!)
start_fake_llm "$LATENCY"
PIDS+=("$FAKE_PID")
for _ in $(seq 1 100); do redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && break; sleep 0.05; done
PORT=$(free_port)
export ACCESS_LOG=false LOG_LEVEL=warn REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" \
  LLM_PROVIDER=openai OPENAI_BASE_URL="http://127.0.0.1:$FAKE_PORT/v1" OPENAI_MODEL=fake-chat \
  LLM_MAX_IN_FLIGHT="$IN_FLIGHT" LLM_CACHE_ENTRIES=0 DATA_DIR="$WORK/data"
build/release/autograder serve --no-workers --host 127.0.0.1 --port "$PORT" --auth off \
  > "$WORK/api.log" 2>&1 &
PIDS+=($!)
wait_live "$PORT"
A=$(create_bench_assignment "$PORT")
# The queue is filled first and the worker started then: its own throughput, not the intake's.
OURS=$(bench/e2e.py --port "$PORT" --assignment "$A" --n "$N" --timeout 600 --after-post \
  "build/release/autograder worker --queue grading --concurrency $CONCURRENCY > $WORK/worker.log 2>&1 & echo \$! > $WORK/worker.pid")
WORKER_PID=$(cat "$WORK/worker.pid")
PIDS+=("$WORKER_PID")
WORKER_RSS=$(ps -o rss= -p "$WORKER_PID" | tr -d ' ')
echo "autograder worker: $OURS (worker RSS ${WORKER_RSS} kB)"
python3 - "$CELERY" "$OURS" "$IN_FLIGHT" "$LATENCY" <<'PY'
import json, sys
celery, ours = json.loads(sys.argv[1]), json.loads(sys.argv[2])
in_flight, latency = int(sys.argv[3]), int(sys.argv[4])
c, o = celery["grades_per_s"], ours["grades_per_second"]
ceiling = in_flight / (latency / 1000.0)
print(f"summary: celery {c:.1f} grades/s, autograder worker {o:.1f} grades/s, "
      f"ratio {o / c:.1f}x; ceiling {ceiling:.0f}/s (in-flight {in_flight} / {latency} ms), "
      f"{100 * o / ceiling:.0f}% of it")
PY
