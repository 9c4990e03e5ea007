"""Calibration between auditors and the per-check quality table."""

from __future__ import annotations

from training.agreement import check_quality, kappa_by_direction, leniency
from training.datasets import Label


def deal(deal_id, auditor, **dirs):
    return Label(deal_id=deal_id, target="deal", verdict="value", value=dirs, auditor=auditor)


def finding(code, auditor, ok, deal_id="d"):
    return Label(deal_id=deal_id, target="finding", verdict="confirmed" if ok else "rejected",
                 code=code, auditor=auditor)


def test_kappa_per_direction_on_shared_deals():
    labels = []
    for i in range(20):
        a = "fail" if i % 2 else "pass"
        b = a if i < 16 else ("pass" if a == "fail" else "fail")      # 4 of 20 disagree
        labels += [deal(f"d{i}", "anna", skills=a, scripts="pass"),
                   deal(f"d{i}", "boris", skills=b, scripts="pass")]
    labels.append(deal("solo", "anna", skills="fail"))                    # judged by one only
    out = kappa_by_direction(labels, "anna", "boris")
    assert out["skills"] == {"deals": 20, "kappa": 0.6}
    assert out["scripts"] == {"deals": 20, "kappa": 1.0}
    assert out["analytics"] == {"deals": 0, "kappa": None}


def test_leniency_flags_an_auditor_who_confirms_far_more():
    labels = [finding("x", "anna", ok=True) for _ in range(30)]
    labels += [finding("x", "boris", ok=i < 15) for i in range(30)]
    labels += [finding("x", "vera", ok=i < 14) for i in range(30)]
    labels += [finding("x", "gleb", ok=i < 3) for i in range(30)]             # strict
    labels += [finding("x", "new", ok=True) for _ in range(3)]           # too few to judge
    rows = {r["auditor"]: r for r in leniency(labels)}
    assert set(rows) == {"anna", "boris", "vera", "gleb"}
    assert rows["anna"]["flag"] == "мягкий" and rows["anna"]["confirmed"] == 1.0
    assert rows["boris"]["flag"] == rows["vera"]["flag"] == ""
    assert rows["gleb"]["flag"] == "строгий"
    two = leniency([x for x in labels if x.auditor in ("anna", "boris")])
    assert [r["flag"] for r in two] == ["", ""]          # two auditors: neither is the norm


def test_check_quality_shows_the_rule_auditors_reject():
    reports = [{"findings": [{"code": "a"}, {"code": "a"}]}, {"findings": [{"code": "b"}]},
               {"findings": []}, {"findings": [{"code": "b"}]}]
    labels = [finding("a", "x", ok=False) for _ in range(9)] + [finding("a", "x", ok=True)]
    labels += [finding("b", "x", ok=True) for _ in range(4)]
    rows = check_quality(reports, labels)
    assert rows[0] == {"code": "a", "coverage": 0.25, "verdicts": 10, "precision": 0.1}
    assert rows[1] == {"code": "b", "coverage": 0.5, "verdicts": 4, "precision": 1.0}
