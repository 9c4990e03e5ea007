"""Benchmark `crmqa score` on a synthetic CRM: deals per second and peak memory.

    python bench/score_deals.py [--deals 10000] [--seed 1]

Runs the real command twice (one process, then all cores) on the same file,
polls the process tree for resident memory, and prints one line per run.
Targets (issue 2): ≥ 1,000 deals/s per core, ≤ 400 MB peak RSS per process, and
every injected defect found with precision and recall ≥ 0.95.
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-28T12:00:00+03:00"


def synth(n: int, seed: int, path: Path, truth: Path) -> None:
    subprocess.run([sys.executable, "-m", "crmqa.cli", "synth", "--deals", str(n),
                    "--seed", str(seed), "--now", NOW, "-o", str(path), "--truth", str(truth)],
                   check=True, cwd=ROOT)


def quality(scored: Path, truth: Path) -> dict:
    """Per-code precision/recall of the scored file against the injected truth."""
    from training.evaluate import found_codes, per_code, truth_codes
    from training.synth import MEASURED

    def read(p: Path) -> list[dict]:
        return [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x]

    table = per_code(truth_codes(read(truth)), found_codes(read(scored)),
                     MEASURED)
    return {code: pr.row() for code, pr in table.items()}


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
    ap.add_argument("--config", help="a regulation YAML, e.g. one with checks.disabled")
    opts = ap.parse_args()
    extra = ["--config", opts.config] if opts.config else []
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        src, truth = Path(tmp) / "deals.jsonl", Path(tmp) / "truth.jsonl"
        synth(opts.deals, opts.seed, src, truth)
        size_mb = src.stat().st_size / 2**20
        one = Path(tmp) / "one.jsonl"
        one.write_text(src.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        startup, _ = measure([sys.executable, "-m", "crmqa.cli", "score", str(one), "--now", NOW,
                              "-o", str(Path(tmp) / "one.out"), "-j", "1", *extra])
        rows = []
        for jobs in (1, cores):
            cmd = [sys.executable, "-m", "crmqa.cli", "score", str(src), "--now", NOW,
                   "-o", str(Path(tmp) / "out.jsonl"), "-j", str(jobs), *extra]
            elapsed, peaks = measure(cmd)
            rate = opts.deals / elapsed
            steady = opts.deals / max(elapsed - startup, 1e-9)
            rows.append({"jobs": jobs, "deals": opts.deals, "seconds": round(elapsed, 2),
                         "deals_per_s": round(rate), "deals_per_s_per_core": round(rate / jobs),
                         "after_startup_deals_per_s_per_core": round(steady / jobs),
                         "peak_rss_mb_per_process": round(max(peaks.values()), 1),
                         "processes": len(peaks)})
            if jobs == 1:
                table = quality(Path(tmp) / "out.jsonl", truth)
    print(f"input: {opts.deals} synthetic deals, {size_mb:.1f} MB; {cores} cores; "
          f"fixed start-up (imports, models, one deal): {startup:.2f} s")
    for row in rows:
        print(json.dumps(row))
    print("quality against the injected truth (precision / recall per code):")
    for code, row in table.items():
        print(f"  {code:28s} P={row['precision']:.3f} R={row['recall']:.3f} "
              f"tp={row['tp']} fp={row['fp']} fn={row['fn']}")
    worst = min(min(r["precision"], r["recall"]) for r in table.values())
    print(f"lowest precision or recall over all codes: {worst:.3f} (target ≥ 0.95)")


if __name__ == "__main__":
    main()
