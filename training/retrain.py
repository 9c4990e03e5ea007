"""Retrain models on auditors' labels (plus the bootstrap data at a lower
weight), each example weighted by 1/π of the sample it came from.

    fitted = retrain_risk(feats, labels, weights, bootstrap=(X0, y0))
"""

from __future__ import annotations

from datetime import datetime

from analyzer.audit import make_ctx
from analyzer.batch import default_jobs, run
from analyzer.config import load_config
from analyzer.norms import collect
from analyzer.schema import Deal
from models.risk import ManagerRates
from training.train_risk import Assessor, build

BOOTSTRAP_WEIGHT = 0.3


def risk_features(deal_dicts: list[dict], now: datetime, jobs: int | None = None) -> list[dict]:
    """The risk model's features per deal (in input order, manager rate included)."""
    deals = [Deal.model_validate(d) for d in deal_dicts]
    ctx = make_ctx(now, load_config(), collect(deals))
    rows = run(Assessor(ctx), ((i, d) for i, d in enumerate(deal_dicts)),
               jobs=jobs or default_jobs())
    out, managers = [], ManagerRates()
    for feats, was_severe, manager in rows:
        out.append({**feats, "manager_rate": managers.get(manager)})
        managers.update(manager, was_severe)
    return out


def normalised(weights: list[float]) -> list[float]:
    """Weights scaled to mean 1 (1/π can be large; the labels' total counts as
    their number, so the bootstrap's lower weight keeps its meaning)."""
    mean = sum(weights) / len(weights) if weights else 1.0
    return [w / mean for w in weights]


def expected(pipeline, X) -> list[float]:
    """A 0/1/2 classifier's expected level / 2, in 0..1 (the completeness score)."""
    classes = [int(c) for c in pipeline.classes_]
    return [sum(p * c for p, c in zip(row, classes, strict=True)) / 2
            for row in pipeline.predict_proba(X)]


def retrain_risk(X: list[dict], y: list[int], weights: list[float],
                 bootstrap: tuple[list[dict], list[int]] | None = None,
                 bootstrap_weight: float = BOOTSTRAP_WEIGHT, C: float = 0.5):
    """A fitted risk pipeline; labels weighted 1/π (normalised to mean 1),
    bootstrap examples at `bootstrap_weight` each."""
    w = normalised(weights)
    X_all, y_all = list(X), list(y)
    if bootstrap:
        X_all += bootstrap[0]
        y_all += bootstrap[1]
        w += [bootstrap_weight] * len(bootstrap[0])
    return build(C).fit(X_all, y_all, clf__sample_weight=w)

