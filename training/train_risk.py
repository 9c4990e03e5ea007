"""Train the risk model on synthetic CRMs with ground truth and ship it.

    python -m training.train_risk [--deals 12000] [--seed 11]

"An auditor would fail the deal" is bootstrapped as "the deal holds at least
one injected major or critical defect" until auditors' labels exist. Two CRMs
are mixed — the default defect rate and a low one — so the model sees both a
messy and a tidy department. The last quarter of each (in input order) is
held out for ROC AUC and the Brier score; the shipped model is refit on all.
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from analyzer.audit import assess, make_ctx
from analyzer.batch import default_jobs, run
from analyzer.checks import CHECKS, _load_all
from analyzer.config import load_config
from analyzer.norms import collect
from analyzer.schema import Deal
from models import store
from models.risk import NAME, SEVERE, ManagerRates, severe
from training.synth import CONTACT_CODES, DEAL_CODES, generate

NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/Moscow"))


def build(C: float = 0.5) -> Pipeline:
    return Pipeline([("vec", DictVectorizer()), ("scale", StandardScaler(with_mean=False)),
                     ("clf", LogisticRegression(C=C, max_iter=5000))])


class Assessor:
    """Picklable: a deal dict -> (features, found severe?, manager id)."""

    def __init__(self, ctx):
        self.ctx = ctx

    def __call__(self, obj: dict):
        deal = Deal.model_validate(obj)
        findings, _scores, feats = assess(deal, self.ctx)
        return feats, severe(findings), deal.manager_id


def failing(codes: list[str]) -> int:
    """Ground truth: at least one injected defect of major or critical severity."""
    _load_all()
    return int(any(CHECKS[c].severity in SEVERE for c in codes if c in CHECKS))


def crm(n: int, seed: int, rate: float) -> tuple[list[dict], list[int]]:
    """Features (the manager's online rate included) and labels of one CRM."""
    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, rate)
    pairs = list(generate(n, seed=seed, now=NOW, rates=rates))
    deals = [Deal.model_validate(d) for d, _ in pairs]
    ctx = make_ctx(NOW, load_config(), collect(deals))
    out, managers = [], ManagerRates()
    rows = run(Assessor(ctx), ((i, d) for i, (d, _) in enumerate(pairs)), jobs=default_jobs())
    for feats, was_severe, manager in rows:
        out.append({**feats, "manager_rate": managers.get(manager)})
        managers.update(manager, was_severe)
    return out, [failing(codes) for _, codes in pairs]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--deals", type=int, default=12_000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    parts = [crm(args.deals // 2, args.seed, 0.06), crm(args.deals // 2, args.seed + 1, 0.015)]
    split = [(x[: 3 * len(x) // 4], y[: 3 * len(y) // 4], x[3 * len(x) // 4:], y[3 * len(y) // 4:])
             for x, y in parts]
    X_train = [r for p in split for r in p[0]]
    y_train = [v for p in split for v in p[1]]
    X_test = [r for p in split for r in p[2]]
    y_test = [v for p in split for v in p[3]]
    measured = build().fit(X_train, y_train)
    proba = measured.predict_proba(X_test)[:, 1]
    metrics = {"heldout": {"roc_auc": round(float(roc_auc_score(y_test, proba)), 4),
                           "brier": round(float(brier_score_loss(y_test, proba)), 4),
                           "n": len(y_test), "positive_rate": round(float(np.mean(y_test)), 4),
                           "mean_predicted": round(float(np.mean(proba)), 4)}}
    final = build().fit(X_train + X_test, y_train + y_test)
    data = {"source": "training/synth.py ground truth (severe = a major or critical defect)",
            "crms": [{"deals": args.deals // 2, "seed": args.seed, "rate": 0.06},
                     {"deals": args.deals // 2, "seed": args.seed + 1, "rate": 0.015}],
            "heldout": "last quarter of each CRM in input order",
            "final_fit": "all deals, after measuring on held-out"}
    manifest = store.save(final, NAME, data=data, metrics=metrics)
    print(f"{manifest.path.name}: {metrics['heldout']} ({time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
