"""Retraining on 100,000 auditors' labels: wall time and peak memory.

    python bench/retrain.py [--labels 100000]

Setup (not timed): 5,000 synthetic deals are scored once; their reports and
risk features are stored 20 times over under new ids (volume, not variety,
is what costs here) in a fresh SQLite store, with one deal verdict each
(ground truth, 10% flipped, π from a risk-weighted design). Timed: what
`POST /v1/models/retrain` runs — read and resolve the labels, fetch the
stored features, fit, measure on the fixed held-out split against the active
model, register the candidate (in a temporary artifacts directory).
Target (issue 7): ≤ 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(tmp: Path, n_labels: int, seed: int):
    from analyzer.audit import audit_deal_features, make_ctx
    from analyzer.schema import Deal
    from api.scoring import Scored
    from api.store import Store
    from training.simulate_auditors import company_fails
    from training.synth import CONTACT_CODES, DEAL_CODES, generate
    from training.train_risk import NOW

    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, 0.02)
    pairs = list(generate(min(5000, n_labels), seed=seed, now=NOW, rates=rates))
    ctx = make_ctx(NOW)
    base = []
    for raw, codes in pairs:
        deal = Deal.model_validate(raw)
        report, feats = audit_deal_features(deal, ctx)
        base.append((deal, raw, report, feats, company_fails(codes)))
    store = Store(f"sqlite:///{tmp / 'retrain.sqlite'}")
    rng = random.Random(seed)
    batch, labels = [], []
    for i in range(n_labels):
        deal, raw, report, feats, fail = base[i % len(base)]
        new_id = f"R{i:06d}"
        batch.append(Scored(deal.model_copy(update={"id": new_id}), {**raw, "id": new_id},
                            report.model_copy(update={"deal_id": new_id}), feats))
        y = fail if rng.random() >= 0.1 else 1 - fail
        labels.append({"deal_id": new_id, "target": "deal", "code": None, "entity_id": None,
                       "verdict": "value", "value": {"fail": bool(y)}, "auditor": "qa",
                       "key": f"k{i}", "inclusion_probability": rng.uniform(0.05, 1.0)})
        if len(batch) == 2000:
            store.put_scored("bench", batch, NOW, {"risk": 1})
            store.put_labels("bench", labels)
            batch, labels = [], []
    if batch:
        store.put_scored("bench", batch, NOW, {"risk": 1})
        store.put_labels("bench", labels)
    return store, NOW


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--labels", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=61)
    opts = ap.parse_args()
    from models import store as artifacts

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "artifacts"
        shutil.copytree(artifacts.ARTIFACTS, root)
        os.environ["CRMQA_ARTIFACTS"] = str(root)
        t0 = time.perf_counter()
        db, now = setup(Path(tmp), opts.labels, opts.seed)
        setup_s = time.perf_counter() - t0
        from training.from_labels import train_risk

        stages: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(stage: str) -> None:
            stages[stage] = round(time.perf_counter() - last[0], 2)
            last[0] = time.perf_counter()

        t1 = time.perf_counter()
        result = train_risk(db, "bench", now, progress=progress)
        took = time.perf_counter() - t1
    print(json.dumps({"labels": opts.labels, "setup_seconds": round(setup_s, 1),
                      "retrain_seconds": round(took, 1), "stage_started_after": stages,
                      "cores": len(os.sched_getaffinity(0)),
                      "peak_rss_mb": round(psutil.Process().memory_info().rss / 2**20, 1),
                      "heldout": result["metrics"]["heldout"],
                      "baseline": result["metrics"]["baseline"],
                      "label_report": result["metrics"]["labels"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
