#!/usr/bin/env python3
"""Summarizes a bench/run.sh folder: our figures per run, their medians, the reference stack's
medians (from its own summary.json), and the ratios. Prints Markdown.

    bench/summarize.py bench/results/YYYYmmdd-HHMMSS
"""
import glob
import json
import os
import re
import statistics
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def median(values):
    values = [v for v in values if isinstance(v, (int, float))]
    return statistics.median(values) if values else None


def main():
    out = sys.argv[1]
    runs = sorted(int(m.group(1)) for p in glob.glob(os.path.join(out, "ours-run*-rss.json"))
                  if (m := re.search(r"ours-run(\d+)-rss\.json$", p)))
    rows = []
    for r in runs:
        def part(name):
            path = os.path.join(out, f"ours-run{r}-{name}.json")
            return load(path) if os.path.exists(path) else {}
        intake, intake_json, health = part("intake"), part("intake-json"), part("health")
        openloop, e2e, fast, rss = part("openloop"), part("e2e"), part("e2e-fast"), part("rss")
        rows.append({
            "intake_rps": intake.get("rps"),
            "intake_p99_ms": intake.get("p99_ms"),
            "intake_non2xx": intake.get("non2xx"),
            "intake_json_rps": intake_json.get("rps"),
            "health_rps": health.get("rps"),
            "health_p99_ms": health.get("p99_ms"),
            "openloop_1000_p50_ms": openloop.get("p50_ms"),
            "openloop_1000_p99_ms": openloop.get("p99_ms"),
            "openloop_1000_errors": openloop.get("errors"),
            "e2e_grades_per_s": e2e.get("grades_per_second"),
            "e2e_graded": e2e.get("graded"),
            "e2e_no_latency_grades_per_s": fast.get("grades_per_second"),
            "peak_rss_mb": rss.get("peak_rss_mb"),
        })
    ours = {k: median([row[k] for row in rows]) for k in (rows[0] if rows else {})}

    print(f"## {os.path.basename(out)}\n")
    print("### autograder (embedded, one process)\n")
    print("| figure | " + " | ".join(f"run {i + 1}" for i in range(len(rows))) + " | median |")
    print("|---|" + "---|" * (len(rows) + 1))
    for k in ours:
        print(f"| {k} | " + " | ".join(str(row[k]) for row in rows) + f" | {ours[k]} |")

    refs = {}
    for w in (1, 2):
        path = os.path.join(out, f"reference-w{w}", "summary.json")
        if os.path.exists(path):
            refs[w] = load(path)["median"]
    if not refs:
        return
    print("\n### reference stack (medians from its bench.sh)\n")
    keys = ["intake_rps", "intake_p99_ms", "health_rps", "grades_per_s", "peer_peak_rss_mb"]
    print("| figure | " + " | ".join(f"uvicorn --workers {w}" for w in refs) + " |")
    print("|---|" + "---|" * len(refs))
    for k in keys:
        print(f"| {k} | " + " | ".join(str(refs[w].get(k)) for w in refs) + " |")

    def ratio(a, b):
        return round(a / b, 1) if a and b else None

    best = max(refs.values(), key=lambda m: m.get("intake_rps") or 0)
    smallest_rss = min(m.get("peer_peak_rss_mb") or 1e9 for m in refs.values())
    print("\n### ratios (autograder median / best reference median)\n")
    print("| figure | ratio |")
    print("|---|---|")
    print(f"| intake req/s, multipart | {ratio(ours['intake_rps'], best.get('intake_rps'))}x |")
    print(f"| intake req/s, JSON | {ratio(ours['intake_json_rps'], best.get('intake_rps'))}x |")
    best_health = max(m.get("health_rps") or 0 for m in refs.values())
    print(f"| GET /health/live req/s | {ratio(ours['health_rps'], best_health)}x |")
    best_e2e = max(m.get("grades_per_s") or 0 for m in refs.values())
    print(f"| end-to-end grades/s, same 200 ms x 4 setting | {ratio(ours['e2e_grades_per_s'], best_e2e)}x |")
    print(f"| peak resident memory, reference / autograder | "
          f"{ratio(smallest_rss, ours['peak_rss_mb'])}x smaller |")


if __name__ == "__main__":
    main()
