"""The risk model: the probability that an auditor would fail a deal (it holds
at least one major or critical defect), from the deal and its findings.

A logistic regression over standardised features — stage, status, amount, age,
time in stage, activity and comment counts, findings per code and severity,
direction scores, and the manager's recent defect rate. It is trained with
scikit-learn (training/train_risk.py; logistic loss keeps it calibrated, and
its Brier score is in the manifest) and scored from its compiled weights. The
manager's rate is the one feature a single deal cannot know: batch runs keep it
per manager in input order (`ManagerRates`) and add its term in the main
process; alone, a deal gets the population prior.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime
from functools import lru_cache

from models import store

NAME = "risk"
SEVERE = frozenset({"major", "critical"})
PRIOR_RATE = 0.3          # a manager's defect rate before any of their deals is seen
EWMA = 0.1                # weight of each new deal in a manager's recent rate
DAY = 86_400.0


def features(deal, findings, scores: dict[str, float], now: datetime) -> dict[str, float]:
    """Numeric features of one scored deal (the manager's rate excluded)."""
    f: dict[str, float] = {f"stage={deal.stage}": 1.0, f"status={deal.status}": 1.0}
    f["log_amount"] = math.log1p(max(deal.amount or 0.0, 0.0))
    if deal.created_at:
        f["age_days"] = min((now - deal.created_at).total_seconds() / DAY, 365.0)
    if deal.stage_entered_at:
        f["stage_days"] = min((now - deal.stage_entered_at).total_seconds() / DAY, 365.0)
    f["comments"] = float(len(deal.comments))
    f["messages"] = float(len(deal.messages))
    f["open_tasks"] = float(sum(t.is_open for t in deal.tasks))
    for code, n in Counter(x.code for x in findings).items():
        f[f"n:{code}"] = float(n)
    for sev, n in Counter(x.severity for x in findings).items():
        f[f"sev:{sev}"] = float(n)
    f.update({f"score:{d}": v for d, v in scores.items()})
    return f


def severe(findings) -> bool:
    return any(f.severity in SEVERE for f in findings)


class Compiled:
    """The fitted pipeline (DictVectorizer → StandardScaler → LogisticRegression)
    as weights per raw feature; `logit` leaves out the manager term."""

    def __init__(self, tables: dict):
        """From `models.linear.tables` of the fitted pipeline (scale folded in)."""
        from models.linear import feature_names

        coef = tables["coef"][:, 0].tolist()
        self.weights = dict(zip(feature_names(tables), coef, strict=True))
        self.manager_weight = self.weights.pop("manager_rate", 0.0)
        self.bias = float(tables["intercept"][0])

    def logit(self, feats: dict[str, float]) -> float:
        w = self.weights
        return self.bias + sum(w[k] * v for k, v in feats.items() if k in w)

    def probability(self, logit: float, manager_rate: float = PRIOR_RATE) -> float:
        z = logit + self.manager_weight * manager_rate
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


@lru_cache(maxsize=1)
def model() -> Compiled:
    return Compiled(store.load_tables(NAME))


def preload() -> None:
    model()


class ManagerRates:
    """Each manager's recent share of deals with severe findings, in input order."""

    def __init__(self):
        self.rates: dict[str | None, float] = {}

    def get(self, manager: str | None) -> float:
        return self.rates.get(manager, PRIOR_RATE)

    def update(self, manager: str | None, was_severe: bool) -> None:
        old = self.get(manager)
        self.rates[manager] = (1 - EWMA) * old + EWMA * float(was_severe)
