"""Benchmark `crmqa comments`: comments per second and peak memory.

    python bench/score_comments.py [--comments 100000] [--seed 5]

100,000 distinct comments of real length (the bootstrap corpus generator with
an unseen seed: jargon, dates, channels, long chatty ones), one process and
all cores. Targets (issue 3): ≥ 3,000 comments/s per core, ≤ 400 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.score_deals import measure  # noqa: E402


def write_comments(n: int, seed: int, path: Path) -> float:
    from training import comments_corpus

    rows = comments_corpus.generate(seed=seed, n=n)
    with path.open("w", encoding="utf-8") as fh:
        for i, r in enumerate(rows):
            fh.write(json.dumps({"id": f"c{i}", "text": r["text"]}, ensure_ascii=False) + "\n")
    return statistics.mean(len(r["text"]) for r in rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--comments", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    opts = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "comments.jsonl"
        mean_len = write_comments(opts.comments, opts.seed, src)
        one = Path(tmp) / "one.jsonl"
        one.write_text(src.read_text(encoding="utf-8").split("\n", 1)[0] + "\n", encoding="utf-8")
        startup, _ = measure([sys.executable, "-m", "crmqa.cli", "comments", str(one),
                              "-o", str(Path(tmp) / "one.out"), "-j", "1"])
        print(f"input: {opts.comments} distinct comments, mean {mean_len:.0f} characters; "
              f"{cores} cores; fixed start-up: {startup:.2f} s")
        for jobs in (1, cores):
            cmd = [sys.executable, "-m", "crmqa.cli", "comments", str(src),
                   "-o", str(Path(tmp) / "out.jsonl"), "-j", str(jobs)]
            elapsed, peaks = measure(cmd)
            rate = opts.comments / elapsed
            steady = opts.comments / max(elapsed - startup, 1e-9)
            print(json.dumps({"jobs": jobs, "seconds": round(elapsed, 2),
                              "comments_per_s": round(rate),
                              "comments_per_s_per_core": round(rate / jobs),
                              "after_startup_per_s_per_core": round(steady / jobs),
                              "peak_rss_mb_per_process": round(max(peaks.values()), 1)}))


if __name__ == "__main__":
    main()
