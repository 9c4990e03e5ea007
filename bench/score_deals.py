"""Benchmark `crmqa score` on a synthetic CRM: deals per second and peak memory.

    python bench/score_deals.py [--deals 10000] [--seed 1]

Runs the real command twice (one process, then all cores) on the same file,
polls the process tree for resident memory, and prints one line per run.
Targets (issue 2): ≥ 1,000 deals/s per core, ≤ 400 MB peak RSS per process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-28T12:00:00+03:00"


def synth(n: int, seed: int, path: Path) -> None:
    subprocess.run([sys.executable, "-m", "crmqa.cli", "synth", "--deals", str(n),
                    "--seed", str(seed), "--now", NOW, "-o", str(path)], check=True, cwd=ROOT)


def measure(args: list[str]) -> tuple[float, dict[int, float]]:
    """Wall time and the peak RSS (MB) of every process of the run."""
    started = time.perf_counter()
    proc = psutil.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, float] = {}
    while proc.poll() is None:
        try:
            for p in [proc, *proc.children(recursive=True)]:
                rss = p.memory_info().rss / 2**20
                peaks[p.pid] = max(peaks.get(p.pid, 0.0), rss)
        except psutil.Error:
            pass
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(proc.stderr.read().decode())
    return elapsed, peaks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    opts = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "deals.jsonl"
        synth(opts.deals, opts.seed, src)
        size_mb = src.stat().st_size / 2**20
        one = Path(tmp) / "one.jsonl"
        one.write_text(src.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        startup, _ = measure([sys.executable, "-m", "crmqa.cli", "score", str(one), "--now", NOW,
                              "-o", str(Path(tmp) / "one.out"), "-j", "1"])
        rows = []
        for jobs in (1, cores):
            cmd = [sys.executable, "-m", "crmqa.cli", "score", str(src), "--now", NOW,
                   "-o", str(Path(tmp) / "out.jsonl"), "-j", str(jobs)]
            elapsed, peaks = measure(cmd)
            rate = opts.deals / elapsed
            steady = opts.deals / max(elapsed - startup, 1e-9)
            rows.append({"jobs": jobs, "deals": opts.deals, "seconds": round(elapsed, 2),
                         "deals_per_s": round(rate), "deals_per_s_per_core": round(rate / jobs),
                         "after_startup_deals_per_s_per_core": round(steady / jobs),
                         "peak_rss_mb_per_process": round(max(peaks.values()), 1),
                         "processes": len(peaks)})
    print(f"input: {opts.deals} synthetic deals, {size_mb:.1f} MB; {cores} cores; "
          f"fixed start-up (imports, models, one deal): {startup:.2f} s")
    for row in rows:
        print(json.dumps(row))


if __name__ == "__main__":
    main()
