"""The registry: a candidate goes live only through the promotion gate; a
rollback restores the previous artifact byte for byte; a running API serves
the promoted (or restored) version without a restart."""

from __future__ import annotations

import random
import shutil

import pytest
from sklearn.metrics import roc_auc_score

import models
from models import risk, store
from training import registry
from training.train_risk import build, crm

from .api_support import running, synthetic_deals


@pytest.fixture()
def artifacts(tmp_path, monkeypatch):
    """A private copy of the shipped artifacts (the repository's stay untouched)."""
    root = tmp_path / "artifacts"
    shutil.copytree(store.ARTIFACTS, root)
    monkeypatch.setenv("CRMQA_ARTIFACTS", str(root))
    models.reload()
    yield root
    monkeypatch.delenv("CRMQA_ARTIFACTS")
    models.reload()


@pytest.fixture(scope="module")
def risk_data():
    """Features and labels of a small synthetic CRM, split 3:1 in input order."""
    X, y = crm(800, seed=31, rate=0.05)
    cut = 3 * len(X) // 4
    return X[:cut], y[:cut], X[cut:], y[cut:]


def candidate(risk_data, shuffle: bool):
    X, y, X_test, y_test = risk_data
    labels = list(y)
    if shuffle:
        random.Random(0).shuffle(labels)
    fitted = build().fit(X, labels)
    auc = roc_auc_score(y_test, fitted.predict_proba(X_test)[:, 1])
    active = store.load_verified(store.active("risk"))
    baseline = roc_auc_score(y_test, active.predict_proba(X_test)[:, 1])
    metrics = {"heldout": {"roc_auc": round(float(auc), 4), "n": len(y_test)},
               "baseline": {"roc_auc": round(float(baseline), 4)}}
    return registry.register(fitted, "risk", data={"shuffled": shuffle}, metrics=metrics)


def test_a_model_trained_on_shuffled_labels_is_refused(artifacts, risk_data):
    before = store.active("risk")
    bad = candidate(risk_data, shuffle=True)
    assert bad.status == "candidate" and bad.metrics["heldout"]["roc_auc"] < 0.75
    with pytest.raises(registry.PromotionRefused, match="отклонена"):
        registry.promote("risk")
    assert store.active("risk").version == before.version
    assert {m.version: m.status for m in registry.versions("risk")}[bad.version] == "refused"


def test_a_sound_candidate_passes_and_rollback_restores_the_bytes(artifacts, risk_data):
    before = store.active("risk")
    original = before.path.read_bytes()
    good = candidate(risk_data, shuffle=False)
    decision = registry.promote("risk")
    assert decision.passed and store.active("risk").version == good.version
    restored = registry.rollback("risk")
    assert restored.version == before.version
    assert store.active("risk").path.read_bytes() == original
    assert store.sha256(store.active("risk").path) == before.sha256
    statuses = {m.version: m.status for m in registry.versions("risk")}
    assert statuses == {before.version: "active", good.version: "rolled_back"}


def test_nothing_to_roll_back_is_a_clear_error(artifacts):
    with pytest.raises(LookupError, match="нет предыдущей"):
        registry.rollback("risk")


def test_the_api_serves_a_promotion_and_a_rollback_without_restart(artifacts, risk_data,
                                                                   tmp_path):
    deals = synthetic_deals(6, seed=8)
    with running(f"sqlite:///{tmp_path / 'reg.sqlite'}") as api:
        def score() -> tuple[dict, list[float]]:
            out = api.call("POST", "/v1/deals/score", json=deals).json()["reports"]
            rep = api.call("GET", f"/v1/deals/{deals[0]['id']}/report").json()
            return rep["models"], [r["risk"] for r in out]

        versions0, risks0 = score()
        good = candidate(risk_data, shuffle=False)
        registry.promote("risk", force=True)
        versions1, risks1 = score()
        assert versions1["risk"] == good.version != versions0["risk"]
        assert risks1 != risks0
        listed = {(m["name"], m["status"]): m["version"]
                  for m in api.call("GET", "/v1/models").json()}
        assert listed[("risk", "active")] == good.version
        registry.rollback("risk")
        versions2, risks2 = score()
        assert versions2 == versions0 and risks2 == risks0


def test_models_cli_promote_refuses_and_rollback_explains(artifacts, risk_data):
    from typer.testing import CliRunner

    from crmqa.cli import app

    candidate(risk_data, shuffle=True)
    refused = CliRunner().invoke(app, ["models", "promote", "risk"])
    assert refused.exit_code == 2 and "отклонена" in refused.output
    assert CliRunner().invoke(app, ["models", "rollback", "risk"]).exit_code == 2


def test_reload_drops_cached_models(artifacts):
    first = risk.model()
    assert risk.model() is first
    models.reload()
    assert risk.model() is not first


def test_another_process_change_is_seen_within_the_check_interval(artifacts, monkeypatch):
    """The artifacts directory is looked at once per CHECK_EVERY seconds; a
    change written by this process is seen at once."""
    import os

    clock = [1000.0]
    monkeypatch.setattr(models.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(models, "_looked", (float("-inf"), -1))
    models.reload_if_changed()                     # the generation now seen
    first = risk.model()
    later = store.generation(artifacts) + 10_000_000
    os.utime(artifacts, ns=(later, later))         # as another process's promotion would
    clock[0] += models.CHECK_EVERY / 2
    assert not models.reload_if_changed() and risk.model() is first
    clock[0] += models.CHECK_EVERY
    assert models.reload_if_changed() and risk.model() is not first
    second = risk.model()
    store.set_status(store.active("risk", artifacts), "active")   # this process writes
    assert models.reload_if_changed() and risk.model() is not second


def test_retrain_through_the_api_registers_a_measured_candidate(artifacts, tmp_path):
    from training.simulate_auditors import company_fails

    pairs = list(generate_with_truth(300))
    with running(f"sqlite:///{tmp_path / 'rt.sqlite'}") as api:
        assert api.call("POST", "/v1/deals/score", json=[d for d, _ in pairs]).status_code == 200
        labels = [{"deal_id": d["id"], "target": "deal", "verdict": "value",
                   "value": {"fail": bool(company_fails(codes))}, "auditor": "qa-1"}
                  for d, codes in pairs]
        assert api.call("POST", "/v1/labels", json=labels).json()["stored"] == 300
        job = api.call("POST", "/v1/models/retrain", json={"model": "risk"}).json()
        status = api.call("GET", f"/v1/models/retrain/{job['id']}").json()
    assert status["status"] == "done", status
    result = status["result"]
    m = {x.version: x for x in registry.versions("risk")}[result["version"]]
    assert m.status == "candidate" and m.metrics["heldout"]["n"] > 20
    assert result["metrics"]["heldout"]["roc_auc"] > result["metrics"]["baseline"]["roc_auc"]


def generate_with_truth(n: int):
    from training.synth import CONTACT_CODES, DEAL_CODES, generate
    from training.train_risk import NOW

    rates = dict.fromkeys(CONTACT_CODES + DEAL_CODES, 0.02)
    return generate(n, seed=51, now=NOW, rates=rates)


def test_comment_models_retrain_on_comment_verdicts(artifacts, tmp_path):
    from training import comments_corpus
    from training.simulate_completeness import company_level

    rows = comments_corpus.generate(seed=83, n=400)
    deals = synthetic_deals(80, seed=12)
    for i, d in enumerate(deals):
        d["comments"] = [{"id": f"c{k}", "text": r["text"], "created_at": d["created_at"]}
                         for k, r in enumerate(rows[i * 5:(i + 1) * 5])]
    labels = [{"deal_id": d["id"], "target": "comment", "entity_id": f"c{k}", "verdict": "value",
               "value": {"completeness": company_level(r["slots"]),
                         "off_channel": r["off_channel"]}}
              for i, d in enumerate(deals) for k, r in enumerate(rows[i * 5:(i + 1) * 5])]
    with running(f"sqlite:///{tmp_path / 'c.sqlite'}") as api:
        assert api.call("POST", "/v1/deals/score", json=deals).status_code == 200
        assert api.call("POST", "/v1/labels", json=labels).json()["stored"] == 400
        job = api.call("POST", "/v1/models/retrain", json={"model": "completeness"}).json()
        status = api.call("GET", f"/v1/models/retrain/{job['id']}").json()
        job2 = api.call("POST", "/v1/models/retrain", json={"model": "off_channel"}).json()
        status2 = api.call("GET", f"/v1/models/retrain/{job2['id']}").json()
    assert status["status"] == "done", status
    assert status2["status"] == "done", status2
    assert status2["result"]["metrics"]["heldout"]["f1"] is not None
    metrics = status["result"]["metrics"]
    assert metrics["heldout"]["n"] > 40 and metrics["baseline"]["spearman"] is not None
    assert registry.versions("completeness")[-1].status == "candidate"


def test_nickname_retrains_on_verdicts_about_name_remarks(artifacts, tmp_path):
    from training import remarks

    pool = remarks.generate(seed=5, n=120)
    deals = synthetic_deals(120, seed=13)
    for d, (text, _) in zip(deals, pool, strict=True):
        d["contact"] = {**(d.get("contact") or {}), "name": f"Иванова Мария ({text})"}
    labels = [{"deal_id": d["id"], "code": "contact.name.nickname",
               "verdict": "confirmed" if y else "rejected"}
              for d, (_, y) in zip(deals, pool, strict=True)]
    with running(f"sqlite:///{tmp_path / 'n.sqlite'}") as api:
        assert api.call("POST", "/v1/deals/score", json=deals).status_code == 200
        assert api.call("POST", "/v1/labels", json=labels).json()["stored"] == 120
        job = api.call("POST", "/v1/models/retrain", json={"model": "nickname"}).json()
        status = api.call("GET", f"/v1/models/retrain/{job['id']}").json()
    assert status["status"] == "done", status
    m = status["result"]["metrics"]
    assert m["heldout_unseen_words"]["n"] > 10 and m["baseline"]["f1"] is not None
