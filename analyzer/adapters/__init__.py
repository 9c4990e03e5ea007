"""CRM bundles → the canonical deal (CONTRACT §1).

A bundle is one deal as a per-deal pull through the CRM's REST API gathers it:
the CRM's own objects, unchanged (`amocrm.py`, `bitrix24.py` describe theirs).
`to_deal` turns one bundle into a canonical deal dict that
`analyzer.schema.Deal.model_validate` accepts. The adapters are pure: no I/O,
no clock, no network.

A bundle that cannot be mapped raises `AdapterError` whose Russian message
names the CRM, the field path and what was expected, never a value (values
hold personal data).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime, time
from typing import Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from analyzer.schema import LOCAL_TZ

Format = Literal["canonical", "amocrm", "bitrix24"]
FORMATS: tuple[str, ...] = get_args(Format)


class AdapterError(ValueError):
    """A bundle that cannot be mapped; the message quotes no input values."""


_TYPE_NAMES = {"str": "строка", "int": "целое число", "float": "число",
               "bool": "логическое значение", "list": "список", "dict": "объект",
               "NoneType": "null"}


def kind(value: Any) -> str:
    """The JSON type of a value, in Russian (safe to show: no value)."""
    name = type(value).__name__
    return _TYPE_NAMES.get(name, name)


class Reader:
    """Type-checked access to one CRM's raw values; failures name the path."""

    def __init__(self, crm: str):
        self.crm = crm

    def error(self, path: str, problem: str) -> AdapterError:
        return AdapterError(f"{self.crm}: «{path}»: {problem}")

    def wrong(self, path: str, expected: str, value: Any) -> AdapterError:
        return self.error(path, f"ожидается {expected}, получено: {kind(value)}")

    def obj(self, value: Any, path: str) -> dict:
        if value is None:
            raise self.error(path, "нет объекта (пакет не той CRM или неполный)")
        if not isinstance(value, dict):
            raise self.wrong(path, "объект", value)
        return value

    def opt_obj(self, value: Any, path: str) -> dict | None:
        return None if value is None else self.obj(value, path)

    def items(self, value: Any, path: str) -> list[dict]:
        """An optional list of objects: missing or null is empty."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.wrong(path, "список объектов", value)
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise self.wrong(f"{path}[{i}]", "объект", item)
        return value

    def ident(self, value: Any, path: str, required: bool = False) -> str | None:
        """An id as a string: ints and non-empty strings; "0"/0 count as none."""
        if isinstance(value, bool) or not isinstance(value, (int, str, type(None))):
            raise self.wrong(path, "идентификатор (число или строка)", value)
        text = "" if value is None else str(value).strip()
        if text in ("", "0"):
            if required:
                raise self.error(path, "нет идентификатора")
            return None
        return text

    def text(self, value: Any, path: str) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.wrong(path, "строка", value)
        return str(value)

    def number(self, value: Any, path: str) -> float | None:
        """A number, or a decimal string as CRMs export money ("1000.00")."""
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise self.wrong(path, "число", value)
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(re.sub(r"[\s\u00a0]", "", value).replace(",", "."))
            except ValueError:
                raise self.error(path, "ожидается число, получена строка не из цифр") from None
        raise self.wrong(path, "число", value)

    def unix(self, value: Any, path: str, tz: ZoneInfo) -> datetime | None:
        """Unix seconds → an aware time in `tz`."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.wrong(path, "Unix-время (число секунд)", value)
        try:
            return datetime.fromtimestamp(value, tz)
        except (OverflowError, OSError, ValueError):
            raise self.error(path, "Unix-время вне допустимого диапазона") from None

    def iso(self, value: Any, path: str) -> datetime | None:
        """An ISO 8601 time (with offset; without one it stays local CRM time)."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise self.wrong(path, "время ISO 8601", value)
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise self.error(path, "строка не является временем ISO 8601") from None

    def flag(self, value: Any, path: str) -> bool:
        """Bitrix24 "Y"/"N" (and JSON booleans)."""
        if value is None or isinstance(value, bool):
            return bool(value)
        if isinstance(value, str) and value.strip().upper() in ("Y", "N", ""):
            return value.strip().upper() == "Y"
        raise self.wrong(path, "флаг \"Y\"/\"N\"", value)


def zone(name: Any) -> ZoneInfo:
    """The CRM account's time zone, or the local CRM zone when unknown."""
    if isinstance(name, str) and name.strip():
        try:
            return ZoneInfo(name.strip())
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo(LOCAL_TZ)


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def portal_date(value: datetime | None) -> str | None:
    """A date-only field sent as a time: midnight UTC rendered in the portal's
    offset ("2024-09-09T02:00:00+02:00") is 2024-09-09; a local midnight is its
    own date."""
    if value is None:
        return None
    if value.tzinfo is not None:
        utc = value.astimezone(ZoneInfo("UTC"))
        if utc.time() == time(0) and value.time() != time(0):
            return utc.date().isoformat()
    return value.date().isoformat()


_BB = re.compile(r"\[/?[a-zA-Z*]+(?:=[^\]\n]*)?\]")
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(?:br|/p|/div|/li)\s*/?\s*>", re.IGNORECASE)
_BLANKS = re.compile(r"[ \t\u00a0]+")


def plain(text: str | None, markup: str = "bb") -> str:
    """Text without BBCode ("bb") or HTML ("html") markup ("text": as it is),
    blank lines and runs of spaces dropped."""
    if not text:
        return ""
    if markup == "html":
        text = html.unescape(_TAG.sub("", _BREAK.sub("\n", text)))
    elif markup == "bb":
        text = _BB.sub("", text)
    lines = (_BLANKS.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def sort_by_time(rows: list[dict], key: str) -> list[dict]:
    """Oldest first; rows without a time keep their order at the end."""
    return sorted(rows, key=lambda r: (r.get(key) is None,
                                       datetime.fromisoformat(r[key]).timestamp()
                                       if r.get(key) else 0.0))


def to_deal(fmt: str, bundle: dict, *, now: datetime | None = None) -> dict:
    """One bundle of format `fmt` as a canonical deal dict.

    `canonical` passes the object through; `amocrm` and `bitrix24` map the CRM's
    objects. `now` is accepted for callers that have an audit time; the
    mappings do not depend on the clock."""
    del now
    if fmt not in FORMATS:
        raise AdapterError(f"неизвестный формат «{fmt}»: допустимы {', '.join(FORMATS)}")
    if not isinstance(bundle, dict):
        raise AdapterError(f"{fmt}: ожидается JSON-объект, получено: {kind(bundle)}")
    if fmt == "canonical":
        return bundle
    from analyzer.adapters import amocrm, bitrix24

    adapter = amocrm if fmt == "amocrm" else bitrix24
    try:
        return adapter.to_deal(bundle)
    except (TypeError, AttributeError, KeyError, IndexError) as exc:
        # a shape our checks did not foresee: still a line error, never a value
        raise AdapterError(f"{fmt}: структура пакета не соответствует формату "
                           f"({type(exc).__name__})") from None


class Adapted:
    """Picklable `bundle -> fn(canonical deal)` for batch runs: an unmappable
    bundle becomes a line error (batch `Rejected`), the batch goes on."""

    def __init__(self, fmt: str, fn):
        self.fmt, self.fn = fmt, fn

    def __call__(self, obj: dict):
        from analyzer.batch import Rejected

        try:
            deal = to_deal(self.fmt, obj)
        except AdapterError as exc:
            raise Rejected(str(exc)) from None
        return self.fn(deal)


def adapted(fmt: str, fn):
    """`fn` itself for canonical input, else `fn` behind the format's adapter."""
    return fn if fmt == "canonical" else Adapted(fmt, fn)


def canonical_lines(fmt: str, lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(line number, canonical deal JSON) for every mappable bundle line;
    unusable lines are skipped here (the scoring pass reports them)."""
    if fmt == "canonical":
        yield from lines
        return
    for n, line in lines:
        try:
            deal = to_deal(fmt, json.loads(line))
        except (ValueError, RecursionError):
            continue
        yield n, json.dumps(deal, ensure_ascii=False)
