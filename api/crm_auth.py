"""Credentials and callbacks that the CRMs send us: pure functions, no web framework.

amoCRM / Kommo
    The deal-card widget calls us with ``self.$authorizedAjax({...})``. amoCRM adds
    ``X-Auth-Token``: a one-time HS256 JWT signed with the integration's secret key
    (``client_secret``). Claims (amoCRM "One-time tokens for integrations"):
    ``iss`` account address (``https://{sub}.amocrm.ru``), ``aud`` base address made from
    the integration's ``redirect_uri``, ``jti`` token UUID, ``iat``/``nbf``/``exp`` Unix
    seconds, ``account_id``, ``user_id``, ``client_uuid`` (the integration id).
    :func:`verify_amocrm_token` checks all of them and refuses a replayed ``jti``.

    Webhooks are ``application/x-www-form-urlencoded`` with PHP bracket keys and carry no
    signature: :func:`parse_amocrm_webhook` only extracts deal ids; the caller must check
    ``event.account`` against its known accounts and re-read the deal through the API.

Bitrix24
    The deal-card tab (placement ``CRM_DEAL_DETAIL_TAB``) is an iframe whose handler gets a
    POST with ``DOMAIN``, ``member_id``, ``AUTH_ID``, ``PLACEMENT`` and ``PLACEMENT_OPTIONS``
    (a JSON string with the deal ``ID``); some of them arrive in the query string, so pass
    the query parameters merged with the form. Event handlers (``event.bind``) get
    ``event=ONCRMDEALUPDATE&data[FIELDS][ID]=…&auth[application_token]=…``; compare the
    token with :func:`verify_bitrix_app_token`.

Form dicts: ``dict(form.multi_items())`` (last value wins) works; :func:`flatten_form`
keeps repeated keys as lists, and every parser accepts both. A repeated key with two
different values is refused (``ValueError``) rather than guessed.

Error messages name keys and reason codes, never token or form values.
"""

from __future__ import annotations

import heapq
import hmac
import json
import math
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import jwt

__all__ = [
    "AMOCRM_ORIGIN_REGEX",
    "AMOCRM_BASE_DOMAINS",
    "REASONS",
    "AmoIdentity",
    "BitrixPlacement",
    "CrmAuthFailed",
    "JtiCache",
    "WebhookEvent",
    "default_jti_cache",
    "flatten_form",
    "parse_amocrm_webhook",
    "parse_bitrix_event",
    "parse_bitrix_placement",
    "verify_amocrm_token",
    "verify_bitrix_app_token",
]

AMOCRM_BASE_DOMAINS = ("amocrm.ru", "amocrm.com", "kommo.com")
# For CORSMiddleware(allow_origin_regex=...): the widget runs on the account's own domain.
AMOCRM_ORIGIN_REGEX = r"https://[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.(?:amocrm\.ru|amocrm\.com|kommo\.com)"

REASONS = frozenset({
    "missing_token", "malformed", "bad_algorithm", "bad_signature", "missing_claim",
    "bad_claim", "expired", "not_yet_valid", "issued_in_future", "bad_issuer",
    "wrong_account", "wrong_client", "wrong_audience", "replayed",
})

MAX_TOKEN_CHARS = 4096
MAX_LEEWAY = 300
_SUBDOMAIN = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DIGITS = re.compile(r"[1-9][0-9]{0,19}")
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::[0-9]{1,5})?"
)
_TOKENISH = re.compile(r"[A-Za-z0-9._~+/=-]{1,512}")


class CrmAuthFailed(Exception):
    """A CRM credential was refused; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- amoCRM JWT


@dataclass(frozen=True)
class AmoIdentity:
    """Who opened the widget: the account (by subdomain and id) and the user."""

    subdomain: str
    account_id: int
    user_id: int
    jti: str
    host: str = ""  # e.g. "acme.amocrm.ru"; the widget's Origin is https://{host}


class JtiCache:
    """Seen one-time token ids, each kept until its token could no longer be accepted.

    Thread-safe and bounded: when full after dropping expired ids, the id closest to its
    own expiry is evicted (the one a replay could use for the shortest time). The cache is
    per process; with several workers a replay can reach another worker, so run one
    worker for the widget or put a shared store behind the same interface.
    """

    def __init__(self, maxsize: int = 100_000) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be positive")
        self.maxsize = maxsize
        self.evictions = 0
        self._until: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        self._lock = threading.Lock()

    def add(self, jti: str, until: float, now: float) -> bool:
        """Record ``jti`` as used until ``until``; False if it was already used (a replay)."""
        with self._lock:
            self._purge(now)
            if jti in self._until:
                return False
            while len(self._until) >= self.maxsize:
                self._evict_one()
            self._until[jti] = until
            heapq.heappush(self._heap, (until, jti))
            return True

    def __contains__(self, jti: object) -> bool:
        with self._lock:
            return jti in self._until

    def __len__(self) -> int:
        with self._lock:
            return len(self._until)

    def clear(self) -> None:
        with self._lock:
            self._until.clear()
            self._heap.clear()

    def _purge(self, now: float) -> None:
        while self._heap and self._heap[0][0] < now:
            until, jti = heapq.heappop(self._heap)
            if self._until.get(jti) == until:
                del self._until[jti]

    def _evict_one(self) -> None:
        until, jti = heapq.heappop(self._heap)
        if self._until.get(jti) == until:
            del self._until[jti]
            self.evictions += 1


_DEFAULT_JTI_CACHE = JtiCache()


def default_jti_cache() -> JtiCache:
    """The process-wide cache :func:`verify_amocrm_token` uses when given none."""
    return _DEFAULT_JTI_CACHE


def verify_amocrm_token(
    token: str,
    *,
    secret: str,
    client_id: str | None = None,
    subdomain: str | None = None,
    leeway: int = 30,
    now: float | datetime | None = None,
    audience: str | None = None,
    jti_cache: JtiCache | None = None,
) -> AmoIdentity:
    """Verify the ``X-Auth-Token`` one-time JWT of amoCRM's ``$authorizedAjax``.

    ``secret`` is the integration's secret key. ``client_id`` (the integration id) must
    equal the ``client_uuid`` claim; ``subdomain`` pins the account; ``audience`` (the base
    address of the integration's redirect_uri) pins ``aud``. ``leeway`` is the clock skew
    allowed, in seconds. The token's ``jti`` is recorded in ``jti_cache`` (the process-wide
    :func:`default_jti_cache` by default) and a second use is refused.

    Raises :class:`CrmAuthFailed` with a reason code; ``ValueError`` for a bad call
    (empty secret, leeway out of 0..300).
    """
    if not isinstance(secret, str) or not secret:
        raise ValueError("secret must be a non-empty string")
    if not 0 <= leeway <= MAX_LEEWAY:
        raise ValueError(f"leeway must be within 0..{MAX_LEEWAY} seconds")
    claims = _decode_hs256(token, secret)
    at = _timestamp(now)
    _check_times(claims, at, leeway)
    host, sub = _check_issuer(claims, subdomain)
    _check_client(claims, client_id)
    _check_audience(claims, audience)
    identity = AmoIdentity(
        subdomain=sub,
        account_id=_positive_int(claims, "account_id"),
        user_id=_positive_int(claims, "user_id"),
        jti=_jti(claims),
        host=host,
    )
    cache = jti_cache if jti_cache is not None else _DEFAULT_JTI_CACHE
    if not cache.add(identity.jti, float(claims["exp"]) + leeway, at):
        raise CrmAuthFailed("replayed")
    return identity


def _decode_hs256(token: str, secret: str) -> dict[str, Any]:
    if not isinstance(token, str) or not token.strip():
        raise CrmAuthFailed("missing_token")
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS or token.count(".") != 2:
        raise CrmAuthFailed("malformed")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise CrmAuthFailed("malformed") from None
    if header.get("alg") != "HS256":
        raise CrmAuthFailed("bad_algorithm")
    options = {"verify_exp": False, "verify_nbf": False, "verify_iat": False,
               "verify_aud": False, "verify_iss": False, "verify_sub": False,
               "verify_jti": False}
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options=options)
    except jwt.InvalidSignatureError:
        raise CrmAuthFailed("bad_signature") from None
    except jwt.InvalidAlgorithmError:
        raise CrmAuthFailed("bad_algorithm") from None
    except jwt.InvalidTokenError:
        raise CrmAuthFailed("malformed") from None
    if not isinstance(claims, dict):
        raise CrmAuthFailed("malformed")
    return claims


def _timestamp(now: float | datetime | None) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        return now.timestamp()
    return float(now)


def _numeric_date(claims: Mapping[str, Any], name: str) -> float:
    value = claims.get(name)
    if value is None:
        raise CrmAuthFailed("missing_claim")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CrmAuthFailed("bad_claim")
    return float(value)


def _check_times(claims: Mapping[str, Any], now: float, leeway: int) -> None:
    exp = _numeric_date(claims, "exp")
    nbf = _numeric_date(claims, "nbf")
    iat = _numeric_date(claims, "iat")
    if exp < nbf or exp < iat:
        raise CrmAuthFailed("bad_claim")
    if now >= exp + leeway:
        raise CrmAuthFailed("expired")
    if nbf > now + leeway:
        raise CrmAuthFailed("not_yet_valid")
    if iat > now + leeway:
        raise CrmAuthFailed("issued_in_future")


def _required_str(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if value is None:
        raise CrmAuthFailed("missing_claim")
    if not isinstance(value, str) or not value:
        raise CrmAuthFailed("bad_claim")
    return value


def _split_amocrm_host(host: str) -> str | None:
    """The account subdomain of an amoCRM/Kommo host, or None for any other host."""
    sub, dot, base = host.partition(".")
    if dot and base in AMOCRM_BASE_DOMAINS and _SUBDOMAIN.fullmatch(sub):
        return sub
    return None


def _check_issuer(claims: Mapping[str, Any], subdomain: str | None) -> tuple[str, str]:
    iss = _required_str(claims, "iss")
    try:
        parts = urlsplit(iss)
        port = parts.port
    except ValueError:
        raise CrmAuthFailed("bad_issuer") from None
    host = (parts.hostname or "").lower()
    if (parts.scheme != "https" or port is not None or parts.username or parts.password
            or parts.path not in ("", "/") or parts.query or parts.fragment):
        raise CrmAuthFailed("bad_issuer")
    sub = _split_amocrm_host(host)
    if sub is None:
        raise CrmAuthFailed("bad_issuer")
    if subdomain is not None and sub != subdomain.strip().lower():
        raise CrmAuthFailed("wrong_account")
    return host, sub


def _check_client(claims: Mapping[str, Any], client_id: str | None) -> None:
    if client_id is None:
        return
    claim = _required_str(claims, "client_uuid")
    if claim.strip().lower() != client_id.strip().lower():
        raise CrmAuthFailed("wrong_client")


def _normal_url(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


def _check_audience(claims: Mapping[str, Any], audience: str | None) -> None:
    if audience is None:
        return
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    if aud is None or not all(isinstance(v, str) for v in values):
        raise CrmAuthFailed("wrong_audience")
    if _normal_url(audience) not in {_normal_url(v) for v in values}:
        raise CrmAuthFailed("wrong_audience")


def _positive_int(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if value is None:
        raise CrmAuthFailed("missing_claim")
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CrmAuthFailed("bad_claim")
    return value


def _jti(claims: Mapping[str, Any]) -> str:
    jti = _required_str(claims, "jti")
    if len(jti) > 128:
        raise CrmAuthFailed("bad_claim")
    return jti


# --------------------------------------------------------------------------- form helpers


def flatten_form(items: Iterable[tuple[str, Any]]) -> dict[str, str | list[str]]:
    """``form.multi_items()`` → dict; a repeated key keeps all its values as a list.

    Non-string values (uploaded files) are dropped: no CRM callback sends files.
    """
    out: dict[str, str | list[str]] = {}
    for key, value in items:
        if not isinstance(key, str) or not isinstance(value, str):
            continue
        if key not in out:
            out[key] = value
            continue
        prev = out[key]
        out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
    return out


def _value(form: Mapping[str, Any], key: str) -> str | None:
    """One value of ``key``: repeated identical values collapse, differing ones are refused."""
    raw = form.get(key)
    if isinstance(raw, list | tuple):
        values = {v for v in raw if isinstance(v, str)}
        if len(values) > 1:
            raise ValueError(f"conflicting values for form key {key!r}")
        raw = values.pop() if values else None
    if not isinstance(raw, str):
        return None
    return raw.strip()


def _deal_id(form: Mapping[str, Any], key: str) -> str:
    value = _value(form, key)
    if value is None or not _DIGITS.fullmatch(value):
        raise ValueError(f"form key {key!r} is not a numeric id")
    return value


def _optional_id(form: Mapping[str, Any], key: str) -> str | None:
    value = _value(form, key)
    if not value:
        return None
    if not _DIGITS.fullmatch(value):
        raise ValueError(f"form key {key!r} is not a numeric id")
    return value


def _host(value: str | None, key: str) -> str:
    host = (value or "").strip().lower()
    if host.startswith(("https://", "http://")):
        host = host.split("://", 1)[1].rstrip("/")
    if not host or len(host) > 253 or not _HOST.fullmatch(host):
        raise ValueError(f"form key {key!r} is not a host name")
    return host


# --------------------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class WebhookEvent:
    """One deal touched by a CRM callback; re-read the deal itself through the CRM API.

    ``kind``: deal_add, deal_update, deal_status, deal_delete, deal_restore,
    deal_responsible, note_add, message_add. ``account``: the amoCRM subdomain (or the
    account id when only that is sent) or the Bitrix24 portal domain.
    """

    kind: str
    deal_id: str
    account: str
    crm: str = "amocrm"
    account_id: str | None = None
    status_id: str | None = None
    pipeline_id: str | None = None
    member_id: str | None = None
    application_token: str | None = field(default=None, repr=False)


_AMO_LEAD_ACTIONS = {
    "add": "deal_add", "update": "deal_update", "status": "deal_status",
    "delete": "deal_delete", "restore": "deal_restore", "responsible": "deal_responsible",
}
_AMO_LEAD_KEY = re.compile(r"leads\[(add|update|status|delete|restore|responsible)\]\[(\d{1,4})\]\[id\]")
_AMO_NOTE_KEY = re.compile(r"leads\[note\]\[\d{1,4}\](?:\[note\])?\[element_id\]")
_AMO_MESSAGE_KEY = re.compile(r"message\[add\]\[(\d{1,4})\]\[(?:element_id|entity_id)\]")
_AMO_LEAD_ELEMENT_TYPE = "2"  # legacy element_type codes: 1 contact, 2 lead, 3 company, 12 customer


def _amo_account(form: Mapping[str, Any]) -> tuple[str, str | None]:
    account_id = _optional_id(form, "account[id]")
    sub = (_value(form, "account[subdomain]") or "").lower()
    if sub and not _SUBDOMAIN.fullmatch(sub):
        raise ValueError("form key 'account[subdomain]' is not an amoCRM subdomain")
    if not sub and account_id is None:
        raise ValueError("amoCRM webhook names no account (account[subdomain] / account[id])")
    return sub or account_id or "", account_id


def _amo_lead_event(form: Mapping[str, Any], key: str, m: re.Match[str]) -> tuple[str, str, dict]:
    action, index = m.group(1), m.group(2)
    extra = {}
    if action == "status":
        prefix = f"leads[status][{index}]"
        extra = {"status_id": _optional_id(form, f"{prefix}[status_id]"),
                 "pipeline_id": _optional_id(form, f"{prefix}[pipeline_id]")}
    return _AMO_LEAD_ACTIONS[action], _deal_id(form, key), extra


def _amo_note_event(form: Mapping[str, Any], key: str) -> tuple[str, str, dict] | None:
    prefix = key[: -len("[element_id]")]
    element_type = _value(form, f"{prefix}[element_type]")
    if element_type and element_type != _AMO_LEAD_ELEMENT_TYPE:
        return None
    return "note_add", _deal_id(form, key), {}


def _amo_message_event(form: Mapping[str, Any], m: re.Match[str]) -> tuple[str, str, dict] | None:
    prefix = f"message[add][{m.group(1)}]"
    element_type = _value(form, f"{prefix}[element_type]")
    entity_type = (_value(form, f"{prefix}[entity_type]") or "").lower()
    says_lead = {element_type == _AMO_LEAD_ELEMENT_TYPE if element_type else None,
                 entity_type in ("lead", "leads") if entity_type else None} - {None}
    if says_lead != {True}:
        return None  # bound to a contact, contradictory or untyped: no deal id to trust
    ids = {_deal_id(form, f"{prefix}[{name}]") for name in ("element_id", "entity_id")
           if _value(form, f"{prefix}[{name}]")}
    if not ids:
        raise ValueError(f"{prefix}: no element_id/entity_id")
    if len(ids) > 1:
        raise ValueError(f"{prefix}: element_id and entity_id name different deals")
    return "message_add", ids.pop(), {}


def _amo_match(form: Mapping[str, Any], key: str) -> tuple[str, str, dict] | None:
    if m := _AMO_LEAD_KEY.fullmatch(key):
        return _amo_lead_event(form, key, m)
    if _AMO_NOTE_KEY.fullmatch(key):
        return _amo_note_event(form, key)
    if m := _AMO_MESSAGE_KEY.fullmatch(key):
        return _amo_message_event(form, m)
    return None


def parse_amocrm_webhook(form: Mapping[str, Any]) -> list[WebhookEvent]:
    """Deals touched by one amoCRM webhook POST (status, update, add, note, message …).

    Unknown keys are ignored, so a payload without lead events gives ``[]``. A matching
    key with a non-numeric id, or events without ``account[subdomain]``/``account[id]``,
    raise ``ValueError``. Messages and notes not bound to a lead are skipped.
    The payload is unsigned: check ``account`` against your accounts before acting.
    """
    found: list[tuple[str, str, dict]] = []
    for key in list(form):
        hit = _amo_match(form, key) if isinstance(key, str) else None
        if hit and all(hit[:2] != f[:2] for f in found):
            found.append(hit)
    if not found:
        return []
    account, account_id = _amo_account(form)
    return [WebhookEvent(kind=kind, deal_id=deal_id, account=account, crm="amocrm",
                         account_id=account_id, **extra)
            for kind, deal_id, extra in found]


_BITRIX_EVENTS = {"ONCRMDEALUPDATE": "deal_update", "ONCRMDEALADD": "deal_add"}


def parse_bitrix_event(form: Mapping[str, Any]) -> WebhookEvent | None:
    """The deal of a Bitrix24 ``ONCRMDEALUPDATE``/``ONCRMDEALADD`` event POST, or None.

    None for any other (or no) ``event``. For a deal event, a missing or non-numeric
    ``data[FIELDS][ID]`` or a bad ``auth[domain]`` raises ``ValueError``. The returned
    ``application_token`` (``auth[application_token]``, possibly None) is NOT checked
    here: compare it with :func:`verify_bitrix_app_token` before acting.
    """
    event = (_value(form, "event") or "").upper()
    kind = _BITRIX_EVENTS.get(event)
    if kind is None:
        return None
    deal_id = _deal_id(form, "data[FIELDS][ID]")
    domain = _host(_value(form, "auth[domain]"), "auth[domain]")
    member_id = _value(form, "auth[member_id]") or None
    if member_id is not None and not _TOKENISH.fullmatch(member_id):
        raise ValueError("form key 'auth[member_id]' is malformed")
    return WebhookEvent(kind=kind, deal_id=deal_id, account=domain, crm="bitrix24",
                        member_id=member_id,
                        application_token=_value(form, "auth[application_token]") or None)


def verify_bitrix_app_token(received: str | None, expected: str) -> bool:
    """Constant-time check of a Bitrix24 ``application_token``; False when either is empty."""
    if not isinstance(received, str) or not received or not isinstance(expected, str) or not expected:
        return False
    return hmac.compare_digest(received.encode("utf-8"), expected.encode("utf-8"))


# --------------------------------------------------------------------------- Bitrix placement


@dataclass(frozen=True)
class BitrixPlacement:
    """The deal tab opened in a Bitrix24 portal. ``auth_id`` is the user's REST token.

    Nothing here is proof of identity: look ``domain``/``member_id`` up among the portals
    that installed the app, then call REST (``user.current``) with ``auth_id`` on that
    registered portal before showing anything.
    """

    domain: str
    member_id: str
    deal_id: str
    auth_id: str = field(repr=False)
    application_token: str | None = field(default=None, repr=False)


PLACEMENT_DEAL_TAB = "CRM_DEAL_DETAIL_TAB"


def _placement_options(raw: str | None) -> Mapping[str, Any]:
    if not raw:
        raise ValueError("PLACEMENT_OPTIONS is missing")
    try:
        options = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        raise ValueError("PLACEMENT_OPTIONS is not valid JSON") from None
    if not isinstance(options, dict):
        raise ValueError("PLACEMENT_OPTIONS is not a JSON object")
    return options


def _required_tokenish(form: Mapping[str, Any], key: str) -> str:
    value = _value(form, key)
    if not value or not _TOKENISH.fullmatch(value):
        raise ValueError(f"form key {key!r} is missing or malformed")
    return value


def parse_bitrix_placement(form: Mapping[str, Any]) -> BitrixPlacement:
    """Parse the POST a ``CRM_DEAL_DETAIL_TAB`` handler receives (query params merged in).

    Raises ``ValueError`` naming the offending key for a wrong ``PLACEMENT``, a missing or
    malformed ``DOMAIN``/``member_id``/``AUTH_ID``, or ``PLACEMENT_OPTIONS`` that is not a
    JSON object with a numeric ``ID``.
    """
    placement = _value(form, "PLACEMENT")
    if placement != PLACEMENT_DEAL_TAB:
        raise ValueError(f"PLACEMENT is not {PLACEMENT_DEAL_TAB}")
    options = _placement_options(_value(form, "PLACEMENT_OPTIONS"))
    deal_id = options.get("ID")
    if isinstance(deal_id, int) and not isinstance(deal_id, bool):
        deal_id = str(deal_id)
    if not isinstance(deal_id, str) or not _DIGITS.fullmatch(deal_id.strip()):
        raise ValueError("PLACEMENT_OPTIONS.ID is not a numeric deal id")
    return BitrixPlacement(
        domain=_host(_value(form, "DOMAIN"), "DOMAIN"),
        member_id=_required_tokenish(form, "member_id"),
        deal_id=deal_id.strip(),
        auth_id=_required_tokenish(form, "AUTH_ID"),
        application_token=_value(form, "APPLICATION_TOKEN") or None,
    )
