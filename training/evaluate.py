"""Measure findings against ground truth: per code precision and recall.

    python -m training.evaluate scored.jsonl truth.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class PR:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def row(self) -> dict:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4)}


def per_code(truth: dict[str, set[str]], found: dict[str, set[str]],
             codes: Iterable[str]) -> dict[str, PR]:
    """(deal, code) presence compared for every code in `codes`."""
    counts: dict[str, Counter] = {c: Counter() for c in codes}
    for deal_id in truth.keys() | found.keys():
        t, f = truth.get(deal_id, set()), found.get(deal_id, set())
        for code in counts:
            if code in t and code in f:
                counts[code]["tp"] += 1
            elif code in f:
                counts[code]["fp"] += 1
            elif code in t:
                counts[code]["fn"] += 1
    return {c: PR(k["tp"], k["fp"], k["fn"]) for c, k in counts.items()}


def found_codes(reports: Iterable[dict]) -> dict[str, set[str]]:
    return {r["deal_id"]: {f["code"] for f in r["findings"]} for r in reports}


def truth_codes(rows: Iterable[dict]) -> dict[str, set[str]]:
    return {r["deal_id"]: set(r["defects"]) for r in rows}


def _read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def main(argv: list[str]) -> None:
    from training.synth import MEASURED

    scored, truth = _read(argv[0]), _read(argv[1])
    table = per_code(truth_codes(truth), found_codes(scored), MEASURED)
    for code, pr in table.items():
        print(f"{code:30s} P={pr.precision:.3f} R={pr.recall:.3f}  tp={pr.tp} fp={pr.fp} fn={pr.fn}")


if __name__ == "__main__":
    main(sys.argv[1:])
