"""The head's report section on auditors and checks: from real labels, or in
the demo from three simulated auditors who judge the QA sample against the
synthetic CRM's ground truth (two careful, 10% wrong; one strict, who
rejects two real findings in five). Only findings of codes the ground truth covers
are judged: for the rest the simulation would not know the right answer."""

from __future__ import annotations

import json
import random

from analyzer.checks import CHECKS, _load_all
from analyzer.schema import DIRECTIONS
from training.agreement import summary
from training.datasets import Label, from_rows

CAREFUL, STRICT, SECOND = "ОКК-1", "ОКК-2", "ОКК-3"


def load(path: str) -> list[Label]:
    """Labels as `crmqa labels export` writes them (JSON Lines)."""
    with open(path, encoding="utf-8") as fh:
        return from_rows(json.loads(line) for line in fh if line.strip())


def _verdicts(report: dict, truth: set[str], rng: random.Random) -> list[Label]:
    from training.synth import MEASURED

    _load_all()
    out = []
    for f in report.get("findings") or ():
        if f["code"] not in MEASURED:
            continue
        real = f["code"] in truth
        for who, ok in ((CAREFUL, real if rng.random() >= 0.1 else not real),
                        (SECOND, real if rng.random() >= 0.1 else not real),
                        (STRICT, real and rng.random() < 0.6)):
            out.append(Label(report["deal_id"], "finding", "confirmed" if ok else "rejected",
                             code=f["code"], entity_id=f.get("entity_id"), auditor=who))
    fails = {CHECKS[c].direction for c in truth if c in CHECKS}
    for who, noise in ((CAREFUL, 0.1), (SECOND, 0.1), (STRICT, 0.25)):
        value = {d: ("fail" if (d in fails) != (rng.random() < noise) else "pass")
                 for d in DIRECTIONS}
        out.append(Label(report["deal_id"], "deal", "value", value=value, auditor=who))
    return out


def simulated(reports: list[dict], truth: dict[str, set[str]], sampled: list[str],
              seed: int) -> list[Label]:
    rng = random.Random(seed)
    by_id = {r["deal_id"]: r for r in reports}
    return [x for d in sampled if d in by_id for x in _verdicts(by_id[d], truth[d], rng)]


def section(reports: list[dict], labels: list[Label], limit: int = 20) -> dict:
    table = summary(reports, labels)
    table["checks"] = [c for c in table["checks"] if c["verdicts"]][:limit]
    table["labels"] = len(labels)
    return table
