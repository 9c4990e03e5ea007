"""The HTTP API (CONTRACT §4) on SQLite and, where one answers, PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from api.schemas import LabelOut

from .api_support import pg_answers, pg_schema, running, synthetic_deals


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def api(request, tmp_path_factory):
    if request.param == "postgresql":
        if not pg_answers():
            pytest.skip("no PostgreSQL on 127.0.0.1:5432")
        with pg_schema() as url, running(url) as a:
            yield a
        return
    path = tmp_path_factory.mktemp("api") / "crmqa.sqlite"
    with running(f"sqlite:///{path}") as a:
        yield a


@pytest.fixture(scope="module")
def scored(api):
    """Forty synthetic deals scored and stored in account "acme"."""
    deals = synthetic_deals(40)
    r = api.call("POST", "/v1/deals/score", json=deals)
    assert r.status_code == 200, r.text
    return {d["id"]: d for d in deals}, r.json()


def test_healthz_needs_no_token(api):
    r = api.client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_score_one_deal_and_a_list_with_a_broken_one(api, scored):
    deals, body = scored
    assert len(body["reports"]) == 40 and body["errors"] == []
    one = next(iter(deals.values()))
    r = api.call("POST", "/v1/deals/score", json=one, params={"keep": "false"})
    assert r.status_code == 200 and r.json()["reports"][0]["deal_id"] == one["id"]
    r = api.call("POST", "/v1/deals/score", json=[one, {"title": "без id"}, 5], params={"keep": "false"})
    out = r.json()
    assert r.status_code == 200 and [x["deal_id"] for x in out["reports"]] == [one["id"]]
    assert [e["index"] for e in out["errors"]] == [1, 2]


def test_the_stored_report_is_what_scoring_returned(api, scored):
    _, body = scored
    rep = body["reports"][0]
    r = api.call("GET", f"/v1/deals/{rep['deal_id']}/report", role="widget")
    assert r.status_code == 200
    got = r.json()
    assert got["risk"] == rep["risk"]
    assert [f["code"] for f in got["findings"]] == [f["code"] for f in rep["findings"]]
    assert got["models"] and all(isinstance(v, int) for v in got["models"].values())


def test_comments_and_contacts(api):
    r = api.call("POST", "/v1/comments/score", role="qa", json=[
        {"id": "a", "text": "нд 2р, скинул КП в вотсап, перезв. завтра 11:00"},
        {"id": "b", "text": "клиент думает"}, {"id": "c", "text": "😀" * 10}, {"text": 5}])
    assert r.status_code == 200
    reps = {x["id"]: x for x in r.json()["reports"]}
    assert reps["a"]["completeness"] > reps["b"]["completeness"]
    assert "whatsapp" in reps["a"]["channels"]
    r = api.call("POST", "/v1/contacts/check", role="supervisor",
                 json={"id": "c1", "name": "иванова мария (истеричка)", "phones": ["89161234567"]})
    rep = r.json()["reports"][0]
    assert {"contact.name.nickname", "contact.name.lowercase"} <= {f["code"] for f in rep["findings"]}
    assert rep["normalized"]["phones"] == ["+79161234567"]


def test_a_5mb_comment_is_analysed_up_to_the_limit(api):
    r = api.call("POST", "/v1/comments/score", json={"id": "big", "text": "звонил клиенту " * 350_000})
    assert r.status_code == 200
    assert r.json()["reports"][0]["id"] == "big"


def test_a_body_over_the_limit_is_413_not_read(api):
    big = b'{"id": "x", "text": "' + b"a" * 21_000_000 + b'"}'
    r = api.call("POST", "/v1/comments/score", content=big,
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"


@pytest.mark.parametrize("payload, status", [
    (b"{not json", 422), (b"[]", 200), (b'"text"', 422), (b"null", 422),
    (json.dumps([{"id": str(i)} for i in range(1001)]).encode(), 413),
])
def test_bad_bodies_get_a_clear_4xx(api, payload, status):
    r = api.call("POST", "/v1/deals/score", content=payload, params={"keep": "false"},
                 headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    if status >= 400:
        assert set(r.json()["error"]) == {"code", "message"}


def test_labels_are_kept_once_and_shown_with_the_report(api, scored):
    _, body = scored
    rep = next(x for x in body["reports"] if x["findings"])
    f = rep["findings"][0]
    label = {"deal_id": rep["deal_id"], "code": f["code"], "entity_id": f.get("entity_id"),
             "verdict": "confirmed", "auditor": "qa-1"}
    first = api.call("POST", "/v1/labels", role="qa", json=label).json()
    again = api.call("POST", "/v1/labels", role="qa", json=[label, label]).json()
    assert first["stored"] == 1 and again == {"stored": 0, "duplicates": 2, "ids": []}
    got = api.call("GET", f"/v1/deals/{rep['deal_id']}/report").json()["labels"]
    assert [(x["code"], x["verdict"], x["auditor"]) for x in got] == [(f["code"], "confirmed", "qa-1")]
    assert set(got[0]) == set(LabelOut.model_fields)          # the schema's fields, no more
    assert datetime.fromisoformat(got[0]["created_at"]).utcoffset() is not None
    r = api.call("POST", "/v1/labels", json={**label, "deal_id": "no-such-deal"})
    assert r.status_code == 404
    r = api.call("POST", "/v1/labels", json={**label, "verdict": "maybe"})
    assert r.status_code == 422


def test_samples_by_role(api, scored):
    r = api.call("POST", "/v1/samples", role="qa", json={"role": "qa", "seed": 1})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["summary"]["population"] > 0
    assert len(out["deals"]) >= 0.1 * out["summary"]["population"]
    assert all(0 < d["inclusion_probability"] <= 1 for d in out["deals"])
    assert api.call("POST", "/v1/samples", role="qa", json={"role": "head"}).status_code == 403
    assert api.call("POST", "/v1/samples", role="head", json={"role": "qa"}).status_code == 200
    assert api.call("POST", "/v1/samples", json={"role": "boss"}).status_code == 422


def test_models_and_metrics(api, scored):
    models = api.call("GET", "/v1/models", role="qa").json()
    assert {"completeness", "risk"} <= {m["name"] for m in models}
    text = api.call("GET", "/metrics").text
    assert "crmqa_requests_total" in text and 'route="/v1/deals/score"' in text
    assert api.call("GET", "/metrics", role="qa").status_code == 403
    job = api.call("POST", "/v1/models/retrain", json={"model": "risk"})
    assert job.status_code == 202
    status = api.call("GET", f"/v1/models/retrain/{job.json()['id']}").json()
    assert status["status"] == "failed" and "не меньше" in status["result"]["error"]
    assert api.call("GET", "/v1/models/retrain/999999").status_code == 404


def test_errors_never_leak_personal_data(api):
    deal = {"id": "p1", "status": "weird", "contact": {"name": "Сидоров Пётр", "phones": ["+79160000000"]}}
    r = api.call("POST", "/v1/deals/score", json=[deal], params={"keep": "false"})
    reason = r.json()["errors"][0]["reason"]
    assert "Сидоров" not in reason and "79160000000" not in reason and "weird" not in reason


def test_openapi_is_complete(api):
    spec = api.client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in ("/v1/deals/score", "/v1/comments/score", "/v1/contacts/check", "/v1/samples",
                 "/v1/labels", "/v1/deals/{deal_id}/report", "/v1/models", "/v1/models/retrain",
                 "/healthz", "/metrics", "/widget/deal/{deal_id}"):
        assert path in paths, path
    body = paths["/v1/deals/score"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"].get("examples") or body.get("examples") or body.get("example")


def test_logs_are_json_without_personal_data(api, caplog):
    import logging

    from api.logs import JsonFormatter

    deal = {"id": "log-1", "title": "Петров", "contact": {"name": "Петров Иван",
                                                         "phones": ["+79161234567"]},
            "comments": [{"id": "k", "text": "звонил Петрову, личный вотсап"}]}
    with caplog.at_level(logging.INFO, logger="crmqa"):
        logging.getLogger("crmqa").addHandler(caplog.handler)
        try:
            api.call("POST", "/v1/deals/score", json=deal, params={"keep": "false"})
            api.call("POST", "/v1/deals/score", json={**deal, "status": "??"})
        finally:
            logging.getLogger("crmqa").removeHandler(caplog.handler)
    lines = [JsonFormatter().format(r) for r in caplog.records if r.name == "crmqa.access"]
    assert lines and all(json.loads(x)["route"] == "/v1/deals/score" for x in lines)
    text = "\n".join(lines)
    assert "Петров" not in text and "79161234567" not in text and "вотсап" not in text
    assert api.tokens["admin"] not in text


def test_quality_shows_checks_auditors_and_agreement(api, scored):
    _, body = scored
    with_findings = [r for r in body["reports"] if r["findings"]][:6]
    labels = []
    for r in with_findings:
        code = r["findings"][0]["code"]
        labels += [{"deal_id": r["deal_id"], "code": code, "verdict": "rejected", "auditor": "boris"},
                   {"deal_id": r["deal_id"], "target": "deal", "verdict": "value",
                    "value": {"skills": "fail"}, "auditor": "boris"},
                   {"deal_id": r["deal_id"], "target": "deal", "verdict": "value",
                    "value": {"skills": "fail"}, "auditor": "vera"}]
    assert api.call("POST", "/v1/labels", json=labels).status_code == 200
    out = api.call("GET", "/v1/quality", role="head").json()
    checks = {c["code"]: c for c in out["checks"]}
    judged = {r["findings"][0]["code"] for r in with_findings}
    assert all(checks[c]["verdicts"] > 0 and checks[c]["coverage"] > 0 for c in judged)
    pair = next(p for p in out["agreement"] if p["auditors"] == ["boris", "vera"])
    assert pair["directions"]["skills"] == {"deals": len(with_findings), "kappa": 1.0}
