"""Bitrix24 REST client: the deals modified in a period, one raw bundle per deal.

Bundle (consumed by analyzer/adapters/bitrix24.py; keep the shape):
    {"deal": crm.deal.get result,
     "contacts": [crm.contact.get result for each crm.deal.contact.items.get id,
                  or the deprecated CONTACT_ID when the list is empty],
     "comments": [crm.timeline.comment.list items, filter ENTITY_TYPE=deal, ENTITY_ID],
     "activities": [crm.activity.list items, filter OWNER_TYPE_ID=2, OWNER_ID],
     "stagehistory": [crm.stagehistory.list result.items, entityTypeId=2, filter OWNER_ID],
     "stages": [crm.status.list items of the deal's pipeline] (once per pipeline)}

Calls go to `{base_url}{method}.json` as POST JSON. base_url is an incoming webhook
(https://portal.bitrix24.ru/rest/1/<code>/) or the portal REST URL with `auth`
(an OAuth access token, sent in the body). A deal costs one `batch` for its parts
plus one for its contacts (and stages on first sight); lists longer than 50 are
continued with `start`/`next`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import httpx

from api.clients import CrmAuthError, CrmError, CrmNotFoundError, backoff_delay, require_aware

log = logging.getLogger(__name__)

BATCH_MAX = 50  # sub-calls per batch; more gives ERROR_BATCH_LENGTH_EXCEEDED
AUTH_ERRORS = frozenset({"expired_token", "invalid_token", "NO_AUTH_FOUND",
                         "INVALID_CREDENTIALS", "insufficient_scope"})
LIMIT_ERRORS = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
AUTH_STATUSES = frozenset({401, 403})
DEAL_TYPE_ID = 2  # OWNER_TYPE_ID / entityTypeId of a deal
CONTACT_TYPE_ID, COMPANY_TYPE_ID = 3, 4    # ENTITY_TYPE_ID of requisites
_LIST_PARTS = ("comments", "activities", "stagehistory")


class Bitrix24Client:
    """Synchronous Bitrix24 REST reader (incoming webhook or OAuth access token)."""

    def __init__(self, base_url: str, *, auth: str | None = None,
                 transport: httpx.BaseTransport | None = None,
                 sleep: Callable[[float], Any] = time.sleep, max_retries: int = 5) -> None:
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._auth = auth
        self._http = httpx.Client(transport=transport, timeout=60.0, follow_redirects=False)
        self._sleep = sleep
        self._max_retries = max_retries
        self._stages: dict[str, list[dict[str, Any]]] = {}
        _hide_webhook_codes_in_httpx_log()

    # -- public API ---------------------------------------------------------------------

    def deal_ids(self, since: datetime, until: datetime) -> Iterator[str]:
        """Ids of the deals modified in [since, until], ascending, each once."""
        params = {
            "filter": {">=DATE_MODIFY": require_aware(since).isoformat(timespec="seconds"),
                       "<=DATE_MODIFY": require_aware(until).isoformat(timespec="seconds")},
            "select": ["ID"],
            "order": {"ID": "ASC"},
        }
        seen: set[str] = set()
        for deal in self.list_all("crm.deal.list", params):
            deal_id = str(deal["ID"])
            if deal_id not in seen:
                seen.add(deal_id)
                yield deal_id

    def deal_bundle(self, deal_id: str) -> dict[str, Any]:
        """The raw bundle of one deal (see the module docstring)."""
        requests = _part_requests(str(deal_id))
        parts = self.batch(requests)
        deal = self._deal(parts, str(deal_id))
        lists = {name: self._list_part(parts, name, *requests[name]) for name in _LIST_PARTS}
        contacts, stages, requisites = self._contacts_and_stages(_contact_ids(parts, deal), deal)
        return {"deal": deal, "contacts": contacts, **lists, "stages": stages,
                "requisites": requisites}

    def bundles(self, since: datetime, until: datetime) -> Iterator[dict[str, Any]]:
        """Bundles of every deal modified in the period; deals gone meanwhile are skipped."""
        for deal_id in self.deal_ids(since, until):
            try:
                yield self.deal_bundle(deal_id)
            except CrmNotFoundError:
                log.info("Bitrix24: сделка %s исчезла во время выгрузки, пропущена", deal_id)

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole answer of one REST method: {"result", "total"?, "next"?, "time"}."""
        body = dict(params or {})
        if self._auth:
            body["auth"] = self._auth
        return self._post(method, body)

    def list_all(self, method: str, params: dict[str, Any],
                 start: int = 0) -> Iterator[dict[str, Any]]:
        """Items of a list method from `start` on, page after page while `next` is given."""
        current: int | None = start
        while current is not None:
            answer = self.call(method, {**params, "start": current})
            yield from _items(answer.get("result"))
            following = answer.get("next")
            current = following if isinstance(following, int) and following > current else None

    def batch(self, commands: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, dict]:
        """Run up to 50 `{name: (method, params)}` in one request (halt=0).

        Returns {"result", "result_error", "result_total", "result_next"}, each a dict
        keyed by command name (PHP's empty `[]` turned into `{}`)."""
        if len(commands) > BATCH_MAX:
            raise ValueError(f"batch takes at most {BATCH_MAX} commands")
        cmd = {name: f"{method}?{php_query(params)}" for name, (method, params) in commands.items()}
        inner = self.call("batch", {"halt": 0, "cmd": cmd}).get("result") or {}
        keys = ("result", "result_error", "result_total", "result_next")
        return {key: inner.get(key) or {} for key in keys}

    def stages(self, category_id: object) -> list[dict[str, Any]]:
        """Stages (crm.status.list) of a deal pipeline, fetched once per pipeline."""
        entity = _stage_entity(category_id)
        if entity not in self._stages:
            self._stages[entity] = list(self.list_all("crm.status.list", _stage_params(entity)))
        return self._stages[entity]

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Bitrix24Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- bundle parts -------------------------------------------------------------------

    def _deal(self, parts: dict[str, dict], deal_id: str) -> dict[str, Any]:
        error = parts["result_error"].get("deal")
        if error:
            _raise_for_sub_error(error)
            _checked(error, 400, "crm.deal.get")
        deal = parts["result"].get("deal")
        if not isinstance(deal, dict):
            raise CrmNotFoundError(f"Сделка Bitrix24 {deal_id} не найдена")
        return deal

    def _list_part(self, parts: dict[str, dict], name: str, method: str,
                   params: dict[str, Any]) -> list[dict[str, Any]]:
        """A batch list result, continued past its first 50; a failed part is empty."""
        error = parts["result_error"].get(name)
        if error:
            _raise_for_sub_error(error)
            log.warning("Bitrix24 %s: %s, часть пропущена", method, _error_code(error))
            return []
        items = _items(parts["result"].get(name))
        following = parts["result_next"].get(name)
        if isinstance(following, int) and following > 0:
            items.extend(self.list_all(method, params, following))
        return items

    def _contacts_and_stages(self, contact_ids: list[str], deal: dict[str, Any]
                             ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list]:
        """Contacts and their requisites (INN lives there, not on the card) in
        batches of 50, the company's requisites and the pipeline's stages riding
        along."""
        entity = _stage_entity(deal.get("CATEGORY_ID"))
        commands = {f"contact_{i}": ("crm.contact.get", {"id": cid})
                    for i, cid in enumerate(contact_ids)}
        commands |= {f"requisites_{i}": ("crm.requisite.list", _requisite_params(CONTACT_TYPE_ID,
                                                                                 cid))
                     for i, cid in enumerate(contact_ids)}
        company = str(deal.get("COMPANY_ID") or "0")
        if company != "0":
            commands["requisites_company"] = ("crm.requisite.list",
                                              _requisite_params(COMPANY_TYPE_ID, company))
        if entity not in self._stages:
            commands["stages"] = ("crm.status.list", _stage_params(entity))
        contacts: list[dict[str, Any]] = []
        requisites: list[dict[str, Any]] = []
        names = list(commands)
        for offset in range(0, len(names), BATCH_MAX):
            chunk = {name: commands[name] for name in names[offset:offset + BATCH_MAX]}
            parts = self.batch(chunk)
            contacts.extend(self._contact_results(parts, chunk))
            requisites.extend(self._requisite_results(parts, chunk))
            if "stages" in chunk:
                self._stages[entity] = self._list_part(parts, "stages", *chunk["stages"])
        return contacts, self.stages(deal.get("CATEGORY_ID")), requisites

    @staticmethod
    def _sub_results(parts: dict[str, dict], chunk: dict[str, tuple[str, dict[str, Any]]],
                     prefix: str, skipped: str) -> Iterator[Any]:
        """The results of the chunk's commands named `prefix…`; a command the
        portal refused (no method, no right) is logged as `skipped` and left out."""
        for name in chunk:
            if not name.startswith(prefix):
                continue
            error = parts["result_error"].get(name)
            if error:
                _raise_for_sub_error(error)
                log.info("Bitrix24 %s: %s, %s", chunk[name][0], _error_code(error), skipped)
                continue
            yield parts["result"].get(name)

    def _requisite_results(self, parts: dict[str, dict],
                           chunk: dict[str, tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        """Requisite rows; a portal without the method (or the right) gives none."""
        return [row for result in self._sub_results(parts, chunk, "requisites_",
                                                    "реквизиты пропущены")
                for row in _items(result)]

    def _contact_results(self, parts: dict[str, dict],
                         chunk: dict[str, tuple[str, dict[str, Any]]]) -> list[dict[str, Any]]:
        return [result for result in self._sub_results(parts, chunk, "contact_",
                                                       "контакт пропущен")
                if isinstance(result, dict)]

    # -- HTTP ---------------------------------------------------------------------------

    def _post(self, method: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST with retries on QUERY_LIMIT_EXCEEDED / 5xx; auth errors stop at once."""
        url = f"{self._base}{method}.json"
        for attempt in range(self._max_retries + 1):
            try:
                response = self._http.post(url, json=body)
            except httpx.TransportError as exc:
                self._retry_or_raise(method, type(exc).__name__, attempt, None)
                continue
            answer = _json_or_empty(response)
            code = _error_code(answer)
            if response.status_code in AUTH_STATUSES or code in AUTH_ERRORS:
                raise CrmAuthError(f"Bitrix24 отклонил доступ ({code or response.status_code})")
            if code in LIMIT_ERRORS or response.status_code in RETRY_STATUSES:
                reason = code or response.status_code
                self._retry_or_raise(method, reason, attempt, response.headers.get("Retry-After"))
                continue
            return _checked(answer, response.status_code, method)
        raise CrmError("Bitrix24 недоступен: попытки исчерпаны")  # pragma: no cover

    def _retry_or_raise(self, method: str, reason: object, attempt: int,
                        retry_after: str | None) -> None:
        if attempt >= self._max_retries:
            raise CrmError(f"Bitrix24 {method}: {reason}, попытки исчерпаны")
        delay = backoff_delay(attempt, retry_after)
        log.warning("Bitrix24 %s: %s, повтор %d через %.1f с", method, reason, attempt + 1, delay)
        self._sleep(delay)


# -- helpers ----------------------------------------------------------------------------


def _requisite_params(entity_type: int, entity_id: str) -> dict[str, Any]:
    return {"filter": {"ENTITY_TYPE_ID": entity_type, "ENTITY_ID": entity_id},
            "select": ["ID", "ENTITY_TYPE_ID", "ENTITY_ID", "NAME", "RQ_INN", "RQ_KPP",
                       "RQ_OGRN", "RQ_COMPANY_NAME"]}


def _part_requests(deal_id: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """The batch that fetches a deal and its parts in one HTTP request."""
    by_id = {"ID": "ASC"}
    return {
        "deal": ("crm.deal.get", {"id": deal_id}),
        "contact_items": ("crm.deal.contact.items.get", {"id": deal_id}),
        "comments": ("crm.timeline.comment.list",
                     {"filter": {"ENTITY_TYPE": "deal", "ENTITY_ID": deal_id}, "order": by_id}),
        "activities": ("crm.activity.list",
                       {"filter": {"OWNER_TYPE_ID": DEAL_TYPE_ID, "OWNER_ID": deal_id},
                        "select": ["*", "COMMUNICATIONS"], "order": by_id}),
        "stagehistory": ("crm.stagehistory.list",
                         {"entityTypeId": DEAL_TYPE_ID, "filter": {"OWNER_ID": deal_id},
                          "order": by_id}),
    }


def _contact_ids(parts: dict[str, dict], deal: dict[str, Any]) -> list[str]:
    """Contact ids from crm.deal.contact.items.get, else the deprecated CONTACT_ID."""
    rows = parts["result"].get("contact_items")
    ids = [str(row["CONTACT_ID"]) for row in rows or [] if isinstance(row, dict)
           and row.get("CONTACT_ID")]
    if not ids and deal.get("CONTACT_ID") not in (None, "", "0", 0):
        ids = [str(deal["CONTACT_ID"])]
    return list(dict.fromkeys(ids))


def _stage_entity(category_id: object) -> str:
    """crm.status.list ENTITY_ID of a deal pipeline: DEAL_STAGE or DEAL_STAGE_{id}."""
    if category_id in (None, "", "0", 0):
        return "DEAL_STAGE"
    return f"DEAL_STAGE_{category_id}"


def _stage_params(entity: str) -> dict[str, Any]:
    return {"filter": {"ENTITY_ID": entity}, "order": {"SORT": "ASC"}}


def _items(result: object) -> list[dict[str, Any]]:
    """List items of a result: a plain list, or {"items": [...]} (crm.stagehistory.list)."""
    if isinstance(result, dict):
        result = result.get("items")
    return list(result) if isinstance(result, list) else []


def _json_or_empty(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _error_code(answer: dict[str, Any]) -> str | None:
    """The `error` code of an answer (may be ""), None when there is no error."""
    if "error" not in answer:
        return None
    return str(answer["error"])


def _raise_for_sub_error(error: dict[str, Any]) -> None:
    """Auth failures inside a batch stop everything; other sub-errors are the caller's."""
    if _error_code(error) in AUTH_ERRORS:
        raise CrmAuthError(f"Bitrix24 отклонил доступ ({_error_code(error)})")


def _checked(answer: dict[str, Any], status: int, method: str) -> dict[str, Any]:
    """The answer when it is a success; a readable CrmError otherwise."""
    code = _error_code(answer)
    if code is None and status == 200:
        if "result" not in answer:
            raise CrmError(f"Bitrix24 {method}: ответ без result (не REST?)")
        return answer
    detail = str(answer.get("error_description") or code or "")[:200]
    if "not found" in detail.lower():
        raise CrmNotFoundError(f"Bitrix24 {method}: не найдено")
    raise CrmError(f"Bitrix24 {method}: ошибка {status} {detail}".rstrip())


def php_query(params: dict[str, Any]) -> str:
    """PHP-style query string (filter[ID]=1&select[0]=*), as batch `cmd` entries need."""
    return urlencode(list(_flatten_pairs(params)))


def _flatten_pairs(value: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        entries: Any = value.items()
    elif isinstance(value, list | tuple):
        entries = enumerate(value)
    else:
        yield prefix, "" if value is None else str(value)
        return
    for key, item in entries:
        yield from _flatten_pairs(item, f"{prefix}[{key}]" if prefix else str(key))


# -- log hygiene ------------------------------------------------------------------------

_WEBHOOK_CODE = re.compile(r"(/rest/\d+/)[^/\s]+/")


class _WebhookCodeFilter(logging.Filter):
    """httpx logs every request URL at INFO; a webhook URL carries its secret code."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_WEBHOOK_CODE.sub(r"\1***/", str(arg))
                                if isinstance(arg, str | httpx.URL) else arg
                                for arg in record.args)
        return True


def _hide_webhook_codes_in_httpx_log() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(f, _WebhookCodeFilter) for f in httpx_log.filters):
        httpx_log.addFilter(_WebhookCodeFilter())
