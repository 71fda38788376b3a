#!/usr/bin/env python3
"""End-to-end throughput of the autograder service: post N submissions (16 client threads),
wait until all are graded, and report grades/s = N / (last grade's time - first POST).

    bench/e2e.py --port 8000 --assignment 1 --n 400

With --after-post CMD the clock starts after the last POST, when CMD (a shell command that
starts the grading workers and returns) is run: the workers' own throughput on a full queue.
Prints one JSON line. Standard library only.
"""
import argparse
import datetime
import http.client
import json
import subprocess
import sys
import threading
import time


def post(port, assignment, i):
    boundary = "E2EBOUNDARY"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"answer-{i}.txt\"\r\nContent-Type: text/plain\r\n\r\n"
            f"Photosynthesis uses light energy and chlorophyll to turn carbon dioxide and water "
            f"into glucose and oxygen. Answer number {i}.\r\n--{boundary}--\r\n").encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", f"/submissions/?assignment_id={assignment}", body,
                 {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    if r.status != 200:
        raise RuntimeError(f"POST answered {r.status}: {data[:200]!r}")
    return json.loads(data)["id"]


def get_json(port, path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return json.loads(data)


def parse_time(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--assignment", type=int, required=True)
    p.add_argument("--n", type=int, default=400)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--after-post", help="shell command run after the last POST; the clock starts then")
    a = p.parse_args()

    ids, errors = [], []
    lock = threading.Lock()
    counter = iter(range(a.n))

    def client():
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            try:
                sid = post(a.port, a.assignment, i)
                with lock:
                    ids.append(sid)
            except Exception as e:  # noqa: BLE001 - reported below
                with lock:
                    errors.append(str(e))

    t0 = time.time()
    threads = [threading.Thread(target=client) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posted = time.time()
    post_seconds = posted - t0
    if a.after_post:
        t0 = time.time()
        subprocess.run(a.after_post, shell=True, check=True)
    wanted = set(ids)
    deadline = t0 + a.timeout
    last, done = None, {}
    while time.time() < deadline:
        listing = get_json(a.port, f"/submissions/assignment/{a.assignment}?limit=10000")
        done = {s["id"]: s for s in listing if s["id"] in wanted and s["status"] in ("done", "error")}
        if len(done) == len(wanted):
            break
        time.sleep(0.05)
    finished = [parse_time(s["updated_at"]) for s in done.values()]
    last = max(finished) if finished else time.time()
    failed = sum(1 for s in done.values() if s["status"] == "error")
    latencies = sorted(parse_time(s["updated_at"]) - parse_time(s["created_at"]) for s in done.values())
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else None
    print(json.dumps({
        "n": a.n, "acknowledged": len(ids), "post_errors": len(errors), "graded": len(done) - failed,
        "failed": failed, "post_seconds": round(post_seconds, 3),
        "clock_from": "after_post" if a.after_post else "first_post",
        "seconds": round(last - t0, 3), "grades_per_second": round(len(done) / (last - t0), 2),
        "time_in_system_p50_s": pct(0.5), "time_in_system_p99_s": pct(0.99),
    }))
    return 0 if len(done) == a.n and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
