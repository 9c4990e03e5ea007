"""Every endpoint: no token → 401, a role without the right → 403, another
account's deal → 404 (the caller cannot tell it exists)."""

from __future__ import annotations

import pytest

from api.auth import make_ticket

from .api_support import running, synthetic_deals

READERS = {"qa", "supervisor", "head", "admin"}
EVERYONE = READERS | {"widget"}
DEAL = "D-3-000001"


def endpoints(deal_id: str) -> list[tuple[str, str, dict | list | None, set[str]]]:
    label = {"deal_id": deal_id, "code": "comment.incomplete", "verdict": "rejected"}
    return [
        ("POST", "/v1/deals/score", [], READERS),
        ("GET", f"/v1/deals/{deal_id}/report", None, EVERYONE),
        ("POST", "/v1/comments/score", [], READERS),
        ("POST", "/v1/contacts/check", [], READERS),
        ("POST", "/v1/samples", {}, READERS),
        ("POST", "/v1/labels", label, EVERYONE),
        ("GET", "/v1/models", None, READERS),
        ("POST", "/v1/models/retrain", None, {"admin"}),
        ("GET", "/metrics", None, {"admin"}),
        ("GET", "/v1/quality", None, {"head", "admin"}),
        ("POST", "/v1/widget/tickets", {"deal_id": deal_id}, EVERYONE),
        ("GET", f"/widget/deal/{deal_id}", None, EVERYONE),
    ]


PER_DEAL = {"/v1/deals/{id}/report", "/v1/labels", "/v1/widget/tickets", "/widget/deal/{id}"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running(f"sqlite:///{tmp_path_factory.mktemp('acl') / 'db.sqlite'}") as a:
        deals = synthetic_deals(3)
        assert a.call("POST", "/v1/deals/score", json=deals).status_code == 200
        yield a


def _send(api, method, path, body, headers):
    return api.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("method, path, body, roles", endpoints(DEAL))
def test_no_token_is_401(api, method, path, body, roles):
    r = _send(api, method, path, body, {})
    assert r.status_code == 401 and set(r.json()["error"]) == {"code", "message"}
    r = _send(api, method, path, body, {"Authorization": "Bearer cq_forged"})
    assert r.status_code == 401
    r = _send(api, method, path, body, {"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401


@pytest.mark.parametrize("method, path, body, roles", endpoints(DEAL))
def test_each_role_gets_in_or_403(api, method, path, body, roles):
    for role in ("qa", "supervisor", "head", "admin", "widget"):
        r = _send(api, method, path, body, api.headers(role))
        if role in roles:
            assert r.status_code not in (401, 403), (role, r.text)
        else:
            assert r.status_code == 403, (role, r.status_code)
            assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("method, path, body, roles",
                         [e for e in endpoints(DEAL) if e[1].replace(DEAL, "{id}") in PER_DEAL])
def test_another_accounts_deal_is_404(api, method, path, body, roles):
    r = _send(api, method, path, body, {"Authorization": f"Bearer {api.other}"})
    assert r.status_code == 404, r.text


def test_a_ticket_opens_only_its_own_deal_and_expires(api):
    key = api.app.state.signing_key
    ticket = make_ticket(key, "acme", DEAL, ttl=60)
    assert api.client.get(f"/widget/deal/{DEAL}", params={"ticket": ticket}).status_code == 200
    other = api.client.get("/widget/deal/D-3-000002", params={"ticket": ticket})
    assert other.status_code == 404
    r = api.client.get(f"/v1/deals/{DEAL}/report", headers={"Authorization": f"Bearer {ticket}"})
    assert r.status_code == 200
    old = make_ticket(key, "acme", DEAL, ttl=60, now=0)
    assert api.client.get(f"/widget/deal/{DEAL}", params={"ticket": old}).status_code == 401
    forged = make_ticket(b"not-the-key", "acme", DEAL, ttl=60)
    assert api.client.get(f"/widget/deal/{DEAL}", params={"ticket": forged}).status_code == 401


def test_a_revoked_token_is_refused(api):
    store = api.app.state.store
    token = store.create_token("acme", "qa")
    h = {"Authorization": f"Bearer {token}"}
    assert api.client.get("/v1/models", headers=h).status_code == 200
    assert store.revoke_token(store.token(token).id)
    assert api.client.get("/v1/models", headers=h).status_code == 401


def test_tokens_are_stored_hashed(api):
    from sqlalchemy import text

    token = api.tokens["qa"]
    with api.app.state.store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(text("SELECT digest, name FROM tokens"))]
    assert rows and all(token not in " ".join(str(x) for x in r) for r in rows)


def test_token_cli_creates_a_working_token(tmp_path):
    from typer.testing import CliRunner

    from api.store import Store
    from crmqa.cli import app

    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    out = CliRunner().invoke(app, ["token", "create", "--account", "acme", "--role", "qa",
                                   "--db", url])
    assert out.exit_code == 0, out.output
    token = out.output.strip()
    row = Store(url).token(token)
    assert (row.account, row.role) == ("acme", "qa")
    bad = CliRunner().invoke(app, ["token", "create", "--account", "acme", "--role", "boss",
                                   "--db", url])
    assert bad.exit_code == 2
    assert CliRunner().invoke(app, ["token", "revoke", token, "--db", url]).exit_code == 0
    assert Store(url).token(token) is None



def test_a_token_revoked_by_another_process_works_only_until_the_cache_time(api):
    """The CLI revokes through its own store: the server trusts a token it found
    live at most `token_cache_seconds` longer; a token it never saw, not at all."""
    from api.store import Store

    server = api.app.state.store
    clock = [1000.0]
    server._clock = lambda: clock[0]
    token = server.create_token("acme", "qa")
    h = {"Authorization": f"Bearer {token}"}
    assert server.token_ttl == 5.0
    assert api.client.get("/v1/models", headers=h).status_code == 200
    cli = Store(server.url)
    assert cli.revoke_token(cli.token(token).id)
    clock[0] += 4.0
    assert api.client.get("/v1/models", headers=h).status_code == 200
    clock[0] += 2.0
    assert api.client.get("/v1/models", headers=h).status_code == 401
    assert api.client.get("/v1/models", headers=h).status_code == 401
