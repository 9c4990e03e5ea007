"""Benchmark `crmqa sample`: a QA sample from 1,000,000 scored deals.

    python bench/sample.py [--deals 1000000]

Writes score lines like `crmqa score` makes (0–4 findings each, a month of
activity), then times the real command end to end and polls its memory.
Target (issue 5): ≤ 10 s and ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.score_deals import measure  # noqa: E402

CODES = [("deal.task.none", "skills", "major"), ("contact.phone.format", "attentiveness", "minor"),
         ("contact.name.nickname", "attentiveness", "critical"),
         ("deal.stage.stale", "analytics", "major"), ("comment.incomplete", "skills", "minor"),
         ("script.forbidden", "scripts", "critical")]


def write_scored(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(n):
            findings = [{"code": c, "direction": d, "severity": s, "entity": "deal",
                         "entity_id": f"D{i}", "message": "…"}
                        for c, d, s in rng.sample(CODES, rng.randint(0, 4))]
            day = rng.randint(1, 28)
            row = {"deal_id": f"D{i}", "manager_id": f"m{rng.randint(1, 400)}",
                   "created_at": f"2026-11-{day:02d}T10:00:00+03:00", "status": "open",
                   "risk": round(rng.random() ** 3, 4), "scores": {}, "findings": findings,
                   "active_on": [f"2026-11-{day:02d}"]}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=1_000_000)
    opts = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "scored.jsonl"
        write_scored(src, opts.deals)
        cmd = [sys.executable, "-m", "crmqa.cli", "sample", str(src), "--role", "qa",
               "--date", "2026-11-27", "--seed", "1", "-o", str(Path(tmp) / "sample.jsonl"),
               "--summary", str(Path(tmp) / "summary.json")]
        seconds, peaks = measure(cmd)
        summary = json.loads((Path(tmp) / "summary.json").read_text(encoding="utf-8"))
        size = src.stat().st_size / 2**20
    print(json.dumps({"deals": opts.deals, "input_mb": round(size), "seconds": round(seconds, 2),
                      "peak_rss_mb": round(max(peaks.values())), "sample_size":
                      summary["sample_size"], "population": summary["population"]}))


if __name__ == "__main__":
    main()
