"""Simulated auditors for comment completeness: a company grades comments by
its own rule, its auditors label 2,000 of them (10% of grades wrong), and the
model retrained on those labels (weighted 1/π, bootstrap corpus at a lower
weight) is compared with the shipped one on the company's held-out comments.
Auditors get the comments in risk-weighted samples: the ones the shipped model
finds least complete are drawn more often, every comment keeps a chance.

    python -m training.simulate_completeness [--labels 2000] [--noise 0.1]

The company's rule: 2 only when the comment names what was done, the result,
the next step and its date; 1 when it names what was done and the result;
otherwise 0 (the bootstrap corpus is more lenient about a missing date).
"""

from __future__ import annotations

import argparse
import json
import random
import time

from scipy.stats import spearmanr

from analyzer.comments import analyze
from models import store
from models.linear import build
from training import comments_corpus
from training.retrain import BOOTSTRAP_WEIGHT, expected, normalised
from training.train_comments import TARGETS, TODAY


def company_level(slots: dict[str, bool]) -> int:
    if all(slots.values()):
        return 2
    return 1 if slots["action"] and slots["result"] else 0


def risk_weighted(pool: list[dict], model, n: int, seed: int) -> tuple[list[dict], list[float]]:
    """The comments auditors get: drawn leaning on the ones the shipped model
    finds least complete (systematic PPS, floor and exploration as for deals),
    each with its inclusion probability."""
    import numpy as np

    from analyzer import sampling

    doubt = 1.0 - np.array(expected(model, [analyze(r["text"], TODAY).features for r in pool]))
    pi = sampling.probabilities(doubt, float(n), floor=0.02, explore=0.2)
    rng = np.random.default_rng(seed)
    chosen = sampling.systematic(pi, rng.permutation(len(pool)), rng)
    return [pool[i] for i in chosen], [float(pi[i]) for i in chosen]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--labels", type=int, default=2000)
    ap.add_argument("--heldout", type=int, default=2000)
    ap.add_argument("--noise", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=77)
    args = ap.parse_args(argv)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    pool = comments_corpus.generate(seed=args.seed, n=3 * args.labels + args.heldout)
    rng.shuffle(pool)
    heldout, pool = pool[:args.heldout], pool[args.heldout:]
    shipped = store.load_verified(store.active("completeness"))
    labelled, pis = risk_weighted(pool, shipped, args.labels, args.seed)
    truth = [company_level(r["slots"]) for r in labelled]
    noisy = [y if rng.random() >= args.noise else rng.choice([v for v in (0, 1, 2) if v != y])
             for y in truth]
    boot = comments_corpus.generate(seed=args.seed + 1, n=4000)
    feats = lambda rs: [analyze(r["text"], TODAY).features for r in rs]  # noqa: E731
    X, X_boot, X_test = feats(labelled), feats(boot), feats(heldout)
    y_test = [company_level(r["slots"]) for r in heldout]
    weights = normalised([1 / p for p in pis]) + [BOOTSTRAP_WEIGHT] * len(X_boot)
    retrained = build(C=TARGETS["completeness"][1]).fit(
        X + X_boot, noisy + [int(r["completeness"]) for r in boot], clf__sample_weight=weights)
    result = {"labels": len(X), "noise": args.noise, "heldout_comments": len(X_test),
              "min_inclusion_probability": round(min(pis), 4),
              "spearman_bootstrap": round(float(spearmanr(expected(shipped, X_test), y_test)[0]), 4),
              "spearman_retrained": round(float(spearmanr(expected(retrained, X_test), y_test)[0]), 4),
              "seconds": round(time.perf_counter() - started, 1)}
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
