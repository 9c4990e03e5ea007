"""CRM-issued credentials and callbacks: amoCRM one-time JWT, Bitrix24 tokens, webhooks."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import jwt
import pytest

from api.crm_auth import (
    AMOCRM_ORIGIN_REGEX,
    REASONS,
    CrmAuthFailed,
    JtiCache,
    default_jti_cache,
    flatten_form,
    parse_amocrm_webhook,
    parse_bitrix_event,
    parse_bitrix_placement,
    verify_amocrm_token,
    verify_bitrix_app_token,
)

from .crm_payloads import AMO_STATUS_PAIRS

SECRET = "amo-integration-secret-" + "k" * 41  # 64 chars, like amoCRM's secret keys
CLIENT = "0c6a1f3e-2b1d-4c8e-9f5a-7d2e4b6a8c10"
NOW = 1_790_000_000
DROP = object()


def claims(**over) -> dict:
    base = {
        "iss": "https://acme.amocrm.ru", "aud": "https://crmqa.example.ru",
        "jti": str(uuid.uuid4()), "iat": NOW - 5, "nbf": NOW - 5, "exp": NOW + 60,
        "account_id": 29_012_345, "user_id": 7_654_321, "client_uuid": CLIENT,
    }
    base.update(over)
    return {k: v for k, v in base.items() if v is not DROP}


def make_token(payload: dict | None = None, *, secret: str = SECRET, alg: str = "HS256") -> str:
    return jwt.encode(payload if payload is not None else claims(), secret, algorithm=alg)


def raw_token(payload: dict | list) -> str:
    """Signed like make_token, without PyJWT's own claim checks (for ill-typed claims)."""
    return jwt.api_jws.encode(json.dumps(payload).encode(), SECRET, algorithm="HS256")


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def verify(token: str, **kwargs):
    kwargs.setdefault("secret", SECRET)
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("jti_cache", JtiCache())
    return verify_amocrm_token(token, **kwargs)


# --------------------------------------------------------------------------- amoCRM: accepted


@pytest.mark.parametrize("over, kwargs, expect", [
    ({}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),
    ({}, {"client_id": CLIENT.upper(), "subdomain": "ACME"}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),
    ({}, {"audience": "https://crmqa.example.ru/"}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),
    ({"iss": "https://shop.kommo.com"}, {"subdomain": "shop"}, ("shop", 29_012_345, 7_654_321, "shop.kommo.com")),
    ({"iss": "https://ACME.amocrm.com/"}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.com")),
    ({"account_id": "29012345", "user_id": "7654321"}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),
    ({"exp": NOW - 10, "iat": NOW - 70, "nbf": NOW - 70}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),  # within leeway
    ({"nbf": NOW + 20, "iat": NOW + 20}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),
    ({"client_uuid": DROP}, {}, ("acme", 29_012_345, 7_654_321, "acme.amocrm.ru")),  # not asked for
], ids=["plain", "client+subdomain", "audience", "kommo", "amocrm.com", "string-ids",
        "exp-in-leeway", "nbf-in-leeway", "no-client-check"])
def test_valid_tokens_are_accepted(over, kwargs, expect):
    payload = claims(**over)
    identity = verify(make_token(payload), **kwargs)
    assert (identity.subdomain, identity.account_id, identity.user_id, identity.host) == expect
    assert identity.jti == payload["jti"]


def test_now_may_be_an_aware_datetime():
    at = datetime.fromtimestamp(NOW, tz=UTC)
    assert verify(make_token(), now=at).subdomain == "acme"
    with pytest.raises(ValueError):
        verify(make_token(), now=datetime(2026, 1, 1))


# --------------------------------------------------------------------------- amoCRM: refused


def _alg_none() -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims())}."


def _tampered() -> str:
    head, _, sig = make_token().split(".")
    return f"{head}.{b64(claims(account_id=1))}.{sig}"


REFUSED = [
    # id, token factory, verify kwargs, reason
    ("expired", lambda: make_token(claims(exp=NOW - 31, iat=NOW - 90, nbf=NOW - 90)), {}, "expired"),
    ("expired-no-leeway", lambda: make_token(claims(exp=NOW)), {"leeway": 0}, "expired"),
    ("nbf-future", lambda: make_token(claims(nbf=NOW + 120, exp=NOW + 300)), {}, "not_yet_valid"),
    ("iat-future", lambda: make_token(claims(iat=NOW + 120, exp=NOW + 300)), {}, "issued_in_future"),
    ("exp-before-iat", lambda: make_token(claims(exp=NOW - 100, iat=NOW)), {}, "bad_claim"),
    ("wrong-secret", lambda: make_token(secret="another-secret-" + "x" * 50), {}, "bad_signature"),
    ("tampered-payload", _tampered, {}, "bad_signature"),
    ("alg-none", _alg_none, {}, "bad_algorithm"),
    ("alg-hs512", lambda: make_token(alg="HS512"), {}, "bad_algorithm"),
    ("issuer-foreign", lambda: make_token(claims(iss="https://acme.evil.ru")), {}, "bad_issuer"),
    ("issuer-suffix-trick", lambda: make_token(claims(iss="https://acme.amocrm.ru.evil.com")), {}, "bad_issuer"),
    ("issuer-bare-domain", lambda: make_token(claims(iss="https://amocrm.ru")), {}, "bad_issuer"),
    ("issuer-nested", lambda: make_token(claims(iss="https://a.acme.amocrm.ru")), {}, "bad_issuer"),
    ("issuer-http", lambda: make_token(claims(iss="http://acme.amocrm.ru")), {}, "bad_issuer"),
    ("issuer-path", lambda: make_token(claims(iss="https://acme.amocrm.ru/evil")), {}, "bad_issuer"),
    ("issuer-userinfo", lambda: make_token(claims(iss="https://acme.amocrm.ru@evil.com")), {}, "bad_issuer"),
    ("issuer-port", lambda: make_token(claims(iss="https://acme.amocrm.ru:8443")), {}, "bad_issuer"),
    ("issuer-not-string", lambda: raw_token(claims(iss=123)), {}, "bad_claim"),
    ("issuer-missing", lambda: make_token(claims(iss=DROP)), {}, "missing_claim"),
    ("wrong-subdomain", make_token, {"subdomain": "other"}, "wrong_account"),
    ("wrong-client", make_token, {"client_id": str(uuid.uuid4())}, "wrong_client"),
    ("client-missing", lambda: make_token(claims(client_uuid=DROP)), {"client_id": CLIENT}, "missing_claim"),
    ("wrong-audience", make_token, {"audience": "https://other.example.ru"}, "wrong_audience"),
    ("exp-missing", lambda: make_token(claims(exp=DROP)), {}, "missing_claim"),
    ("exp-string", lambda: make_token(claims(exp=str(NOW + 60))), {}, "bad_claim"),
    ("exp-bool", lambda: make_token(claims(exp=True)), {}, "bad_claim"),
    ("exp-infinite", lambda: raw_token(claims(exp=float("inf"))), {}, "bad_claim"),
    ("nbf-missing", lambda: make_token(claims(nbf=DROP)), {}, "missing_claim"),
    ("account-zero", lambda: make_token(claims(account_id=0)), {}, "bad_claim"),
    ("account-text", lambda: make_token(claims(account_id="acme")), {}, "bad_claim"),
    ("account-bool", lambda: make_token(claims(account_id=True)), {}, "bad_claim"),
    ("user-missing", lambda: make_token(claims(user_id=DROP)), {}, "missing_claim"),
    ("jti-missing", lambda: make_token(claims(jti=DROP)), {}, "missing_claim"),
    ("jti-too-long", lambda: make_token(claims(jti="j" * 129)), {}, "bad_claim"),
    ("empty", lambda: "", {}, "missing_token"),
    ("not-a-jwt", lambda: "Bearer abc", {}, "malformed"),
    ("three-garbage-parts", lambda: "a.b.c", {}, "malformed"),
    ("oversized", lambda: "a." + "b" * 5000 + ".c", {}, "malformed"),
    ("payload-not-object", lambda: raw_token([1, 2]), {}, "malformed"),
]


@pytest.mark.parametrize("factory, kwargs, reason", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_bad_tokens_are_refused_with_a_reason(factory, kwargs, reason):
    token = factory()
    with pytest.raises(CrmAuthFailed) as caught:
        verify(token, **kwargs)
    assert caught.value.reason == reason
    assert reason in REASONS
    assert str(caught.value) == reason  # the message never echoes the token
    if len(token) > 10:
        assert token not in repr(caught.value)


@pytest.mark.parametrize("kwargs", [{"secret": ""}, {"leeway": -1}, {"leeway": 301}])
def test_bad_calls_raise_value_error(kwargs):
    with pytest.raises(ValueError):
        verify(make_token(), **kwargs)


# --------------------------------------------------------------------------- replay


def test_replayed_token_is_refused():
    cache = JtiCache()
    token = make_token()
    verify(token, jti_cache=cache)
    with pytest.raises(CrmAuthFailed) as caught:
        verify(token, jti_cache=cache, now=NOW + 1)
    assert caught.value.reason == "replayed"


def test_default_cache_refuses_replay():
    token = make_token()
    verify_amocrm_token(token, secret=SECRET, now=NOW)
    assert len(default_jti_cache()) >= 1
    with pytest.raises(CrmAuthFailed, match="replayed"):
        verify_amocrm_token(token, secret=SECRET, now=NOW)


def test_refused_token_does_not_burn_its_jti():
    cache = JtiCache()
    token = make_token()
    with pytest.raises(CrmAuthFailed, match="wrong_client"):
        verify(token, client_id=str(uuid.uuid4()), jti_cache=cache)
    assert verify(token, client_id=CLIENT, jti_cache=cache).subdomain == "acme"


def test_jti_cache_expires_entries():
    cache = JtiCache()
    assert cache.add("a", until=100, now=0)
    assert not cache.add("a", until=100, now=50)
    assert cache.add("b", until=300, now=150)  # the purge on this add drops "a"
    assert "a" not in cache and "b" in cache
    assert cache.add("a", until=400, now=150)


def test_jti_cache_is_bounded_and_evicts_the_soonest_expiry():
    cache = JtiCache(maxsize=2)
    cache.add("late", until=500, now=0)
    cache.add("soon", until=100, now=0)
    cache.add("new", until=400, now=0)
    assert len(cache) == 2 and cache.evictions == 1
    assert "soon" not in cache and "late" in cache and "new" in cache
    with pytest.raises(ValueError):
        JtiCache(maxsize=0)


def test_jti_cache_is_thread_safe():
    cache = JtiCache()
    results: list[bool] = []
    barrier = threading.Barrier(16)

    def worker():
        barrier.wait()
        results.append(cache.add("same", until=1_000, now=0))

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 1 and len(results) == 16


def test_origin_regex_matches_account_domains_only():
    import re
    ok = ["https://acme.amocrm.ru", "https://acme.kommo.com", "https://a-b.amocrm.com"]
    bad = ["http://acme.amocrm.ru", "https://acme.amocrm.ru.evil.com", "https://evil.com",
           "https://a.b.amocrm.ru", "https://amocrm.ru"]
    assert all(re.fullmatch(AMOCRM_ORIGIN_REGEX, o) for o in ok)
    assert not any(re.fullmatch(AMOCRM_ORIGIN_REGEX, o) for o in bad)


# --------------------------------------------------------------------------- Bitrix24 tokens


@pytest.mark.parametrize("received, expected, ok", [
    ("51856fefc120afa4b628cc82d3935cce", "51856fefc120afa4b628cc82d3935cce", True),
    ("51856fefc120afa4b628cc82d3935ccf", "51856fefc120afa4b628cc82d3935cce", False),
    ("51856fefc120afa4b628cc82d3935cce ", "51856fefc120afa4b628cc82d3935cce", False),
    (None, "51856fefc120afa4b628cc82d3935cce", False),
    ("", "", False),
    ("abc", "", False),
    ("токен", "токен", True),
    ("токен", "токен2", False),
])
def test_bitrix_app_token_compare(received, expected, ok):
    assert verify_bitrix_app_token(received, expected) is ok


# --------------------------------------------------------------------------- Bitrix24 placement

PLACEMENT_FORM = {
    "DOMAIN": "xxx.bitrix24.com", "PROTOCOL": "1", "LANG": "ru", "APP_SID": "a1b2",
    "AUTH_ID": "9d4c5e0b0067e3b9006b0cd400000001000003a1b2c3d4e5f6",
    "AUTH_EXPIRES": "3600", "REFRESH_ID": "8c3b5e0b0067e3b9006b0cd4",
    "SERVER_ENDPOINT": "https://oauth.bitrix24.tech/rest/",
    "APPLICATION_TOKEN": "ec1b0e1f2a3b4c5d", "APPLICATION_SCOPE": "crm,placement",
    "member_id": "d897a1b2c3d4e5f60718293a4b5c6d7e", "status": "L",
    "PLACEMENT": "CRM_DEAL_DETAIL_TAB",
    "PLACEMENT_OPTIONS": '{"ID":"8061","URI":"/crm/deal/details/8061/?IFRAME=Y&IFRAME_TYPE=SIDE_SLIDER"}',
}


def test_placement_is_parsed():
    p = parse_bitrix_placement(PLACEMENT_FORM)
    assert (p.domain, p.member_id, p.deal_id) == ("xxx.bitrix24.com", PLACEMENT_FORM["member_id"], "8061")
    assert p.auth_id == PLACEMENT_FORM["AUTH_ID"] and p.application_token == "ec1b0e1f2a3b4c5d"
    assert PLACEMENT_FORM["AUTH_ID"] not in repr(p)


@pytest.mark.parametrize("over, deal_id", [
    ({"PLACEMENT_OPTIONS": '{"ID": 8061}'}, "8061"),
    ({"PLACEMENT_OPTIONS": ['{"ID":"8061"}', '{"ID":"8061"}']}, "8061"),  # repeated, same value
    ({"DOMAIN": "https://crm.company.ru:8443/"}, "8061"),
])
def test_placement_variants(over, deal_id):
    assert parse_bitrix_placement({**PLACEMENT_FORM, **over}).deal_id == deal_id


@pytest.mark.parametrize("over, message", [
    ({"PLACEMENT": "CRM_LEAD_DETAIL_TAB"}, "PLACEMENT"),
    ({"PLACEMENT": None}, "PLACEMENT"),
    ({"PLACEMENT_OPTIONS": None}, "PLACEMENT_OPTIONS is missing"),
    ({"PLACEMENT_OPTIONS": "{ID: 8061"}, "not valid JSON"),
    ({"PLACEMENT_OPTIONS": '["8061"]'}, "not a JSON object"),
    ({"PLACEMENT_OPTIONS": '{"URI": "/crm/deal/details/8061/"}'}, "ID"),
    ({"PLACEMENT_OPTIONS": '{"ID": "8061 OR 1=1"}'}, "ID"),
    ({"PLACEMENT_OPTIONS": '{"ID": -1}'}, "ID"),
    ({"PLACEMENT_OPTIONS": '{"ID": true}'}, "ID"),
    ({"PLACEMENT_OPTIONS": "[" * 100_000}, "PLACEMENT_OPTIONS"),
    ({"DOMAIN": None}, "DOMAIN"),
    ({"DOMAIN": "evil domain"}, "DOMAIN"),
    ({"DOMAIN": "evil.com/path"}, "DOMAIN"),
    ({"member_id": ""}, "member_id"),
    ({"AUTH_ID": None}, "AUTH_ID"),
    ({"AUTH_ID": "tok en"}, "AUTH_ID"),
    ({"PLACEMENT_OPTIONS": ['{"ID":"1"}', '{"ID":"2"}']}, "conflicting"),
])
def test_malformed_placement_raises_clear_error(over, message):
    form = {k: v for k, v in {**PLACEMENT_FORM, **over}.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        parse_bitrix_placement(form)


# --------------------------------------------------------------------------- amoCRM webhooks


# The captured add_message body of §1.10 (bound to a contact: element_type 1).
AMO_MESSAGE_CONTACT = {
    "message[add][0][id]": "046d4af1-1c3e-473b-b49d-69b0d98a36fa",
    "message[add][0][chat_id]": "5df92b4c-936a-4ff3-8c02-690f50066811",
    "message[add][0][author][id]": "b252c0ac-0000-0000-0000-000000000000",
    "message[add][0][author][name]": "Yota Интернет",
    "message[add][0][text]": "Sebi",
    "message[add][0][created_at]": "1582015636",
    "message[add][0][origin]": "ru.oxem.wa",
    "message[add][0][attachment][type]": "",
    "message[add][0][attachment][link]": "",
    "message[add][0][element_id]": "7067067",
    "message[add][0][element_type]": "1",
    "account[subdomain]": "mrlambert1",
    "account[id]": "28802872",
}
AMO_MESSAGE_LEAD = {
    **AMO_MESSAGE_CONTACT,
    "message[add][0][talk_id]": "100", "message[add][0][contact_id]": "93589657",
    "message[add][0][type]": "incoming",
    "message[add][0][element_type]": "2", "message[add][0][entity_type]": "lead",
    "message[add][0][element_id]": "28455849", "message[add][0][entity_id]": "28455849",
}


def _wire(pairs) -> dict:
    """Form pairs → urlencoded body → parsed back, the way the server receives them."""
    return flatten_form(parse_qsl(urlencode(pairs), keep_blank_values=True))


def _events(form):
    return [(e.kind, e.deal_id, e.account, e.status_id, e.pipeline_id) for e in parse_amocrm_webhook(form)]


AMO_CASES = [
    ("status-documented", _wire(AMO_STATUS_PAIRS),
     [("deal_status", "10701093", "apfitness", "142", "9217056")]),
    ("update", {"leads[update][0][id]": "201", "leads[update][0][name]": "Сделка",
                "account[subdomain]": "mybiz", "account[id]": "1000001"},
     [("deal_update", "201", "mybiz", None, None)]),
    ("add-two", {"leads[add][0][id]": "301", "leads[add][1][id]": "302", "account[subdomain]": "mybiz"},
     [("deal_add", "301", "mybiz", None, None), ("deal_add", "302", "mybiz", None, None)]),
    ("update-and-status", {"leads[update][0][id]": "5", "leads[status][0][id]": "5",
                           "leads[status][0][status_id]": "143", "account[subdomain]": "x1"},
     [("deal_update", "5", "x1", None, None), ("deal_status", "5", "x1", "143", None)]),
    ("account-id-only", {"leads[update][0][id]": "201", "account[id]": "1000001"},
     [("deal_update", "201", "1000001", None, None)]),
    ("note-add", {"leads[note][0][note][element_id]": "202", "leads[note][0][note][element_type]": "2",
                  "leads[note][0][note][note_type]": "4", "leads[note][0][note][text]": "Позвонил, ждёт КП",
                  "account[subdomain]": "mybiz", "account[id]": "1000001"},
     [("note_add", "202", "mybiz", None, None)]),
    ("note-add-flat", {"leads[note][0][element_id]": "203", "account[subdomain]": "mybiz"},
     [("note_add", "203", "mybiz", None, None)]),
    ("note-on-contact", {"leads[note][0][note][element_id]": "9", "leads[note][0][note][element_type]": "1",
                         "account[subdomain]": "mybiz"}, []),
    ("message-documented-contact", AMO_MESSAGE_CONTACT, []),
    ("message-lead", AMO_MESSAGE_LEAD, [("message_add", "28455849", "mrlambert1", None, None)]),
    ("message-entity-only", {"message[add][0][entity_id]": "105105", "message[add][0][entity_type]": "lead",
                             "account[subdomain]": "acme"}, [("message_add", "105105", "acme", None, None)]),
    ("message-untyped", {"message[add][0][element_id]": "7067067", "account[subdomain]": "acme"}, []),
    ("message-contradictory", {**AMO_MESSAGE_LEAD, "message[add][0][element_type]": "1"}, []),
    ("empty", {}, []),
    ("garbage", {"foo": "bar", "leads": "1", "leads[hack][0][id]": "1", "leads[status][0][id][x]": "1",
                 "leads[status][a][id]": "1", "account[subdomain]": "acme"}, []),
    ("contacts-only", {"contacts[update][0][id]": "77", "account[subdomain]": "acme"}, []),
]


@pytest.mark.parametrize("form, expected", [c[1:] for c in AMO_CASES], ids=[c[0] for c in AMO_CASES])
def test_amocrm_webhook_events(form, expected):
    assert _events(form) == expected


def test_amocrm_webhook_event_fields():
    (event,) = parse_amocrm_webhook(_wire(AMO_STATUS_PAIRS + [("account[id]", "17769199")]))
    assert (event.crm, event.account_id, event.application_token) == ("amocrm", "17769199", None)


@pytest.mark.parametrize("form, message", [
    ({"leads[status][0][id]": "abc", "account[subdomain]": "acme"}, "numeric id"),
    ({"leads[status][0][id]": "", "account[subdomain]": "acme"}, "numeric id"),
    ({"leads[status][0][id]": "0", "account[subdomain]": "acme"}, "numeric id"),
    ({"leads[status][0][id]": "1", "leads[status][0][status_id]": "won", "account[subdomain]": "acme"}, "status_id"),
    ({"leads[status][0][id]": "1"}, "no account"),
    ({"leads[status][0][id]": "1", "account[subdomain]": "evil.com/x"}, "subdomain"),
    ({"leads[status][0][id]": "1", "account[subdomain]": "acme", "account[id]": "-5"}, "account"),
    ({"leads[status][0][id]": ["1", "2"], "account[subdomain]": "acme"}, "conflicting"),
    ({**AMO_MESSAGE_LEAD, "message[add][0][entity_id]": "1"}, "different deals"),
    ({"message[add][0][element_id]": "", "message[add][0][element_type]": "2", "account[subdomain]": "a"},
     "no element_id"),
])
def test_forged_amocrm_webhook_raises_clear_error(form, message):
    with pytest.raises(ValueError, match=message):
        parse_amocrm_webhook(form)


def test_flatten_form_keeps_repeated_keys():
    form = flatten_form([("a", "1"), ("b", "2"), ("a", "1"), ("a", "3"), ("f", object())])
    assert form == {"a": ["1", "1", "3"], "b": "2"}
    same = flatten_form([("leads[update][0][id]", "9"), ("leads[update][0][id]", "9"),
                         ("account[subdomain]", "acme")])
    assert _events(same) == [("deal_update", "9", "acme", None, None)]


# --------------------------------------------------------------------------- Bitrix24 events

# crm_formats.md §2.10, flattened the way the queue server posts it.
BITRIX_UPDATE = {
    "event": "ONCRMDEALUPDATE", "event_handler_id": "201",
    "data[FIELDS][ID]": "759", "ts": "1736405807",
    "auth[access_token]": "s6p6eclrzjrtonk2m3hta9kssk7f5rz9",
    "auth[expires_in]": "3600", "auth[scope]": "crm",
    "auth[domain]": "some-domain.bitrix24.com",
    "auth[server_endpoint]": "https://oauth.bitrix24.tech/rest/", "auth[status]": "F",
    "auth[client_endpoint]": "https://some-domain.bitrix24.com/rest/",
    "auth[member_id]": "a223c6b3710f85df22e9377d6c4f7553",
    "auth[refresh_token]": "4s386p3q0tr8dy89xvmt96234v3dljg8",
    "auth[application_token]": "51856fefc120afa4b628cc82d3935cce",
}


def test_bitrix_deal_update_event():
    event = parse_bitrix_event(_wire(list(BITRIX_UPDATE.items())))
    assert (event.kind, event.deal_id, event.account, event.crm) == (
        "deal_update", "759", "some-domain.bitrix24.com", "bitrix24")
    assert event.member_id == "a223c6b3710f85df22e9377d6c4f7553"
    assert verify_bitrix_app_token(event.application_token, "51856fefc120afa4b628cc82d3935cce")
    assert not verify_bitrix_app_token(event.application_token, "0" * 32)
    assert "51856fefc120afa4b628cc82d3935cce" not in repr(event)


@pytest.mark.parametrize("over, kind", [
    ({"event": "ONCRMDEALADD"}, "deal_add"),
    ({"event": "oncrmdealupdate"}, "deal_update"),
    ({"event": "ONCRMLEADUPDATE"}, None),
    ({"event": "ONAPPINSTALL"}, None),
    ({"event": None}, None),
])
def test_bitrix_event_kinds(over, kind):
    form = {k: v for k, v in {**BITRIX_UPDATE, **over}.items() if v is not None}
    event = parse_bitrix_event(form)
    assert (event.kind if event else None) == kind


def test_bitrix_event_without_token_fails_verification():
    form = {k: v for k, v in BITRIX_UPDATE.items() if k != "auth[application_token]"}
    event = parse_bitrix_event(form)
    assert event.application_token is None
    assert not verify_bitrix_app_token(event.application_token, "51856fefc120afa4b628cc82d3935cce")


@pytest.mark.parametrize("over, message", [
    ({"data[FIELDS][ID]": None}, "data\\[FIELDS\\]\\[ID\\]"),
    ({"data[FIELDS][ID]": "759; DROP"}, "numeric id"),
    ({"auth[domain]": None}, "auth\\[domain\\]"),
    ({"auth[domain]": "evil domain"}, "auth\\[domain\\]"),
    ({"auth[member_id]": "a b"}, "member_id"),
    ({"data[FIELDS][ID]": ["759", "760"]}, "conflicting"),
])
def test_forged_bitrix_event_raises_clear_error(over, message):
    form = {k: v for k, v in {**BITRIX_UPDATE, **over}.items() if v is not None}
    with pytest.raises(ValueError, match=message):
        parse_bitrix_event(form)
