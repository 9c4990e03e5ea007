"""Local fake amoCRM API v4 and Bitrix24 REST servers for the CRM client tests.

Each fake is a small Starlette app that replays documented response shapes
(/work/shared/reference/crm_formats.md) with Russian content, paginates like the
real thing, enforces the limits, can be told to fail auth, and logs every request
(arrival time, path, query/body, status). `LiveServer` runs an app with uvicorn
in a background thread on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

MSK = ZoneInfo("Europe/Moscow")
PERIOD_START = datetime(2026, 11, 1, tzinfo=MSK)
PERIOD_END = datetime(2026, 11, 30, 23, 59, 59, tzinfo=MSK)


@dataclass
class Logged:
    """One request as the fake server saw it."""

    at: float  # time.monotonic() on arrival
    method: str  # HTTP path (amoCRM) or REST method name (Bitrix24)
    params: dict[str, Any]
    status: int = 0
    batch: list[str] = field(default_factory=list)  # sub-call methods of a Bitrix batch


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """Largest number of arrivals inside any half-open window of `window` seconds."""
    ordered = sorted(times)
    best, left = 0, 0
    for right, moment in enumerate(ordered):
        while moment - ordered[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best


class LiveServer:
    """An ASGI app served by uvicorn in a daemon thread on 127.0.0.1:<free port>."""

    def __init__(self, app: Any) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # accepted sockets inherit it: no 40 ms Nagle/delayed-ACK stall per answer
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run,
                                        kwargs={"sockets": [self._sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake CRM server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()


class _FakeBase:
    """Request log and failure switches shared by both fakes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget requests and switches (data stays)."""
        with self.lock:
            self.requests: list[Logged] = []
            self.throttle: deque[str | None] = deque()  # one forced limit answer per entry
            self.fail: tuple[int, str] | None = None  # (HTTP status, error code) for all

    def _log(self, method: str, params: dict[str, Any]) -> Logged:
        entry = Logged(time.monotonic(), method, params)
        with self.lock:
            self.requests.append(entry)
        return entry

    def _take_throttle(self) -> tuple[bool, str | None]:
        with self.lock:
            if not self.throttle:
                return False, None
            return True, self.throttle.popleft()

    @property
    def statuses(self) -> list[int]:
        return [entry.status for entry in self.requests]


# == amoCRM =============================================================================


def amo_data() -> dict[str, Any]:
    """Account, pipelines and four leads (three updated in the period, one before)."""
    base = int(PERIOD_START.timestamp())
    pipeline = {
        "id": 3177727, "name": "Воронка", "sort": 1, "is_main": True, "is_unsorted_on": True,
        "is_archive": False, "account_id": 28847170,
        "_embedded": {"statuses": [
            _amo_status(32392156, "Неразобранное", 10, "#c1c1c1", 1),
            _amo_status(32392159, "Первичный контакт", 20, "#99ccff", 0),
            _amo_status(32392162, "Переговоры", 30, "#ffff99", 0),
            _amo_status(142, "Успешно реализовано", 10000, "#CCFF66", 0),
            _amo_status(143, "Закрыто и не реализовано", 11000, "#D5D8DB", 0),
        ]},
    }
    people = [(501, "Иван Петров", "+79161234567"), (502, "Ольга Смирнова", "+79035557788"),
              (503, "Сергей Кузнецов", "+79261112233")]
    leads = [
        _amo_lead(4101, "Поставка оборудования для ООО «Вектор»", base + 3600, 32392162,
                  [501, 502]),
        _amo_lead(4102, "Ремонт офиса на Тверской", base + 7200, 32392159, [503]),
        _amo_lead(4103, "Консультация по договору аренды", base + 86400 * 5, 142, []),
        _amo_lead(4099, "Старая сделка до периода", base - 86400 * 10, 143, [501]),
    ]
    notes = {
        4101: [_amo_note(9001, 4101, "common", {"text": "Клиент просил перезвонить после обеда"}),
               _amo_note(9002, 4101, "call_out", {"duration": 184, "phone": "+79161234567",
                                                  "call_status": 4, "uniq": "c-1"}),
               _amo_note(9003, 4101, "common", {"text": "Отправил коммерческое предложение"})],
        4103: [_amo_note(9010, 4103, "common", {"text": "Договор подписан, оплата получена"})],
    }
    tasks = [_amo_task(7001, 4101, "Перезвонить клиенту по КП", False),
             _amo_task(7002, 4103, "Отправить закрывающие документы", True)]
    events = [
        _amo_event("ev1", 4101, "lead_status_changed", base + 100,
                   [{"lead_status": {"id": 32392156, "pipeline_id": 3177727}}],
                   [{"lead_status": {"id": 32392162, "pipeline_id": 3177727}}]),
        _amo_event("ev2", 4101, "incoming_chat_message", base + 200, [], [{"message": {
            "id": "d5a4677e-8a70-4e0e-bd21-8c857289f38c", "origin": "com.wazzup24.wz",
            "talk_id": 1109}}]),
        _amo_event("ev3", 4101, "outgoing_chat_message", base + 300, [], [{"message": {
            "id": "0f0c1d8e-1f11-4c55-9c0a-1a2b3c4d5e6f", "origin": "com.wazzup24.wz",
            "talk_id": 1109}}]),
        _amo_event("ev4", 4102, "incoming_call", base + 400, [], [{"note": {"id": 9020}}]),
    ]
    return {
        "account": {"id": 28847170, "name": "ООО «Ромашка»", "subdomain": "romashka",
                    "country": "RU", "currency": "RUB", "timezone": "Europe/Moscow"},
        "pipelines": [pipeline],
        "leads": {lead["id"]: lead for lead in leads},
        "contacts": {pid: _amo_contact(pid, name, phone) for pid, name, phone in people},
        "notes": notes, "tasks": tasks, "events": events,
    }


def _amo_status(sid: int, name: str, sort: int, color: str, kind: int) -> dict[str, Any]:
    return {"id": sid, "name": name, "sort": sort, "is_editable": sid not in (142, 143),
            "pipeline_id": 3177727, "color": color, "type": kind}


def _amo_lead(lid: int, name: str, updated: int, status: int,
              contacts: list[int]) -> dict[str, Any]:
    return {
        "id": lid, "name": name, "price": 150000, "responsible_user_id": 504141, "group_id": 0,
        "status_id": status, "pipeline_id": 3177727, "loss_reason_id": None, "source_id": None,
        "created_by": 504141, "updated_by": 504141, "created_at": updated - 86400,
        "updated_at": updated, "closed_at": updated if status in (142, 143) else None,
        "closest_task_at": None, "is_deleted": False, "custom_fields_values": None,
        "score": None, "account_id": 28847170, "is_price_modified_by_robot": False,
        "_links": {"self": {"href": f"https://romashka.amocrm.ru/api/v4/leads/{lid}"}},
        "_embedded": {"tags": [{"id": 100667, "name": "сайт", "color": None}], "companies": [],
                      "contacts": [{"id": cid, "is_main": i == 0} for i, cid in
                                   enumerate(contacts)]},
    }


def _amo_contact(cid: int, name: str, phone: str) -> dict[str, Any]:
    first, last = name.split()
    return {
        "id": cid, "name": name, "first_name": first, "last_name": last,
        "responsible_user_id": 504141, "group_id": 0, "created_by": 504141,
        "updated_by": 504141, "created_at": 1759572000, "updated_at": 1759572000,
        "closest_task_at": None, "is_deleted": False, "is_unsorted": False,
        "custom_fields_values": [{"field_id": 178382, "field_name": "Телефон",
                                  "field_code": "PHONE", "field_type": "multitext",
                                  "values": [{"value": phone, "enum_id": 126290,
                                              "enum_code": "MOB"}]}],
        "account_id": 28847170, "_embedded": {"tags": [], "companies": []},
    }


def _amo_note(nid: int, lead_id: int, kind: str, params: dict[str, Any]) -> dict[str, Any]:
    return {"id": nid, "entity_id": lead_id, "created_by": 504141, "updated_by": 504141,
            "created_at": 1762000000 + nid, "updated_at": 1762000000 + nid,
            "responsible_user_id": 504141, "group_id": 0, "note_type": kind, "params": params,
            "account_id": 28847170}


def _amo_task(tid: int, lead_id: int, text: str, done: bool) -> dict[str, Any]:
    return {"id": tid, "created_by": 504141, "updated_by": 504141, "created_at": 1762000000,
            "updated_at": 1762000500, "responsible_user_id": 504141, "group_id": 0,
            "entity_id": lead_id, "entity_type": "leads", "duration": 0, "is_completed": done,
            "task_type_id": 1, "text": text,
            "result": {"text": "Сделано"} if done else [], "complete_till": 1762100000,
            "account_id": 28847170}


def _amo_event(eid: str, lead_id: int, kind: str, at: int, before: list,
               after: list) -> dict[str, Any]:
    return {"id": eid, "type": kind, "entity_id": lead_id, "entity_type": "lead",
            "created_by": 504141, "created_at": at, "value_before": before,
            "value_after": after, "account_id": 28847170,
            "_embedded": {"entity": {"id": lead_id}}}


class AmoFake(_FakeBase):
    """amoCRM API v4: Bearer auth, > `limit_per_second` arrivals in a sliding second → 429.

    `page_cap` shrinks pages (the client still asks for 250) so small data spans pages;
    `next_host` puts a foreign host into `_links.next` (the client must not follow it)."""

    def __init__(self, token: str = "amo-test-token-XYZ", *, page_cap: int = 2,
                 limit_per_second: int | None = 7) -> None:
        self.token = token
        self.page_cap = page_cap
        self.default_limit = limit_per_second
        self.data = amo_data()
        self.next_host: str | None = None
        super().__init__()
        self.app = Starlette(routes=[
            Route("/api/v4/account", self._guard(self._account)),
            Route("/api/v4/leads", self._guard(self._leads)),
            Route("/api/v4/leads/pipelines", self._guard(self._pipelines)),
            Route("/api/v4/leads/{lead_id:int}", self._guard(self._lead)),
            Route("/api/v4/leads/{lead_id:int}/notes", self._guard(self._notes)),
            Route("/api/v4/contacts/{contact_id:int}", self._guard(self._contact)),
            Route("/api/v4/tasks", self._guard(self._tasks)),
            Route("/api/v4/events", self._guard(self._events)),
        ])

    def reset(self) -> None:
        super().reset()
        self.next_host = None
        self.limit_per_second = self.default_limit

    @property
    def arrivals(self) -> list[float]:
        return [entry.at for entry in self.requests]

    def _guard(self, handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            entry = self._log(request.url.path, dict(request.query_params))
            response = self._refusal(request, entry.at) or handler(request)
            entry.status = response.status_code
            return response
        return endpoint

    def _refusal(self, request: Request, now: float) -> Response | None:
        if self.fail:
            return _problem(self.fail[0], self.fail[1] or "Доступ запрещён")
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _problem(401, "Unauthorized")
        forced, retry_after = self._take_throttle()
        recent = sum(1 for t in self.arrivals if now - t < 1.0)
        if forced or (self.limit_per_second and recent > self.limit_per_second):
            headers = {"Retry-After": retry_after} if retry_after else {}
            return Response(status_code=429, headers=headers)
        return None

    def _account(self, request: Request) -> Response:
        return JSONResponse(self.data["account"])

    def _pipelines(self, request: Request) -> Response:
        return self._page(request, self.data["pipelines"], "pipelines")

    def _leads(self, request: Request) -> Response:
        query = request.query_params
        low = int(query.get("filter[updated_at][from]", 0))
        high = int(query.get("filter[updated_at][to]", 2**40))
        leads = sorted((lead for lead in self.data["leads"].values()
                        if low <= lead["updated_at"] <= high), key=lambda lead: lead["id"])
        return self._page(request, [_without_contacts(lead) for lead in leads], "leads")

    def _lead(self, request: Request) -> Response:
        lead = self.data["leads"].get(request.path_params["lead_id"])
        if lead is None:
            return Response(status_code=204)
        if "contacts" not in request.query_params.get("with", ""):
            lead = _without_contacts(lead)
        return JSONResponse(lead)

    def _notes(self, request: Request) -> Response:
        return self._page(request, self.data["notes"].get(request.path_params["lead_id"], []),
                          "notes")

    def _contact(self, request: Request) -> Response:
        contact = self.data["contacts"].get(request.path_params["contact_id"])
        return JSONResponse(contact) if contact else Response(status_code=204)

    def _tasks(self, request: Request) -> Response:
        query = request.query_params
        wanted = _amo_ids(query, "filter[entity_id]")
        tasks = [task for task in self.data["tasks"]
                 if query.get("filter[entity_type]", task["entity_type"]) == task["entity_type"]
                 and (not wanted or task["entity_id"] in wanted)]
        return self._page(request, tasks, "tasks")

    def _events(self, request: Request) -> Response:
        query = request.query_params
        wanted = _amo_ids(query, "filter[entity_id]")
        if wanted and "filter[entity]" not in query:
            return _problem(400, "filter[entity_id] требует filter[entity]")
        events = [event for event in self.data["events"]
                  if query.get("filter[entity]", event["entity_type"]) == event["entity_type"]
                  and (not wanted or event["entity_id"] in wanted)]
        return self._page(request, events, "events", max_limit=100)

    def _page(self, request: Request, items: list[dict], key: str,
              max_limit: int = 250) -> Response:
        """HAL page: `limit` ≤ max_limit (else 400), 204 when the page is empty."""
        limit = int(request.query_params.get("limit", 50))
        if limit > max_limit:
            return _problem(400, f"limit не может быть больше {max_limit}")
        page = int(request.query_params.get("page", 1))
        size = min(limit, self.page_cap)
        chunk = items[(page - 1) * size:page * size]
        if not chunk:
            return Response(status_code=204)
        links = {"self": {"href": str(request.url)},
                 "first": {"href": self._href(request, 1)}}
        if page > 1:
            links["prev"] = {"href": self._href(request, page - 1)}
        if page * size < len(items):
            links["next"] = {"href": self._href(request, page + 1)}
        return JSONResponse({"_page": page, "_links": links, "_embedded": {key: chunk}})

    def _href(self, request: Request, page: int) -> str:
        url = request.url.include_query_params(page=page)
        if self.next_host:
            url = url.replace(scheme="https", netloc=self.next_host)
        return str(url)


def _without_contacts(lead: dict[str, Any]) -> dict[str, Any]:
    embedded = {k: v for k, v in lead["_embedded"].items() if k != "contacts"}
    return {**lead, "_embedded": embedded}


def _amo_ids(query: Any, key: str) -> set[int]:
    return {int(v) for v in query.getlist(key) + query.getlist(key + "[]")}


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"title": "Ошибка", "type": f"https://httpstatus.es/{status}",
                         "status": status, "detail": detail}, status_code=status)


# == Bitrix24 ===========================================================================


class BxError(Exception):
    """A REST error answer: HTTP status and {"error", "error_description"}."""

    def __init__(self, status: int, code: str, description: str = "") -> None:
        super().__init__(code)
        self.status, self.code, self.description = status, code, description


def bitrix_data(in_period: int = 120, before: int = 5) -> dict[str, Any]:
    """Deals 1..in_period modified in the period (then `before` older ones) with parts.

    Deal 1 has 60 comments (two pages); every third deal is in pipeline 1; every
    fifth keeps only the deprecated CONTACT_ID; every seventh has no contact."""
    deals, items, comments, activities, history = {}, {}, {}, [], []
    for n in range(1, in_period + before + 1):
        modified = PERIOD_START + timedelta(hours=5 * n) if n <= in_period else \
            PERIOD_START - timedelta(days=n)
        deal = _bx_deal(n, modified)
        deals[str(n)] = deal
        contact_ids = [] if n % 7 == 0 else [1000 + n % 9, 1000 + (n + 1) % 9][: 1 + n % 2]
        deal["CONTACT_ID"] = str(contact_ids[0]) if contact_ids else None
        items[str(n)] = [] if n % 5 == 0 else [
            {"CONTACT_ID": cid, "SORT": 10 * (i + 1), "ROLE_ID": 0,
             "IS_PRIMARY": "Y" if i == 0 else "N"} for i, cid in enumerate(contact_ids)]
        comments[str(n)] = [_bx_comment(n, i) for i in range(60 if n == 1 else n % 3)]
        activities.extend(_bx_activity(n, i) for i in range(n % 3))
        history.extend(_bx_history(n, i) for i in range(1 + n % 2))
    return {"deals": deals, "contact_items": items, "comments": comments,
            "activities": activities, "stagehistory": history, "statuses": _bx_statuses(),
            "contacts": {str(1000 + k): _bx_contact(1000 + k) for k in range(9)}}


def _bx_deal(n: int, modified: datetime) -> dict[str, Any]:
    category = "1" if n % 3 == 0 else "0"
    prefix = "C1:" if category == "1" else ""
    stamp = modified.isoformat()
    return {
        "ID": str(n), "TITLE": f"Сделка №{n}: поставка мебели", "TYPE_ID": "SALE",
        "STAGE_ID": f"{prefix}PREPARATION", "PROBABILITY": None, "CURRENCY_ID": "RUB",
        "OPPORTUNITY": f"{n * 1000}.00", "IS_MANUAL_OPPORTUNITY": "N", "TAX_VALUE": "0.00",
        "LEAD_ID": None, "COMPANY_ID": "0", "CONTACT_ID": None, "QUOTE_ID": None,
        "BEGINDATE": stamp, "CLOSEDATE": stamp, "ASSIGNED_BY_ID": "1", "CREATED_BY_ID": "1",
        "MODIFY_BY_ID": "1", "DATE_CREATE": stamp, "DATE_MODIFY": stamp, "OPENED": "Y",
        "CLOSED": "N", "COMMENTS": "[B]Клиент из рекомендации[/B]", "CATEGORY_ID": category,
        "STAGE_SEMANTIC_ID": "P", "IS_NEW": "N", "SOURCE_ID": "CALLBACK",
        "MOVED_BY_ID": "1", "MOVED_TIME": stamp, "LAST_ACTIVITY_TIME": stamp,
        "LAST_ACTIVITY_BY": "1", "UF_CRM_1721244482250": "Доставка до склада",
    }


def _bx_contact(cid: int) -> dict[str, Any]:
    names = ["Иван", "Мария", "Пётр", "Анна", "Олег", "Елена", "Дмитрий", "Ольга", "Никита"]
    return {
        "ID": str(cid), "HONORIFIC": "HNR_RU_1", "NAME": names[cid % 9],
        "SECOND_NAME": "", "LAST_NAME": "Иванов", "POST": "Закупщик", "TYPE_ID": "CLIENT",
        "SOURCE_ID": "WEB", "COMPANY_ID": "0", "HAS_PHONE": "Y", "HAS_EMAIL": "N",
        "HAS_IMOL": "N", "ASSIGNED_BY_ID": "1", "DATE_CREATE": "2026-10-01T10:00:00+03:00",
        "DATE_MODIFY": "2026-10-01T10:00:00+03:00",
        "PHONE": [{"ID": str(cid * 10), "VALUE_TYPE": "MOBILE", "VALUE": f"+7916000{cid}",
                   "TYPE_ID": "PHONE"}],
    }


def _bx_comment(n: int, i: int) -> dict[str, Any]:
    return {"ID": str(n * 1000 + i), "ENTITY_ID": str(n), "ENTITY_TYPE": "deal",
            "CREATED": "2026-11-02T12:00:00+03:00", "AUTHOR_ID": "1", "FILES": {},
            "COMMENT": f"Созвонились, клиент думает (заметка {i + 1})"}


def _bx_activity(n: int, i: int) -> dict[str, Any]:
    chat = i == 1
    return {
        "ID": str(n * 100 + i), "OWNER_ID": str(n), "OWNER_TYPE_ID": "2",
        "TYPE_ID": "6" if chat else "2",
        "PROVIDER_ID": "IMOPENLINES_SESSION" if chat else "VOXIMPLANT_CALL",
        "PROVIDER_TYPE_ID": "WHATSAPP" if chat else "CALL", "ASSOCIATED_ENTITY_ID": "0",
        "SUBJECT": "Диалог в WhatsApp" if chat else "Исходящий звонок",
        "CREATED": "2026-11-03T13:26:55+03:00", "COMPLETED": "Y", "STATUS": "2",
        "RESPONSIBLE_ID": "1", "DIRECTION": "2", "DESCRIPTION": "", "COMMUNICATIONS": [],
    }


def _bx_history(n: int, i: int) -> dict[str, Any]:
    return {"ID": n * 10 + i, "TYPE_ID": 1 if i == 0 else 2, "OWNER_ID": n,
            "CREATED_TIME": "2026-11-01T09:00:00+00:00", "CATEGORY_ID": 0,
            "STAGE_SEMANTIC_ID": "P", "STAGE_ID": "NEW" if i == 0 else "PREPARATION"}


def _bx_statuses() -> list[dict[str, Any]]:
    rows = []
    for entity, prefix, category in (("DEAL_STAGE", "", None), ("DEAL_STAGE_1", "C1:", "1")):
        for k, (code, name, sem) in enumerate([("NEW", "Новая", None),
                                               ("PREPARATION", "Подготовка документов", None),
                                               ("WON", "Сделка успешна", "S"),
                                               ("LOSE", "Сделка провалена", "F")]):
            rows.append({"ID": str(len(rows) + 101), "ENTITY_ID": entity,
                         "STATUS_ID": prefix + code, "NAME": name, "SORT": str(10 * (k + 1)),
                         "SYSTEM": "Y", "CATEGORY_ID": category, "SEMANTICS": sem})
    return rows


class BitrixFake(_FakeBase):
    """Bitrix24 REST: webhook `/rest/{user}/{code}/{method}.json` or `/rest/{method}.json`
    with `auth`; a leaky bucket of `burst` (draining `drain_per_second`) → 503
    QUERY_LIMIT_EXCEEDED; a batch counts as one request."""

    PAGE = 50

    def __init__(self, code: str = "wh0okS3cretC0de", *, oauth_token: str = "oauth-T0ken-789",
                 burst: int | None = None, drain_per_second: float = 2.0) -> None:
        self.code = code
        self.oauth_token = oauth_token
        self.burst = burst
        self.drain_per_second = drain_per_second
        self.data = bitrix_data()
        self.limit_status = 503
        super().__init__()
        self.app = Starlette(routes=[
            Route("/rest/{user_id:int}/{code}/{method}", self._endpoint, methods=["POST"]),
            Route("/rest/{method}", self._endpoint, methods=["POST"]),
        ])
        self.handlers = {
            "crm.deal.list": self._deal_list, "crm.deal.get": self._deal_get,
            "crm.deal.contact.items.get": self._contact_items,
            "crm.contact.get": self._contact_get,
            "crm.timeline.comment.list": self._comments, "crm.activity.list": self._activities,
            "crm.stagehistory.list": self._stagehistory, "crm.status.list": self._statuses,
            "crm.requisite.list": self._requisites,
        }

    def reset(self) -> None:
        super().reset()
        self.level, self.level_at = 0.0, time.monotonic()
        self.limit_status = 503

    def calls(self, method: str) -> list[Logged]:
        return [entry for entry in self.requests if entry.method == method]

    async def _endpoint(self, request: Request) -> Response:
        method = request.path_params["method"].removesuffix(".json")
        body = await request.json()
        entry = self._log(method, body)
        try:
            self._admit(request, body, entry.at)
            handler = self._batch if method == "batch" else self.handlers.get(method)
            if handler is None:
                raise BxError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
            answer = handler(body, entry)
            response = JSONResponse({**answer, "time": _bx_time()})
        except BxError as exc:
            response = JSONResponse({"error": exc.code, "error_description": exc.description},
                                    status_code=exc.status)
        entry.status = response.status_code
        return response

    def _admit(self, request: Request, body: dict[str, Any], now: float) -> None:
        if self.fail:
            raise BxError(self.fail[0], self.fail[1], "Доступ запрещён")
        code = request.path_params.get("code")
        if code is not None and code != self.code:
            raise BxError(401, "INVALID_CREDENTIALS", "Invalid request credentials")
        if code is None and body.get("auth") != self.oauth_token:
            raise BxError(401, "NO_AUTH_FOUND", "Wrong authorization data")
        forced, _ = self._take_throttle()
        if forced or not self._bucket_accepts(now):
            raise BxError(self.limit_status, "QUERY_LIMIT_EXCEEDED", "Too many requests")

    def _bucket_accepts(self, now: float) -> bool:
        if self.burst is None:
            return True
        with self.lock:
            self.level = max(0.0, self.level - (now - self.level_at) * self.drain_per_second)
            self.level_at = now
            if self.level + 1 > self.burst:
                return False
            self.level += 1
            return True

    # -- methods ------------------------------------------------------------------------

    def _batch(self, body: dict[str, Any], entry: Logged) -> dict[str, Any]:
        cmd = body.get("cmd") or {}
        if len(cmd) > 50:
            raise BxError(400, "ERROR_BATCH_LENGTH_EXCEEDED", "Max batch length exceeded")
        out: dict[str, dict] = {"result": {}, "result_error": {}, "result_total": {},
                                "result_next": {}}
        for name, line in cmd.items():
            method, _, query = line.partition("?")
            entry.batch.append(method)
            handler = self.handlers.get(method)
            try:
                if handler is None:
                    raise BxError(404, "ERROR_METHOD_NOT_FOUND", "Method not found!")
                answer = handler(parse_php_query(query), entry)
            except BxError as exc:
                out["result_error"][name] = {"error": exc.code,
                                             "error_description": exc.description}
                if body.get("halt"):
                    break
                continue
            out["result"][name] = answer["result"]
            for key in ("total", "next"):
                if key in answer:
                    out[f"result_{key}"][name] = answer[key]
        # PHP encodes an empty array as [], not {}
        return {"result": {key: value or [] for key, value in out.items()}}

    def _deal_list(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        flt = params.get("filter") or {}
        low = _bx_when(flt.get(">=DATE_MODIFY"), datetime.min.replace(tzinfo=MSK))
        high = _bx_when(flt.get("<=DATE_MODIFY"), datetime.max.replace(tzinfo=MSK))
        deals = [d for d in self.data["deals"].values()
                 if low <= datetime.fromisoformat(d["DATE_MODIFY"]) <= high]
        deals.sort(key=lambda d: int(d["ID"]))
        select = params.get("select") or []
        if select and "*" not in select:
            deals = [{k: v for k, v in d.items() if k in select} for d in deals]
        return self._list(deals, params)

    def _deal_get(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        deal = self.data["deals"].get(str(params.get("id") or params.get("ID")))
        if deal is None:
            raise BxError(400, "", "Not found")
        return {"result": deal}

    def _contact_items(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        deal_id = str(params.get("id"))
        if deal_id not in self.data["deals"]:
            raise BxError(400, "", "Not found")
        return {"result": self.data["contact_items"][deal_id]}

    def _contact_get(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        contact = self.data["contacts"].get(str(params.get("id")))
        if contact is None:
            raise BxError(400, "", "Not found")
        return {"result": contact}

    def _requisites(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        """Requisites of contacts (ENTITY_TYPE_ID 3): every contact with an even
        id has one, with a valid INN (crm.requisite.list item shape)."""
        flt = params.get("filter") or {}
        cid = str(flt.get("ENTITY_ID"))
        rows = []
        if str(flt.get("ENTITY_TYPE_ID")) == "3" and cid in self.data["contacts"] \
                and int(cid) % 2 == 0:
            rows = [{"ID": str(int(cid) + 500), "ENTITY_TYPE_ID": "3", "ENTITY_ID": cid,
                     "NAME": "Реквизиты", "RQ_INN": "7707083893", "RQ_KPP": "773601001",
                     "RQ_OGRN": "1027700132195", "RQ_COMPANY_NAME": "ПАО Сбербанк"}]
        return self._list(rows, params)

    def _comments(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        flt = params.get("filter") or {}
        if not flt.get("ENTITY_ID") or not flt.get("ENTITY_TYPE"):
            raise BxError(400, "ERROR_ARGUMENT", "ENTITY_ID и ENTITY_TYPE обязательны")
        rows = self.data["comments"].get(str(flt["ENTITY_ID"]), [])
        return self._list(rows if flt["ENTITY_TYPE"] == "deal" else [], params)

    def _activities(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        flt = params.get("filter") or {}
        rows = [a for a in self.data["activities"]
                if str(flt.get("OWNER_TYPE_ID", a["OWNER_TYPE_ID"])) == a["OWNER_TYPE_ID"]
                and str(flt.get("OWNER_ID", a["OWNER_ID"])) == a["OWNER_ID"]]
        return self._list(rows, params)

    def _stagehistory(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        if str(params.get("entityTypeId")) != "2":
            raise BxError(400, "ERROR_ARGUMENT", "entityTypeId: поддерживаются только сделки")
        owner = str((params.get("filter") or {}).get("OWNER_ID"))
        rows = [h for h in self.data["stagehistory"] if str(h["OWNER_ID"]) == owner]
        answer = self._list(rows, params)
        return {**answer, "result": {"items": answer["result"]}}

    def _statuses(self, params: dict[str, Any], entry: Logged) -> dict[str, Any]:
        entity = (params.get("filter") or {}).get("ENTITY_ID")
        return {"result": [s for s in self.data["statuses"]
                           if entity is None or s["ENTITY_ID"] == entity]}

    def _list(self, rows: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """A page of 50 from `start`, with `total` and, when more remain, `next`."""
        start = int(params.get("start") or 0)
        answer: dict[str, Any] = {"result": rows[start:start + self.PAGE], "total": len(rows)}
        if start + self.PAGE < len(rows):
            answer["next"] = start + self.PAGE
        return answer


def _bx_when(value: str | None, default: datetime) -> datetime:
    return datetime.fromisoformat(value) if value else default


def _bx_time() -> dict[str, Any]:
    now = time.time()
    return {"start": now, "finish": now, "duration": 0.001, "processing": 0.0005,
            "date_start": "2026-11-28T12:00:00+03:00", "date_finish": "2026-11-28T12:00:00+03:00",
            "operating": 0}


def parse_php_query(query: str) -> dict[str, Any]:
    """`filter[ID]=1&select[0]=*` → {"filter": {"ID": "1"}, "select": ["*"]} (batch cmd)."""
    tree: dict[str, Any] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        head, _, rest = key.partition("[")
        path = [head] + [part.rstrip("]") for part in rest.split("[")] if rest else [head]
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1] or str(len(node))] = value
    return _lists_from_digit_keys(tree)


def _lists_from_digit_keys(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    node = {key: _lists_from_digit_keys(value) for key, value in node.items()}
    if node and all(key.isdigit() for key in node):
        return [node[key] for key in sorted(node, key=int)]
    return node
