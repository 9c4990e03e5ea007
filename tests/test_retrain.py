"""Retraining on auditors' labels: conflicts resolved and reported, 1/π
weights, and a retrained risk model beating the bootstrap on the company's
own held-out deals."""

from __future__ import annotations

from training import datasets
from training.datasets import Label


def L(deal, verdict="value", value=None, at="1", pi=None, target="deal", **kw):
    return Label(deal_id=deal, target=target, verdict=verdict, value=value, at=at,
                 inclusion_probability=pi, **kw)


def test_conflicts_resolve_by_majority_then_latest_and_are_counted():
    labels = [L("d1", value={"fail": True}, at="1"), L("d1", value={"fail": False}, at="2"),
              L("d1", value={"fail": True}, at="3"),                     # majority: fail
              L("d2", value={"fail": True}, at="1"), L("d2", value={"fail": False}, at="2"),
              L("d3", value={"fail": False}, at="1"), L("d3", value={"fail": False}, at="5")]
    resolved, report = datasets.resolve(labels)
    assert resolved[("d1", "deal", None, None)].value == {"fail": True}
    assert resolved[("d2", "deal", None, None)].value == {"fail": False}      # tie: latest
    assert (report.labels, report.targets, report.conflicts) == (7, 3, 2)
    assert (report.by_majority, report.by_latest, report.duplicates) == (1, 1, 2)


def test_unknown_deals_are_reported_and_weights_are_inverse_pi():
    resolved, report = datasets.resolve([L("d1", value={"fail": True}, pi=0.25),
                                         L("ghost", value={"fail": False}, pi=0.5),
                                         L("d2", value={"fail": False})])
    rows = datasets.deal_examples(resolved, {"d1", "d2"}, report)
    assert sorted(rows) == [("d1", 1, 4.0), ("d2", 0, 1.0)]
    assert report.unknown_deals == ["ghost"]


def test_comment_labels_join_their_texts():
    resolved, report = datasets.resolve([
        L("d1", target="comment", entity_id="k1", value={"completeness": 2}),
        L("d1", target="comment", entity_id="k9", value={"completeness": 0}),
        L("d1", target="comment", entity_id="k2", value={"completeness": 7})])
    rows = datasets.comment_examples(resolved, {("d1", "k1"): "звонил, договорились на пт"},
                                     report)
    assert rows == [("звонил, договорились на пт", 2, 1.0)] and report.unknown_deals == ["d1"]


def test_retrained_risk_beats_the_bootstrap_on_the_companys_heldout():
    from training.simulate_auditors import main

    out = main(["--deals", "3000", "--labels", "800", "--heldout", "1500", "--seed", "43"])
    assert out["labels"] == 800 and out["min_inclusion_probability"] > 0
    assert out["roc_auc_retrained"] > out["roc_auc_bootstrap"] + 0.1


def test_retrained_completeness_beats_the_bootstrap_on_the_companys_heldout():
    from training.simulate_completeness import company_level, main

    assert company_level({"action": True, "result": True, "next_step": True, "date": False}) == 1
    out = main(["--labels", "1200", "--heldout", "1200", "--seed", "79"])
    assert out["spearman_retrained"] > out["spearman_bootstrap"] + 0.02
