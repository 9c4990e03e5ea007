"""Simulated auditors: does retraining on a company's own labels beat the
bootstrap risk model on that company's deals?

    python -m training.simulate_auditors [--labels 2000] [--noise 0.1] [--seed 41]

The company judges by its own regulation, not the bootstrap's rule ("any
major or critical defect"): for it a deal fails with any critical or minor
defect (sloppy comments and cards matter to it), while major ones alone are
tolerated. Its auditors label deals drawn in risk-weighted samples (π
recorded), getting 10% of verdicts wrong. The model retrained on those labels
(weighted 1/π, bootstrap data at a lower weight) and the bootstrap model are
both measured on a held-out CRM of the same company.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np
from sklearn.metrics import roc_auc_score

from analyzer import sampling
from analyzer.checks import CHECKS, _load_all
from models import risk, store
from training.retrain import retrain_risk, risk_features
from training.synth import CONTACT_CODES, DEAL_CODES, generate
from training.train_risk import NOW, failing

RATE = 0.02


def company_fails(codes: list[str]) -> int:
    """The company's own standard, not the bootstrap's."""
    _load_all()
    return int(any(CHECKS[c].severity in ("critical", "minor") for c in codes if c in CHECKS))


def company_crm(n: int, seed: int) -> tuple[list[dict], list[dict], list[int]]:
    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, RATE)
    pairs = list(generate(n, seed=seed, now=NOW, rates=rates))
    deals = [d for d, _ in pairs]
    return deals, risk_features(deals, NOW), [company_fails(c) for _, c in pairs]


def sampled_labels(deals, feats, truth, want: int, noise: float, seed: int):
    """Deals drawn in risk-weighted samples until `want` are labelled; each
    label flipped with probability `noise`; π of each drawn deal kept."""
    model = risk.model()
    pop = sampling.Population()
    for d, f in zip(deals, feats, strict=True):
        pop.add(d["id"], (d.get("manager") or {}).get("id"), model.probability(model.logit(f)),
                set())
    drawn = sampling.draw(pop, float(want), seed)
    rng = random.Random(seed)
    rows = []
    for i in drawn.chosen:
        y = truth[i] if rng.random() >= noise else 1 - truth[i]
        rows.append((i, y, float(drawn.pi[i])))
    return rows


def auc(model_pipeline, X, y) -> float:
    return round(float(roc_auc_score(y, model_pipeline.predict_proba(X)[:, 1])), 4)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--labels", type=int, default=2000)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--deals", type=int, default=8000)
    ap.add_argument("--heldout", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=41)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    deals, feats, truth = company_crm(args.deals, args.seed)
    _, test_X, test_y = company_crm(args.heldout, args.seed + 1)
    rows = sampled_labels(deals, feats, truth, args.labels, args.noise, args.seed)
    pairs = list(generate(3000, seed=args.seed + 2, now=NOW))
    boot_X = risk_features([d for d, _ in pairs], NOW)
    boot_y = [failing(c) for _, c in pairs]
    bootstrap = store.load_verified(store.active("risk"))
    retrained = retrain_risk([feats[i] for i, _, _ in rows], [y for _, y, _ in rows],
                             [1.0 / pi for _, _, pi in rows], bootstrap=(boot_X, boot_y))
    result = {"labels": len(rows), "noise": args.noise,
              "label_positive_rate": round(float(np.mean([y for _, y, _ in rows])), 3),
              "min_inclusion_probability": round(min(pi for _, _, pi in rows), 4),
              "heldout_deals": len(test_y),
              "heldout_positive_rate": round(float(np.mean(test_y)), 3),
              "roc_auc_bootstrap": auc(bootstrap, test_X, test_y),
              "roc_auc_retrained": auc(retrained, test_X, test_y),
              "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
