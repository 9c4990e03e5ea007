"""Risk-weighted samples: probabilities, the draw, roles, and honest estimates."""

from __future__ import annotations

import io
import json
from datetime import date

import numpy as np
import pytest

from analyzer import sampling
from analyzer.config import load_config
from crmqa import sample as sampler


def test_probabilities_meet_the_quota_floor_and_cap():
    rng = np.random.default_rng(0)
    risk = rng.beta(0.5, 2, size=5000)
    pi = sampling.probabilities(risk, 500, floor=0.02, explore=0.1)
    assert pi.sum() == pytest.approx(500, abs=1e-6)
    assert pi.min() >= 0.02 and pi.max() <= 1.0
    assert np.corrcoef(risk, pi)[0, 1] > 0.9


def test_systematic_draw_is_fixed_size_with_the_given_probabilities():
    rng = np.random.default_rng(1)
    pi = sampling.probabilities(rng.random(300), 30, 0.02, 0.1)
    order = np.arange(300)
    counts = np.zeros(300)
    for seed in range(3000):
        chosen = sampling.systematic(pi, order, np.random.default_rng(seed))
        assert len(chosen) == 30
        counts[chosen] += 1
    assert np.abs(counts / 3000 - pi).max() < 0.04


def scored_lines(managers: int = 6, per_day: int = 30) -> str:
    rng = np.random.default_rng(7)
    rows = []
    for day in range(1, 29):
        for k in range(per_day):
            m = f"m{k % managers}"
            findings = [{"code": "deal.task.none", "direction": "skills", "severity": "major"}] \
                if rng.random() < 0.3 else []
            rows.append({"deal_id": f"D{day}-{k}", "manager_id": m, "risk": float(rng.random()),
                         "active_on": [f"2026-11-{day:02d}"], "findings": findings,
                         "created_at": f"2026-11-{day:02d}T10:00:00+03:00", "status": "open",
                         "scores": {}})
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def draw_role(role: str, seed: int = 0, rate=None):
    stream = io.BytesIO(scored_lines().encode())
    return sampler.run(stream, role, date(2026, 11, 27), load_config(), rate, seed)


def test_same_seed_same_sample():
    assert draw_role("qa", 3)[0] == draw_role("qa", 3)[0]
    assert draw_role("qa", 3)[0] != draw_role("qa", 4)[0]


def test_qa_sample_holds_at_least_ten_percent_of_the_period():
    lines, summary, errors = draw_role("qa")
    assert not errors
    assert summary["population"] == 28 * 30
    assert len(lines) >= 0.10 * summary["population"]
    assert summary["min_inclusion_probability"] >= 0.02
    assert {row["role"] for row in lines} == {"qa"}
    assert lines[0]["directions"] == ["scripts", "skills", "attentiveness"]


def test_every_manager_of_the_day_is_in_the_supervisor_sample():
    for seed in range(20):
        lines, summary, _ = draw_role("supervisor", seed, rate=0.01)
        assert summary["population"] == 30                   # the day's deals only
        assert {row["manager_id"] for row in lines} == {f"m{k}" for k in range(6)}


def test_head_samples_two_days_and_reasons_are_russian():
    lines, summary, _ = draw_role("head")
    assert summary["period"] == ["2026-11-26", "2026-11-27"] and summary["population"] == 60
    assert all(row["reason"] for row in lines)
    assert any(r["reason"].startswith(("высокий риск", "случайная проверка", "риск"))
               for r in lines)
    value, (lo, hi) = summary["estimates"]["deal.task.none"]["value"], \
        summary["estimates"]["deal.task.none"]["ci95"]
    assert lo <= value <= hi


@pytest.fixture(scope="module")
def crm():
    from training.eval_sampling import scored_crm

    return scored_crm(6000, seed=9)


def test_risk_weighted_samples_find_far_more_defects_than_uniform(crm):
    from training.eval_sampling import yield_ratio

    r = yield_ratio(crm, rate=0.10, seed=1)
    assert r["ratio"] >= 2.5, r
    assert r["min_pi"] >= 0.02


def test_horvitz_thompson_is_unbiased_and_its_interval_covers(crm):
    from training.eval_sampling import honesty

    h = honesty(crm, seeds=200)
    assert abs(h["mean_error_pp"]) <= 1.0, h
    assert 0.90 <= h["coverage"] <= 0.98, h


def test_risk_model_ranks_deals_on_an_unseen_crm(crm):
    from sklearn.metrics import brier_score_loss, roc_auc_score

    risk = np.asarray(crm.population.risk)
    assert roc_auc_score(crm.truth, risk) >= 0.85
    assert brier_score_loss(crm.truth, risk) < 0.1


def test_an_uncertain_share_leans_on_deals_near_half_risk_inside_the_design():
    rng = np.random.default_rng(3)
    risk = rng.beta(0.5, 2, size=4000)
    plain = sampling.probabilities(risk, 400, floor=0.02, explore=0.2)
    active = sampling.probabilities(risk, 400, floor=0.02, explore=0.2, uncertain=0.3)
    assert active.sum() == pytest.approx(400, abs=1e-6) and active.min() >= 0.02
    near_half, sure = np.abs(risk - 0.5) < 0.1, risk > 0.85
    assert active[near_half].mean() > plain[near_half].mean()
    assert active[sure].mean() < 0.8 * plain[sure].mean()      # the model is sure of these
    # the estimates stay honest: Horvitz–Thompson over many draws hits the truth
    pop = sampling.Population()
    truth = rng.random(4000) < risk
    for i, (r, bad) in enumerate(zip(risk, truth, strict=True)):
        pop.add(f"d{i}", f"m{i % 7}", float(r), {"bad"} if bad else set())
    bit = pop.bit("bad")
    estimates = [sampling.estimate(sampling.draw(pop, 400, seed, uncertain=0.3), bit)[0]
                 for seed in range(60)]
    assert np.mean(estimates) == pytest.approx(truth.mean(), abs=0.01)
    with pytest.raises(ValueError):
        sampling.draw(pop, 400, 0, explore=0.8, uncertain=0.3)
