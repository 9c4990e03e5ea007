"""CRM clients (api/clients) against local fake amoCRM and Bitrix24 servers."""

from __future__ import annotations

import logging
import time
from datetime import datetime

import httpx
import pytest

from api.clients import CrmAuthError, CrmError, CrmNotFoundError, backoff_delay
from api.clients.amocrm import AmoClient
from api.clients.bitrix24 import Bitrix24Client, php_query
from tests.fake_crm import (
    PERIOD_END,
    PERIOD_START,
    AmoFake,
    BitrixFake,
    LiveServer,
    max_in_window,
    parse_php_query,
)


class RecordingTransport(httpx.HTTPTransport):
    """The real transport, remembering where every request went."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[httpx.URL] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(request.url)
        return super().handle_request(request)


class Sleeps(list):
    """A `sleep` that only records how long it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def only_local(transport: RecordingTransport, server: LiveServer) -> bool:
    return bool(transport.urls) and all(
        (url.scheme, url.host, url.port) == ("http", "127.0.0.1", server.port)
        for url in transport.urls)


# -- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def amo_live():
    fake = AmoFake()
    with LiveServer(fake.app) as server:
        yield fake, server


@pytest.fixture
def amo(amo_live):
    fake, _ = amo_live
    fake.reset()
    return fake


@pytest.fixture
def amo_client(amo_live):
    """A client with recorded (not real) sleeps: its rate limiter cannot really wait, so
    the server's own limit is off (the real-time limit is tested with `amo_pull`)."""
    fake, server = amo_live
    fake.reset()
    fake.limit_per_second = None
    sleeps, transport = Sleeps(), RecordingTransport()
    client = AmoClient(server.url, fake.token, transport=transport, sleep=sleeps)
    client.sleeps, client.transport = sleeps, transport
    yield client
    client.close()


@pytest.fixture(scope="module")
def amo_pull(amo_live):
    """One real-time period pull (real sleep, 7 rps): shared by several tests."""
    fake, server = amo_live
    fake.reset()
    transport = RecordingTransport()
    started = time.monotonic()
    with AmoClient(server.url, fake.token, transport=transport) as client:
        bundles = list(client.bundles(PERIOD_START, PERIOD_END))
    elapsed = time.monotonic() - started
    pull = {"bundles": bundles, "requests": list(fake.requests), "urls": transport.urls,
            "elapsed": elapsed, "transport": transport}
    fake.reset()
    return pull


@pytest.fixture(scope="module")
def bx_live():
    fake = BitrixFake()
    with LiveServer(fake.app) as server:
        yield fake, server


@pytest.fixture
def bx(bx_live):
    fake, _ = bx_live
    fake.reset()
    return fake


def webhook(fake: BitrixFake, server: LiveServer) -> str:
    return f"{server.url}/rest/1/{fake.code}/"


@pytest.fixture
def bx_client(bx_live):
    fake, server = bx_live
    fake.reset()
    sleeps, transport = Sleeps(), RecordingTransport()
    client = Bitrix24Client(webhook(fake, server), transport=transport, sleep=sleeps)
    client.sleeps, client.transport = sleeps, transport
    yield client
    client.close()


# -- shared helpers ---------------------------------------------------------------------


@pytest.mark.parametrize(("attempt", "retry_after", "expected"), [
    (0, None, 1.0), (1, None, 2.0), (3, None, 8.0), (10, None, 60.0),
    (0, "3", 3.0), (2, "0", 0.0), (0, "чепуха", 1.0), (0, "900", 60.0),
])
def test_backoff_delay(attempt, retry_after, expected):
    assert backoff_delay(attempt, retry_after) == expected


def test_php_query_round_trip():
    params = {"filter": {"ENTITY_TYPE": "deal", ">=DATE_MODIFY": "2026-11-01T00:00:00+03:00"},
              "select": ["*", "COMMUNICATIONS"], "entityTypeId": 2}
    assert parse_php_query(php_query(params)) == {
        "filter": {"ENTITY_TYPE": "deal", ">=DATE_MODIFY": "2026-11-01T00:00:00+03:00"},
        "select": ["*", "COMMUNICATIONS"], "entityTypeId": "2"}


def test_naive_datetime_is_refused(amo_client):
    with pytest.raises(ValueError):
        list(amo_client.lead_ids(datetime(2026, 11, 1), PERIOD_END))


# -- amoCRM -----------------------------------------------------------------------------


def test_amo_period_pull_returns_full_bundles(amo_pull, amo):
    data = amo.data
    bundles = {b["lead"]["id"]: b for b in amo_pull["bundles"]}
    assert sorted(bundles) == [4101, 4102, 4103]  # 4099 was updated before the period
    for lead_id, bundle in bundles.items():
        lead = data["leads"][lead_id]
        assert list(bundle) == ["lead", "contacts", "notes", "tasks", "events", "account",
                                "pipelines"]
        assert bundle["lead"] == lead  # with=contacts: _embedded.contacts present
        assert [c["id"] for c in bundle["contacts"]] == \
            [c["id"] for c in lead["_embedded"]["contacts"]]
        assert bundle["notes"] == data["notes"].get(lead_id, [])
        assert bundle["tasks"] == [t for t in data["tasks"] if t["entity_id"] == lead_id]
        assert bundle["events"] == [e for e in data["events"] if e["entity_id"] == lead_id]
        assert bundle["account"] == {"subdomain": "romashka", "id": 28847170,
                                     "timezone": "Europe/Moscow"}
        assert bundle["pipelines"] == data["pipelines"]
    assert bundles[4101]["contacts"][1]["name"] == "Ольга Смирнова"


def test_amo_pull_follows_pages_and_respects_list_limits(amo_pull):
    requests = amo_pull["requests"]
    leads_pages = [r.params.get("page", "1") for r in requests if r.method == "/api/v4/leads"]
    assert leads_pages == ["1", "2"]
    note_pages = [r.params.get("page", "1") for r in requests
                  if r.method == "/api/v4/leads/4101/notes"]
    assert note_pages == ["1", "2"]
    events = [r for r in requests if r.method == "/api/v4/events"]
    assert events and all(r.params["limit"] == "100" for r in events)
    others = [r for r in requests if r.method in ("/api/v4/leads", "/api/v4/tasks")]
    assert all(r.params["limit"] == "250" for r in others)
    # account and pipelines are fetched once per client, not once per lead
    assert sum(r.method == "/api/v4/leads/pipelines" for r in requests) == 1
    assert sum(r.method == "/api/v4/account" for r in requests) == 1


def test_amo_never_exceeds_7_requests_per_second(amo_pull):
    arrivals = [r.at for r in amo_pull["requests"]]
    assert len(arrivals) > 14  # enough traffic for the limiter to matter
    assert max_in_window(arrivals, 1.0) <= 7
    assert 429 not in [r.status for r in amo_pull["requests"]]
    assert amo_pull["elapsed"] >= (len(arrivals) - 7) / 7 - 0.05


def test_amo_only_talks_to_fake_server(amo_pull, amo_live):
    assert only_local(amo_pull["transport"], amo_live[1])


def test_amo_429_burst_is_retried_then_succeeds(amo, amo_client):
    amo.throttle.extend(["2", None, None])
    ids = list(amo_client.lead_ids(PERIOD_START, PERIOD_END))
    assert ids == [4101, 4102, 4103]
    assert amo.statuses[:3] == [429, 429, 429]
    assert amo_client.sleeps == [2.0, 2.0, 4.0]  # Retry-After, then exponential


def test_amo_429_without_end_gives_up(amo, amo_live):
    fake, server = amo_live
    fake.throttle.extend([None] * 10)
    sleeps = Sleeps()
    with AmoClient(server.url, fake.token, sleep=sleeps, max_retries=2) as client:
        with pytest.raises(CrmError) as caught:
            list(client.lead_ids(PERIOD_START, PERIOD_END))
    assert not isinstance(caught.value, CrmAuthError)
    assert len(fake.requests) == 3 and sleeps == [1.0, 2.0]


@pytest.mark.parametrize("status", [401, 403])
def test_amo_auth_failure_stops_at_once(amo, amo_client, status):
    amo.fail = (status, "")
    with pytest.raises(CrmAuthError) as caught:
        list(amo_client.bundles(PERIOD_START, PERIOD_END))
    assert str(caught.value) == f"amoCRM отклонил токен ({status})"
    assert len(amo.requests) == 1 and amo_client.sleeps == []
    assert amo.token not in str(caught.value)


def test_amo_wrong_token_is_auth_error(amo, amo_live):
    _, server = amo_live
    with AmoClient(server.url, "not-the-token", sleep=Sleeps()) as client:
        with pytest.raises(CrmAuthError):
            client.deal_bundle(4101)
    assert len(amo.requests) == 1
    with pytest.raises(CrmAuthError):  # refused before any request
        AmoClient(server.url, "токен\n")
    assert len(amo.requests) == 1


def test_amo_204_is_an_empty_result(amo, amo_client):
    empty = datetime(2020, 1, 1, tzinfo=PERIOD_START.tzinfo)
    assert list(amo_client.lead_ids(empty, empty)) == []
    assert amo.statuses == [204]
    bundle = amo_client.deal_bundle(4102)  # no notes, no tasks: both lists answer 204
    assert bundle["notes"] == [] and bundle["tasks"] == []
    notes = [r for r in amo.requests if r.method == "/api/v4/leads/4102/notes"]
    assert [r.status for r in notes] == [204]


def test_amo_missing_lead_is_not_found(amo, amo_client):
    with pytest.raises(CrmNotFoundError):
        amo_client.deal_bundle(1)


def test_amo_next_link_to_other_host_stays_on_our_server(amo, amo_client, amo_live):
    amo.next_host = "evil.example.com"
    ids = list(amo_client.lead_ids(PERIOD_START, PERIOD_END))
    assert ids == [4101, 4102, 4103]
    assert only_local(amo_client.transport, amo_live[1])


def test_amo_token_never_logged(amo, amo_client, caplog):
    caplog.set_level(logging.DEBUG)
    amo.throttle.extend([None])
    amo_client.deal_bundle(4103)
    assert "повтор" in caplog.text
    assert amo.token not in caplog.text


# -- Bitrix24 ---------------------------------------------------------------------------


def test_bitrix_deal_ids_follow_next_over_all_pages(bx, bx_client):
    ids = list(bx_client.deal_ids(PERIOD_START, PERIOD_END))
    assert ids == [str(n) for n in range(1, 121)]  # 121..125 were modified before
    starts = [r.params.get("start") for r in bx.calls("crm.deal.list")]
    assert starts == [0, 50, 100]
    first = bx.calls("crm.deal.list")[0].params
    assert first["select"] == ["ID"]
    assert first["filter"] == {">=DATE_MODIFY": "2026-11-01T00:00:00+03:00",
                               "<=DATE_MODIFY": "2026-11-30T23:59:59+03:00"}


def test_bitrix_period_pull_returns_full_bundles_via_batch(bx, bx_client, bx_live):
    data = bx.data
    bundles = list(bx_client.bundles(PERIOD_START, PERIOD_END))
    assert [b["deal"]["ID"] for b in bundles] == [str(n) for n in range(1, 121)]
    for bundle in bundles:
        deal_id = bundle["deal"]["ID"]
        assert list(bundle) == ["deal", "contacts", "comments", "activities", "stagehistory",
                                "stages", "requisites"]
        assert bundle["deal"] == data["deals"][deal_id]
        assert [c["ID"] for c in bundle["contacts"]] == expected_contacts(data, deal_id)
        assert bundle["comments"] == data["comments"][deal_id]
        assert bundle["activities"] == [a for a in data["activities"]
                                        if a["OWNER_ID"] == deal_id]
        assert bundle["stagehistory"] == [h for h in data["stagehistory"]
                                          if str(h["OWNER_ID"]) == deal_id]
        entity = "DEAL_STAGE" if bundle["deal"]["CATEGORY_ID"] == "0" else "DEAL_STAGE_1"
        assert [s["ENTITY_ID"] for s in bundle["stages"]] == [entity] * 4
    assert len(bundles[0]["comments"]) == 60  # 50 in the batch + one `start=50` page
    assert [r.params["start"] for r in bx.calls("crm.timeline.comment.list")] == [50]
    assert bundles[4]["contacts"] and not data["contact_items"]["5"]  # CONTACT_ID fallback
    batches = bx.calls("batch")
    assert all(len(b.batch) <= 50 for b in batches)
    assert sum(b.batch == ["crm.deal.get", "crm.deal.contact.items.get",
                           "crm.timeline.comment.list", "crm.activity.list",
                           "crm.stagehistory.list"] for b in batches) == 120
    assert sum(b.batch.count("crm.status.list") for b in batches) == 2  # once per pipeline
    assert not bx.calls("crm.deal.get")  # never one call per part
    assert only_local(bx_client.transport, bx_live[1])


def expected_contacts(data: dict, deal_id: str) -> list[str]:
    items = data["contact_items"][deal_id]
    if items:
        return [str(row["CONTACT_ID"]) for row in items]
    contact_id = data["deals"][deal_id]["CONTACT_ID"]
    return [contact_id] if contact_id else []


@pytest.mark.parametrize("status", [503, 200])
def test_bitrix_query_limit_exceeded_is_retried(bx, bx_client, status):
    bx.limit_status = status  # 503 as documented; 200 checks the error-body path
    bx.throttle.extend([None, None])
    bundle = bx_client.deal_bundle("2")
    assert bundle["deal"]["ID"] == "2"
    assert bx.statuses[:3] == [status, status, 200]
    assert bx_client.sleeps == [1.0, 2.0]


def test_bitrix_leaky_bucket_burst_is_absorbed(bx_live):
    fake, server = bx_live
    fake.reset()
    fake.burst, fake.drain_per_second = 3, 20.0
    try:
        with Bitrix24Client(webhook(fake, server),
                            sleep=lambda s: time.sleep(s / 20)) as client:
            bundles = [client.deal_bundle(str(n)) for n in (1, 2, 3, 4)]
    finally:
        fake.burst = None
    assert [b["deal"]["ID"] for b in bundles] == ["1", "2", "3", "4"]
    assert 503 in fake.statuses and fake.statuses[-1] == 200


def test_bitrix_query_limit_without_end_gives_up(bx, bx_live):
    _, server = bx_live
    bx.throttle.extend([None] * 10)
    sleeps = Sleeps()
    with Bitrix24Client(webhook(bx, server), sleep=sleeps, max_retries=2) as client:
        with pytest.raises(CrmError) as caught:
            client.deal_bundle("2")
    assert "QUERY_LIMIT_EXCEEDED" in str(caught.value)
    assert len(bx.requests) == 3 and sleeps == [1.0, 2.0]


@pytest.mark.parametrize(("status", "code"), [
    (401, "expired_token"), (401, "invalid_token"), (401, "NO_AUTH_FOUND"),
    (200, "expired_token"), (401, ""),
])
def test_bitrix_auth_errors_raise_at_once(bx, bx_client, status, code):
    bx.fail = (status, code)
    with pytest.raises(CrmAuthError) as caught:
        list(bx_client.bundles(PERIOD_START, PERIOD_END))
    assert len(bx.requests) == 1 and bx_client.sleeps == []
    assert bx.code not in str(caught.value)


def test_bitrix_wrong_webhook_code_is_auth_error(bx, bx_live):
    _, server = bx_live
    with Bitrix24Client(f"{server.url}/rest/1/wrongcode/", sleep=Sleeps()) as client:
        with pytest.raises(CrmAuthError):
            client.deal_bundle("1")


def test_bitrix_oauth_token_goes_in_body(bx, bx_live):
    _, server = bx_live
    with Bitrix24Client(f"{server.url}/rest/", auth=bx.oauth_token, sleep=Sleeps()) as client:
        assert client.deal_bundle("3")["deal"]["ID"] == "3"
    assert all(r.params.get("auth") == bx.oauth_token for r in bx.requests)
    with Bitrix24Client(f"{server.url}/rest/", auth="просрочен", sleep=Sleeps()) as client:
        with pytest.raises(CrmAuthError):
            client.deal_bundle("3")


def test_bitrix_missing_deal_is_not_found(bx, bx_client):
    with pytest.raises(CrmNotFoundError):
        bx_client.deal_bundle("99999")
    assert len(bx.requests) == 1


def test_bitrix_webhook_code_never_logged(bx, bx_client, caplog):
    caplog.set_level(logging.DEBUG)
    bx.throttle.extend([None])
    bx_client.deal_bundle("1")
    assert "HTTP Request" in caplog.text and "повтор" in caplog.text
    assert bx.code not in caplog.text


def test_bitrix_bundles_carry_requisites_and_the_adapter_reads_the_inn(bx, bx_client):
    from analyzer.adapters import to_deal

    fake, client = bx, bx_client
    with_inn = without = 0
    for deal_id in list(client.deal_ids(PERIOD_START, PERIOD_END))[:12]:
        bundle = client.deal_bundle(deal_id)
        deal = to_deal("bitrix24", bundle)
        contact_ids = {c["ID"] for c in bundle["contacts"]}
        if any(int(c) % 2 == 0 for c in contact_ids):
            assert [r["RQ_INN"] for r in bundle["requisites"]] and \
                (deal.get("contact") or {}).get("inn") == "7707083893"
            with_inn += 1
        else:
            assert bundle["requisites"] == []
            without += 1
    assert with_inn and without
    assert any("crm.requisite.list" in e.batch for e in fake.calls("batch"))
