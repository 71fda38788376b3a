# Shared steps of the LLM benchmarks (bench/llm_e2e.sh, bench/worker_vs_celery.sh); sourced,
# with WORK set to the run's scratch directory.

# Starts the project's fake OpenAI-compatible server answering after $1 ms; sets FAKE_PID and
# FAKE_PORT.
start_fake_llm() {
  python3 tests/fakes/fake_openai.py --port 0 --port-file "$WORK/fake-port" \
    --latency-ms "$1" --request-log-limit 100 --backlog 4096 > "$WORK/fake.log" 2>&1 &
  FAKE_PID=$!
  for _ in $(seq 1 100); do [ -s "$WORK/fake-port" ] && break; sleep 0.05; done
  FAKE_PORT=$(cat "$WORK/fake-port")
}

# Waits until the service on port $1 answers /health/live (at most 10 s).
wait_live() {
  for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$1/health/live" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# Creates the benchmark's assignment with one reference file on the service at port $1 and
# prints its id.
create_bench_assignment() {
  local a
  a=$(curl -fsS -XPOST "http://127.0.0.1:$1/assignments/" -H 'content-type: application/json' \
    -d '{"title": "Bench", "rubric": {"content": {"description": "Explains photosynthesis with light, chlorophyll, carbon dioxide and water", "max_points": 10}, "clarity": {"description": "Clear and well organised answer", "max_points": 5}}}' \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  printf '# Photosynthesis\nPlants use light energy and chlorophyll to turn carbon dioxide and water into glucose and oxygen.\n' > "$WORK/notes.md"
  curl -fsS -F "file=@$WORK/notes.md" "http://127.0.0.1:$1/assignments/$a/references" > /dev/null
  echo "$a"
}
