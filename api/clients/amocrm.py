"""amoCRM / Kommo API v4 client: the leads updated in a period, one raw bundle per lead.

Bundle (consumed by analyzer/adapters/amocrm.py; keep the shape):
    {"lead": GET /api/v4/leads/{id}?with=contacts,
     "contacts": [GET /api/v4/contacts/{id} for each embedded contact],
     "notes": [GET /api/v4/leads/{id}/notes, all pages],
     "tasks": [GET /api/v4/tasks?filter[entity_type]=leads&filter[entity_id]={id}, all pages],
     "events": [GET /api/v4/events?filter[entity]=lead&filter[entity_id]={id}, all pages],
     "account": {"subdomain", "id", "timezone"} from GET /api/v4/account (once),
     "pipelines": [GET /api/v4/leads/pipelines items] (once per client)}

Limits honoured: at most `rate` (7) requests per second, 429 → backoff and retry,
401/403 → CrmAuthError at once, 204 → empty, lists of 250 and events of 100.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import httpx

from api.clients import CrmAuthError, CrmError, CrmNotFoundError, backoff_delay, require_aware

log = logging.getLogger(__name__)

PAGE_LIMIT = 250  # leads, contacts, notes, tasks
EVENTS_LIMIT = 100  # /api/v4/events refuses more
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
_WINDOW_EPSILON = 0.01  # seconds added to the window against clock granularity


class RateLimiter:
    """At most `rate` requests per second, counted from each request's *completion*.

    A request reaches the server before it completes, so when request i+n is sent
    no earlier than `period` after request i completed, any n+1 arrivals at the
    server span at least `period`: the server never sees more than n in a window."""

    def __init__(self, rate: float, sleep: Callable[[float], Any],
                 clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.calls = max(1, int(rate))
        self.period = self.calls / rate + _WINDOW_EPSILON
        self._sleep = sleep
        self._clock = clock
        self._done: deque[float] = deque(maxlen=self.calls)

    def wait(self) -> None:
        """Block until one more request fits in the window."""
        if len(self._done) < self.calls:
            return
        delay = self._done[0] + self.period - self._clock()
        if delay > 0:
            self._sleep(delay)

    def done(self) -> None:
        """Record that a request has just completed (successfully or not)."""
        self._done.append(self._clock())


class AmoClient:
    """Synchronous amoCRM / Kommo API v4 reader (Bearer token, long-lived or OAuth)."""

    def __init__(self, base_url: str, token: str, *, rate: float = 7.0,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], Any] = time.sleep, max_retries: int = 5) -> None:
        self._base = httpx.URL(base_url.rstrip("/") + "/")
        token = token.strip()
        if not token or not token.isascii() or not token.isprintable():
            raise CrmAuthError("Токен amoCRM пуст или содержит недопустимые символы")
        self._http = httpx.Client(
            base_url=self._base, transport=transport, timeout=30.0, follow_redirects=False,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
        self._sleep = sleep
        self._limiter = RateLimiter(rate, sleep)
        self._max_retries = max_retries
        self._account: dict[str, Any] | None = None
        self._pipelines: list[dict[str, Any]] | None = None

    # -- public API ---------------------------------------------------------------------

    def lead_ids(self, since: datetime, until: datetime) -> Iterator[int]:
        """Ids of the leads updated in [since, until], oldest id first, each once."""
        params = {
            "filter[updated_at][from]": int(require_aware(since).timestamp()),
            "filter[updated_at][to]": int(require_aware(until).timestamp()),
            "order[id]": "asc",
            "limit": PAGE_LIMIT,
        }
        seen: set[int] = set()
        for lead in self._pages("api/v4/leads", params, "leads"):
            if lead["id"] not in seen:
                seen.add(lead["id"])
                yield lead["id"]

    def deal_bundle(self, lead_id: int) -> dict[str, Any]:
        """The raw bundle of one lead (see the module docstring)."""
        lead = self._get(f"api/v4/leads/{int(lead_id)}", {"with": "contacts"})
        if not lead:
            raise CrmNotFoundError(f"Сделка amoCRM {int(lead_id)} не найдена")
        return {
            "lead": lead,
            "contacts": self._contacts(lead),
            "notes": self._notes(lead["id"]),
            "tasks": self._tasks(lead["id"]),
            "events": self._events(lead["id"]),
            "account": self.account(),
            "pipelines": self.pipelines(),
        }

    def bundles(self, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
        """Bundles of every lead updated in the period; leads gone meanwhile are skipped."""
        for lead_id in self.lead_ids(since, until):
            try:
                yield self.deal_bundle(lead_id)
            except CrmNotFoundError:
                log.info("amoCRM: сделка %s исчезла во время выгрузки, пропущена", lead_id)

    def account(self) -> dict[str, Any]:
        """{"subdomain", "id", "timezone"} of the account, fetched once."""
        if self._account is None:
            data = self._get("api/v4/account") or {}
            self._account = {
                "subdomain": data.get("subdomain") or self._base.host.split(".")[0],
                "id": data.get("id"),
                "timezone": data.get("timezone"),
            }
        return self._account

    def pipelines(self) -> list[dict[str, Any]]:
        """Pipelines with their `_embedded.statuses`, fetched once per client."""
        if self._pipelines is None:
            self._pipelines = list(self._pages("api/v4/leads/pipelines", {}, "pipelines"))
        return self._pipelines

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AmoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- bundle parts -------------------------------------------------------------------

    def _contacts(self, lead: dict[str, Any]) -> list[dict[str, Any]]:
        contacts = []
        for ref in (lead.get("_embedded") or {}).get("contacts") or []:
            try:
                contact = self._get(f"api/v4/contacts/{int(ref['id'])}")
            except CrmNotFoundError:
                contact = None
            if contact:
                contacts.append(contact)
        return contacts

    def _notes(self, lead_id: int) -> list[dict[str, Any]]:
        return list(self._pages(f"api/v4/leads/{lead_id}/notes", {"limit": PAGE_LIMIT}, "notes"))

    def _tasks(self, lead_id: int) -> list[dict[str, Any]]:
        params = {"filter[entity_type]": "leads", "filter[entity_id]": lead_id,
                  "limit": PAGE_LIMIT}
        return list(self._pages("api/v4/tasks", params, "tasks"))

    def _events(self, lead_id: int) -> list[dict[str, Any]]:
        params = {"filter[entity]": "lead", "filter[entity_id]": lead_id,
                  "limit": EVENTS_LIMIT}
        return list(self._pages("api/v4/events", params, "events"))

    # -- HTTP ---------------------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
        """Items of a HAL list, following `_links.next` until none, 204 or an empty page."""
        url: str | None = path
        query: dict[str, Any] | None = params
        visited: set[str] = set()
        while url is not None:
            page = self._get(url, query)
            items = ((page or {}).get("_embedded") or {}).get(key) or []
            yield from items
            if not items:
                return
            visited.add(url)
            url, query = self._next_url(page), None
            if url in visited:
                return

    def _next_url(self, page: dict[str, Any]) -> str | None:
        """`_links.next.href` re-rooted on our base URL: the token never leaves its host."""
        href = ((page.get("_links") or {}).get("next") or {}).get("href")
        if not href:
            return None
        target = httpx.URL(href)
        return target.raw_path.decode("ascii").lstrip("/")

    def _get(self, url: str, params: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """JSON body of a GET, None for 204; retries 429/5xx, stops on 401/403."""
        path = httpx.URL(url).path
        for attempt in range(self._max_retries + 1):
            response = self._send(url, params, attempt)
            if response is None:
                continue
            status = response.status_code
            if status in AUTH_STATUSES:
                raise CrmAuthError(f"amoCRM отклонил токен ({status})")
            if status == 204:
                return None
            if status in RETRY_STATUSES and attempt < self._max_retries:
                self._back_off(path, status, attempt, response.headers.get("Retry-After"))
                continue
            return self._json(response, path)
        raise CrmError("amoCRM недоступен: попытки исчерпаны")

    def _send(self, url: str, params: dict[str, Any] | None,
              attempt: int) -> httpx.Response | None:
        """One paced request; a transport failure is retried (None) until attempts run out."""
        self._limiter.wait()
        try:
            return self._http.get(url, params=params)
        except httpx.TransportError as exc:
            failure = type(exc).__name__
        finally:
            self._limiter.done()
        if attempt >= self._max_retries:
            raise CrmError(f"amoCRM недоступен ({failure})")
        self._back_off(httpx.URL(url).path, failure, attempt, None)
        return None

    def _back_off(self, path: str, reason: object, attempt: int, retry_after: str | None) -> None:
        delay = backoff_delay(attempt, retry_after)
        log.warning("amoCRM %s: %s, повтор %d через %.1f с", path, reason, attempt + 1, delay)
        self._sleep(delay)

    @staticmethod
    def _json(response: httpx.Response, path: str) -> dict[str, Any]:
        status = response.status_code
        if status == 404:
            raise CrmNotFoundError(f"amoCRM: не найдено ({path})")
        if status == 429:
            raise CrmError("amoCRM: превышен лимит запросов (429), попытки исчерпаны")
        if status != 200:
            raise CrmError(f"amoCRM ответил {status} на запрос {path}")
        try:
            return response.json()
        except ValueError:
            raise CrmError(f"amoCRM вернул не JSON на запрос {path}") from None
