"""POST /v1/deals/score's plain case is answered below FastAPI (`api.fastpath`):
the same answer and the same stored rows as through FastAPI; everything else
goes on to FastAPI and gets its usual answer."""

from __future__ import annotations

import json

import pytest

from api.fastpath import ScoreFastPath

from .api_support import running, synthetic_deals


@pytest.fixture
def taken(monkeypatch):
    """Records, per request that reached the fast path, whether it answered."""
    seen: list[bool] = []
    real = ScoreFastPath._answer

    async def spy(self, scope, body):
        out = await real(self, scope, body)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(ScoreFastPath, "_answer", spy)
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
