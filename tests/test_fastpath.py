"""The plain case of POST /v1/deals/score and GET /v1/deals/{id}/report is
answered below FastAPI (`api.fastpath`): the same answer and the same stored
rows as through FastAPI; everything else goes on to FastAPI and gets its usual
answer."""

from __future__ import annotations

import json

import pytest

from api.fastpath import FastPath

from .api_support import running, synthetic_deals


@pytest.fixture
def taken(monkeypatch):
    """Records, per request that reached the fast path, whether it answered."""
    seen: list[bool] = []
    real = FastPath._answer

    async def spy(self, scope, body):
        out = await real(self, scope, body)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(FastPath, "_answer", spy)
    return seen


@pytest.fixture
def read(monkeypatch):
    """Records, per report request that reached the fast path, whether it answered."""
    seen: list[bool] = []
    real = FastPath._report_answer

    def spy(scope, deal_id):
        out = real(scope, deal_id)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(FastPath, "_report_answer", staticmethod(spy))
    return seen


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running(f"sqlite:///{tmp_path_factory.mktemp('fast') / 'db.sqlite'}") as a:
        yield a


def test_the_fast_answer_is_fastapis_answer(api, taken):
    deals = synthetic_deals(6, seed=8)
    fast = api.call("POST", "/v1/deals/score", json=deals)
    assert taken == [True]
    slow = api.call("POST", "/v1/deals/score", json=deals, params={"format": "canonical"})
    assert taken == [True]                         # a query other than keep: FastAPI's
    assert fast.status_code == slow.status_code == 200
    assert fast.headers["content-type"] == slow.headers["content-type"] == "application/json"
    assert fast.json() == slow.json() and len(fast.json()["reports"]) == 6
    for d in deals:                                # stored (and committed) by the fast path too
        assert api.call("GET", f"/v1/deals/{d['id']}/report").status_code == 200


def test_keep_false_stores_nothing(api, taken):
    deal = {**synthetic_deals(1, seed=9)[0], "id": "FAST-nokeep"}
    r = api.call("POST", "/v1/deals/score?keep=false", json=deal)
    assert r.status_code == 200 and taken == [True]
    assert api.call("GET", "/v1/deals/FAST-nokeep/report").status_code == 404


@pytest.mark.parametrize("role, headers, body, status", [
    (None, {}, "deal", 401),                                   # no token
    (None, {"Authorization": "Bearer cq_nonsense"}, "deal", 401),
    ("widget", {}, "deal", 403),                               # a role that may not score
    ("qa", {}, b"{not json", 422),
    ("qa", {}, b'"a string"', 422),
    ("qa", {}, "many", 413),
])
def test_what_it_does_not_answer_fastapi_does(api, taken, role, headers, body, status):
    deal = synthetic_deals(1, seed=10)[0]
    if body == "deal":
        content = json.dumps(deal).encode()
    elif body == "many":
        content = json.dumps([deal] * 1001).encode()
    else:
        content = body
    r = api.call("POST", "/v1/deals/score", role=role, content=content,
                 headers={"Content-Type": "application/json", **headers})
    assert r.status_code == status
    assert set(r.json()["error"]) == {"code", "message"}
    assert not any(taken)


def test_cors_requests_go_through_fastapi(api, taken):
    deal = synthetic_deals(1, seed=11)[0]
    r = api.call("POST", "/v1/deals/score", json=deal,
                 headers={"Origin": "https://acme.amocrm.ru"})
    assert r.status_code == 200 and taken == []
    assert r.headers["access-control-allow-origin"] == "https://acme.amocrm.ru"


def test_metrics_count_the_fast_answers(api, taken):
    def scored() -> float:
        text = api.call("GET", "/metrics").text
        line = next(x for x in text.splitlines()
                    if x.startswith("crmqa_requests_total") and 'route="/v1/deals/score"' in x
                    and 'status="200"' in x)
        return float(line.rsplit(" ", 1)[1])

    before = scored()
    assert api.call("POST", "/v1/deals/score?keep=false", json=synthetic_deals(1)[0]).status_code == 200
    assert taken == [True] and scored() == before + 1


@pytest.fixture(scope="module")
def labelled(api):
    """A stored deal with a finding confirmed by an auditor."""
    deal = {**synthetic_deals(1, seed=12)[0], "id": "FAST-report"}
    rep = api.call("POST", "/v1/deals/score", json=deal).json()["reports"][0]
    f = rep["findings"][0]
    label = {"deal_id": deal["id"], "code": f["code"], "entity_id": f.get("entity_id"),
             "verdict": "confirmed", "auditor": "qa-1"}
    assert api.call("POST", "/v1/labels", role="qa", json=label).status_code == 200
    return deal["id"]


def test_the_fast_report_is_fastapis_report(api, read, labelled):
    fast = api.call("GET", f"/v1/deals/{labelled}/report", role="widget")
    assert read == [True]
    slow = api.call("GET", f"/v1/deals/{labelled}/report", role="widget", params={"via": "x"})
    assert read == [True]                          # a query: FastAPI's
    assert fast.status_code == slow.status_code == 200
    assert fast.headers["content-type"] == slow.headers["content-type"] == "application/json"
    assert fast.json() == slow.json()
    assert [x["verdict"] for x in fast.json()["labels"]] == ["confirmed"]


@pytest.mark.parametrize("role, headers, path, status", [
    (None, {}, "/v1/deals/FAST-report/report", 401),                        # no token
    (None, {"Authorization": "Bearer cq_nonsense"}, "/v1/deals/FAST-report/report", 401),
    ("other", {}, "/v1/deals/FAST-report/report", 404),                     # another account
    ("qa", {}, "/v1/deals/no-such-deal/report", 404),                       # no report
])
def test_reports_it_does_not_answer_fastapi_does(api, read, labelled, role, headers, path, status):
    if role == "other":
        role, headers = None, {"Authorization": f"Bearer {api.other}"}
    r = api.call("GET", path, role=role, headers=headers)
    assert r.status_code == status
    assert set(r.json()["error"]) == {"code", "message"}
    assert not any(read)


def test_paths_that_are_not_a_report_are_left_to_fastapi(api, read, labelled):
    assert api.call("GET", f"/v1/deals/{labelled}/report/",
                    follow_redirects=False).status_code == 307      # FastAPI's redirect
    assert api.call("GET", "/v1/deals//report").status_code == 404
    assert api.call("HEAD", f"/v1/deals/{labelled}/report").status_code == 405
    assert read == []


def test_cors_report_requests_go_through_fastapi(api, read, labelled):
    r = api.call("GET", f"/v1/deals/{labelled}/report", headers={"Origin": "https://acme.amocrm.ru"})
    assert r.status_code == 200 and read == []
    assert r.headers["access-control-allow-origin"] == "https://acme.amocrm.ru"


def test_metrics_count_the_fast_reports(api, read, labelled):
    def served() -> float:
        text = api.call("GET", "/metrics").text
        line = next((x for x in text.splitlines()
                     if x.startswith("crmqa_requests_total")
                     and 'route="/v1/deals/{deal_id}/report"' in x and 'status="200"' in x), None)
        return float(line.rsplit(" ", 1)[1]) if line else 0.0

    before = served()
    assert api.call("GET", f"/v1/deals/{labelled}/report").status_code == 200
    assert read == [True] and served() == before + 1
