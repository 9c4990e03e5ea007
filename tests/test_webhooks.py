"""CRM webhooks with the documented payloads: accepted and re-scored in the
background, a replay ignored, a forged one refused."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from .api_support import running, synthetic_deals
from .crm_payloads import AMO_STATUS_PAIRS

AMO_STATUS = [(k, "acme" if k == "account[subdomain]" else v)   # our test account
              for k, v in AMO_STATUS_PAIRS]
AMO_UPDATE = [("leads[update][0][id]", "10701094"), ("leads[update][0][last_modified]", "1539782700"),
              ("leads[update][1][id]", "10701095"), ("leads[update][1][last_modified]", "1539782701"),
              ("account[subdomain]", "acme"), ("account[id]", "17769199")]
B24_UPDATE = [("event", "ONCRMDEALUPDATE"), ("event_handler_id", "201"),
              ("data[FIELDS][ID]", "759"), ("ts", "1736405807"),
              ("auth[domain]", "portal.bitrix24.ru"),
              ("auth[client_endpoint]", "https://portal.bitrix24.ru/rest/"),
              ("auth[server_endpoint]", "https://oauth.bitrix24.tech/rest/"),
              ("auth[member_id]", "m-1"), ("auth[application_token]", "app-token-1")]
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def api(tmp_path):
    with running(f"sqlite:///{tmp_path / 'hooks.sqlite'}") as a:
        fetched = []
        deals = iter(synthetic_deals(10, seed=4))

        def fake_fetch(account, deal_id):
            fetched.append((account.crm, deal_id))
            return {**next(deals), "id": str(deal_id)}

        a.app.state.fetch = fake_fetch
        a.fetched = fetched
        yield a


def post(api, path, pairs, **params):
    return api.client.post(path, content=urlencode(pairs).encode(), headers=FORM, params=params)


def test_amocrm_status_change_rescores_the_deal(api):
    r = post(api, "/webhooks/amocrm/acme", AMO_STATUS, key="hook-key-1")
    assert r.status_code == 200 and r.json() == {"status": "accepted", "deals": 1}
    assert api.fetched == [("amocrm", "10701093")]
    rep = api.call("GET", "/v1/deals/10701093/report")
    assert rep.status_code == 200 and "risk" in rep.json()


def test_amocrm_update_of_two_leads_rescores_both(api):
    r = post(api, "/webhooks/amocrm/acme", AMO_UPDATE, key="hook-key-1")
    assert r.json()["deals"] == 2
    assert sorted(d for _, d in api.fetched) == ["10701094", "10701095"]


def test_a_replayed_delivery_is_ignored(api):
    assert post(api, "/webhooks/amocrm/acme", AMO_STATUS, key="hook-key-1").json()["status"] == "accepted"
    again = post(api, "/webhooks/amocrm/acme", AMO_STATUS, key="hook-key-1")
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert len(api.fetched) == 1
    assert post(api, "/webhooks/bitrix24", B24_UPDATE).json()["status"] == "accepted"
    assert post(api, "/webhooks/bitrix24", B24_UPDATE).json()["status"] == "duplicate"
    assert len(api.fetched) == 2


@pytest.mark.parametrize("path, pairs, params", [
    ("/webhooks/amocrm/acme", AMO_STATUS, {"key": "wrong"}),
    ("/webhooks/amocrm/acme", AMO_STATUS, {}),
    ("/webhooks/amocrm/unknown", AMO_STATUS, {"key": "hook-key-1"}),
    ("/webhooks/bitrix24", [(k, "forged" if k == "auth[application_token]" else v)
                            for k, v in B24_UPDATE], {}),
    ("/webhooks/bitrix24", [(k, "other.bitrix24.ru" if k == "auth[domain]" else v)
                            for k, v in B24_UPDATE], {}),
    ("/webhooks/bitrix24", [(k, v) for k, v in B24_UPDATE if k != "auth[application_token]"], {}),
])
def test_a_forged_delivery_is_refused(api, path, pairs, params):
    r = post(api, path, pairs, **params)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forged"
    assert api.fetched == []


def test_bitrix24_deal_update_rescores_the_deal(api):
    r = post(api, "/webhooks/bitrix24", B24_UPDATE)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    assert api.fetched == [("bitrix24", "759")]
    token = api.app.state.store.create_token("portal.bitrix24.ru", "qa")
    r = api.client.get("/v1/deals/759/report", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    assert api.call("GET", "/v1/deals/759/report").status_code == 404     # not acme's deal


@pytest.mark.parametrize("body", [b"", b"garbage", b"event=ONCRMDEALUPDATE", "\u0000".encode()])
def test_garbage_is_a_clear_400(api, body):
    r = api.client.post("/webhooks/bitrix24", content=body, headers=FORM)
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_payload"


def test_a_crm_outage_does_not_break_the_webhook(api):
    def down(account, deal_id):
        raise ConnectionError("CRM unreachable")

    api.app.state.fetch = down
    r = post(api, "/webhooks/amocrm/acme", AMO_STATUS, key="hook-key-1")
    assert r.status_code == 200
    assert api.call("GET", "/v1/deals/10701093/report").status_code == 404
    text = api.call("GET", "/metrics").text
    assert 'crmqa_webhooks_total{crm="amocrm",outcome="failed"} 1.0' in text
