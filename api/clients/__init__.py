"""Thin synchronous CRM clients (amoCRM / Kommo API v4, Bitrix24 REST).

Each client pulls the deals changed in a period and returns, per deal, a raw
*bundle*: the CRM's own API objects, unchanged, for the adapters to map.

    from api.clients.amocrm import AmoClient
    from api.clients.bitrix24 import Bitrix24Client

This module holds what both share: the errors, the backoff delay and the
period-bound helpers. Exception messages are for users (Russian) and never
carry a token, a webhook code or personal data.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

BACKOFF_BASE = 1.0  # seconds before the first retry without Retry-After
BACKOFF_CAP = 60.0  # never wait longer than this between two attempts


class CrmError(Exception):
    """The CRM could not give what was asked (after any retries)."""


class CrmAuthError(CrmError):
    """The CRM rejected the credentials: re-authorise; retrying will not help."""


class CrmNotFoundError(CrmError):
    """The asked entity does not exist (or is no longer visible)."""


def backoff_delay(attempt: int, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number `attempt` (0-based).

    A usable Retry-After (seconds or an HTTP date) wins; otherwise exponential:
    1, 2, 4, 8 … seconds, capped at BACKOFF_CAP."""
    hinted = parse_retry_after(retry_after)
    if hinted is not None:
        return min(hinted, BACKOFF_CAP)
    return min(BACKOFF_BASE * 2**attempt, BACKOFF_CAP)


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After header as seconds from now, or None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def require_aware(moment: datetime) -> datetime:
    """The datetime itself; a naive one is refused (its zone would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Нужна дата с часовым поясом (datetime с tzinfo)")
    return moment
