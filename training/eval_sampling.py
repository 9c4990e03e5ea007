"""How good are the risk-weighted samples? Measured on a synthetic CRM with
ground truth.

    python -m training.eval_sampling [--deals 20000] [--seeds 200]

- yield: the share of drawn deals holding a true major or critical defect,
  for the risk-weighted QA sample and for a uniform sample of the same size;
- honesty: over many seeds, the Horvitz–Thompson estimate of the population's
  true defect rate (its mean error, and how often the 95% interval covers it).

The CRM is a tidy department: each injected defect at `rate` (default 1%),
a conversation in a fifth of the deals.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from analyzer import sampling
from analyzer.audit import DealScorer, ScoredLine, make_ctx
from analyzer.batch import default_jobs, run
from analyzer.config import load_config
from analyzer.norms import collect
from analyzer.schema import Deal
from models.risk import ManagerRates
from training.synth import CONTACT_CODES, DEAL_CODES, generate
from training.train_risk import failing

NOW = datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/Moscow"))
TRUE_SEVERE = "truth:severe"


@dataclass
class Scored:
    population: sampling.Population
    truth: np.ndarray            # 1 where the deal holds a true major/critical defect


def scored_crm(n: int, seed: int = 5, rate: float = 0.01, conversations: float = 0.2) -> Scored:
    """Score a synthetic CRM the way `crmqa score` does; keep the truth beside."""
    import json

    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, rate)
    pairs = list(generate(n, seed=seed, now=NOW, rates=rates, conversations=conversations))
    ctx = make_ctx(NOW, load_config(), collect(Deal.model_validate(d) for d, _ in pairs))
    scorer = DealScorer(NOW, ctx.config, ctx.stage_norms, as_json=True)
    managers, pop = ManagerRates(), sampling.Population()
    results = run(scorer, ((i, d) for i, (d, _) in enumerate(pairs)), jobs=default_jobs())
    truth = np.array([failing(codes) for _, codes in pairs])
    for line, (_, codes) in zip(results, pairs, strict=True):
        assert isinstance(line, ScoredLine)
        row = json.loads(line.finish(managers))
        labels = {f["code"] for f in row["findings"]} | ({TRUE_SEVERE} if failing(codes) else set())
        pop.add(row["deal_id"], row["manager_id"], row["risk"], labels)
    return Scored(pop, truth)


def yield_ratio(s: Scored, rate: float = 0.1, seed: int = 0) -> dict:
    quota = max(1.0, np.ceil(rate * len(s.population)))
    d = sampling.draw(s.population, quota, seed)
    uniform = np.random.default_rng(seed).choice(len(s.population), int(quota), replace=False)
    risk_share, uni_share = float(s.truth[d.chosen].mean()), float(s.truth[uniform].mean())
    return {"sample_size": int(len(d.chosen)), "risk_weighted_share": round(risk_share, 4),
            "uniform_share": round(uni_share, 4),
            "ratio": round(risk_share / uni_share, 2) if uni_share else None,
            "min_pi": round(float(d.pi.min()), 4), "population_rate": round(float(s.truth.mean()), 4)}


def honesty(s: Scored, seeds: int = 200, rate: float = 0.1) -> dict:
    quota = max(1.0, np.ceil(rate * len(s.population)))
    bit = 1 << s.population.names[TRUE_SEVERE]
    truth = float(s.truth.mean())
    values, covered = [], 0
    for seed in range(seeds):
        value, (lo, hi) = sampling.estimate(sampling.draw(s.population, quota, seed), bit)
        values.append(value)
        covered += lo <= truth <= hi
    return {"truth": round(truth, 4), "mean_estimate": round(float(np.mean(values)), 4),
            "mean_error_pp": round(100 * (float(np.mean(values)) - truth), 3),
            "coverage": round(covered / seeds, 3), "seeds": seeds}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--deals", type=int, default=20_000)
    ap.add_argument("--seeds", type=int, default=200)
    args = ap.parse_args(argv)
    s = scored_crm(args.deals)
    print("yield:", yield_ratio(s))
    print("honesty:", honesty(s, args.seeds))


if __name__ == "__main__":
    main()
