"""The two busiest routes' common case, below FastAPI.

POST /v1/deals/score (the CRM's webhooks and bulk scoring) and
GET /v1/deals/{deal_id}/report (the widget, on every deal card opened) are
called far more than any other. FastAPI's machinery around them (dependency
solving, the body read twice into a validated union, the exception and
exit-stack layers) cost about 0.35 ms a request: a sixth of scoring a deal and
half of reading a report. This middleware answers the plain case itself, with
the routes' own code (`api.routers.deals.score_items`, `report_body`), so the
answer is the same:

- scoring: a bearer token of a reading role, a JSON body of a declared length
  within the limit, no query or only `keep=…`, no CORS;
- a report: a bearer token whose account may see the deal, a stored report,
  no query, no CORS.

Anything else (no or a bad token, another role, a body that is not JSON or
too large or too many items, `format=…`, a deal with no report, an Origin
header) goes on to FastAPI, a body replayed, which answers exactly as it would
have: the errors, the OpenAPI and the validation stay FastAPI's.
"""

from __future__ import annotations

from types import SimpleNamespace

import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import READERS, caller, visible
from api.errors import ApiError
from api.routers.deals import report_body, score_items
from api.routers.deps import as_list

PATH = "/v1/deals/score"
QUERIES = {b"": True, b"keep=true": True, b"keep=false": False}
JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")
HEADERS = [(b"content-type", b"application/json")]
ROUTE = SimpleNamespace(path=PATH)
REPORTS, REPORT_END = "/v1/deals/", "/report"
REPORT_ROUTE = SimpleNamespace(path="/v1/deals/{deal_id}/report")


class FastPath:
    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if (scope["path"] == PATH and scope["method"] == "POST"
                    and scope.get("query_string", b"") in QUERIES):
                await self._score(scope, receive, send)
                return
            deal_id = _report_of(scope)
            if deal_id is not None:
                await self._report(scope, receive, send, deal_id)
                return
        await self.app(scope, receive, send)

    async def _score(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope["headers"])
        if not _direct(headers) or not self._plain(headers):
            await self.app(scope, receive, send)
            return
        body, complete = await _read(receive)
        answer = complete and await self._answer(scope, body)
        if not answer:
            await self.app(scope, _replay(body, receive, complete), send)
            return
        await _send_json(scope, send, ROUTE, answer)

    async def _report(self, scope: Scope, receive: Receive, send: Send, deal_id: str) -> None:
        answer = _direct(dict(scope["headers"])) and self._report_answer(scope, deal_id)
        if not answer:
            await self.app(scope, receive, send)
            return
        await _send_json(scope, send, REPORT_ROUTE, answer)

    def _plain(self, headers: dict) -> bool:
        length = headers.get(b"content-length", b"")
        return (length.isdigit() and int(length) <= self.limit
                and headers.get(b"content-type", b"").lower() in JSON_TYPES)

    @staticmethod
    def _report_answer(scope: Scope, deal_id: str) -> bytes | None:
        """The report, or None where FastAPI must answer (an error, no report)."""
        request = Request(scope)
        try:
            who = caller(request)
            visible(who, deal_id)
        except ApiError:
            return None
        return report_body(request.app.state.store, who, deal_id)

    async def _answer(self, scope: Scope, body: bytes) -> bytes | None:
        """The answer, or None where FastAPI must answer (an error, a widget)."""
        request = Request(scope)
        state = request.app.state
        try:
            who = caller(request)
            body = orjson.loads(body)
            if who.role not in READERS or not isinstance(body, dict | list):
                return None
            items = as_list(body, state.settings.max_items)
        except (ApiError, orjson.JSONDecodeError):
            return None
        return await score_items(state, who, items, None, QUERIES[scope.get("query_string", b"")])


def _direct(headers: dict) -> bool:
    """A bearer call (a token is presented), not a browser's cross-origin one."""
    return b"authorization" in headers and b"origin" not in headers


def _report_of(scope: Scope) -> str | None:
    """The deal id of a plain GET /v1/deals/{deal_id}/report (no query)."""
    path = scope["path"]
    if (scope["method"] != "GET" or scope.get("query_string") or not path.endswith(REPORT_END)
            or not path.startswith(REPORTS)):
        return None
    deal_id = path[len(REPORTS):-len(REPORT_END)]
    return deal_id if deal_id and "/" not in deal_id else None


async def _send_json(scope: Scope, send: Send, route: SimpleNamespace, answer: bytes) -> None:
    scope["route"] = route                          # the metrics' route label
    await send({"type": "http.response.start", "status": 200,
                "headers": [*HEADERS, (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})


async def _read(receive: Receive) -> tuple[bytes, bool]:
    """The whole body, and False if the client went away first."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive, complete: bool) -> Receive:
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()
    return again
