"""The widget page opened the ways the CRMs open it: amoCRM's X-Auth-Token
(one-time JWT) and Bitrix24's CRM_DEAL_DETAIL_TAB placement POST."""

from __future__ import annotations

import json
import time

import jwt
import pytest

from .api_support import running, synthetic_deals

PORTAL = "portal.bitrix24.ru"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    with running(f"sqlite:///{tmp_path_factory.mktemp('w') / 'w.sqlite'}") as a:
        deals = synthetic_deals(4, seed=5)
        a.deal_id = deals[0]["id"]
        assert a.call("POST", "/v1/deals/score", json=deals).status_code == 200
        b24 = a.app.state.store.create_token(PORTAL, "admin")
        r = a.client.post("/v1/deals/score", json={**deals[1], "id": "8061"},
                          headers={"Authorization": f"Bearer {b24}"})
        assert r.status_code == 200
        a.findings = [f["message"] for f in r.json()["reports"][0]["findings"]]
        yield a


def amo_token(secret="amo-integration-secret-0123456789abcdef", sub="acme", jti="j-1", exp_in=60, client="client-uuid-1"):
    now = int(time.time())
    return jwt.encode({"iss": f"https://{sub}.amocrm.ru", "aud": "https://crmqa.example",
                       "jti": jti, "iat": now, "nbf": now, "exp": now + exp_in,
                       "account_id": 17769199, "user_id": 2079676, "client_uuid": client},
                      secret, algorithm="HS256")


def test_amocrm_token_opens_the_page_once(api):
    token = amo_token(jti="once")
    r = api.client.get(f"/widget/deal/{api.deal_id}", headers={"X-Auth-Token": token})
    assert r.status_code == 200 and "Внимательность" in r.text
    assert api.client.get(f"/widget/deal/{api.deal_id}",
                          headers={"X-Auth-Token": token}).status_code == 401


@pytest.mark.parametrize("token", [
    amo_token(secret="wrong", jti="a"), amo_token(exp_in=-120, jti="b"),
    amo_token(client="other-integration", jti="c"), "not.a.jwt",
])
def test_bad_amocrm_tokens_are_401(api, token):
    r = api.client.get(f"/widget/deal/{api.deal_id}", headers={"X-Auth-Token": token})
    assert r.status_code == 401


def test_amocrm_token_of_another_account_sees_nothing(api):
    r = api.client.get(f"/widget/deal/{api.deal_id}",
                       headers={"X-Auth-Token": amo_token(sub="rival", jti="r")})
    assert r.status_code == 404


def placement(member="m-1", deal="8061"):
    return ({"DOMAIN": PORTAL, "PROTOCOL": "1", "LANG": "ru", "APP_SID": "abc"},
            {"AUTH_ID": "auth-1", "AUTH_EXPIRES": "3600", "REFRESH_ID": "r-1",
             "member_id": member, "status": "L", "PLACEMENT": "CRM_DEAL_DETAIL_TAB",
             "PLACEMENT_OPTIONS": json.dumps({"ID": deal})})


def test_bitrix_placement_shows_the_deal(api):
    seen = []
    api.app.state.verify_placement = lambda conf, place: seen.append(place.auth_id) or True
    query, form = placement()
    r = api.client.post("/widget/bitrix24/placement", params=query, data=form)
    assert r.status_code == 200, r.text
    assert seen == ["auth-1"]
    assert all(m.split("«")[0] in r.text for m in api.findings[:3])


def test_bitrix_placement_refused_when_the_portal_does_not_confirm_the_user(api):
    api.app.state.verify_placement = lambda conf, place: False
    query, form = placement()
    assert api.client.post("/widget/bitrix24/placement", params=query,
                           data=form).status_code == 401


def test_bitrix_placement_of_an_unknown_member_is_403(api):
    api.app.state.verify_placement = lambda conf, place: True
    query, form = placement(member="m-forged")
    assert api.client.post("/widget/bitrix24/placement", params=query,
                           data=form).status_code == 403


def test_bitrix_placement_malformed_is_400(api):
    query, form = placement()
    form["PLACEMENT_OPTIONS"] = "{not json"
    assert api.client.post("/widget/bitrix24/placement", params=query,
                           data=form).status_code == 400
