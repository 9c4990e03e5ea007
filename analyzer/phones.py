"""Phone numbers: parse what people type, render the company's single format."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers as pn

_NAMED = {"e164": pn.PhoneNumberFormat.E164,
          "international": pn.PhoneNumberFormat.INTERNATIONAL,
          "national": pn.PhoneNumberFormat.NATIONAL}


@dataclass(frozen=True, slots=True)
class Phone:
    raw: str
    number: pn.PhoneNumber | None     # None: nothing parseable
    valid: bool

    @property
    def e164(self) -> str | None:
        return pn.format_number(self.number, pn.PhoneNumberFormat.E164) if self.number else None


MAX_CHARS = 64                      # longer is not a phone field, whatever it holds
_EXTENSION = re.compile(r"(доб(авочный)?|ext|вн(утр)?|x)\.?", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")


def _vanity(text: str) -> bool:
    """Letters left once extension words are gone: phonenumbers would read
    "ABC" as digits 222, but in a CRM they are a typo, not a vanity number."""
    return bool(_LETTER.search(_EXTENSION.sub("", text)))


@lru_cache(maxsize=65_536)
def parse(raw: str, region: str = "RU") -> tuple[Phone, ...]:
    """Every number in a phone field (usually one; "+7…, +7…" gives two)."""
    text = raw.strip()
    if len(text) > MAX_CHARS:
        return (Phone(raw, None, False),)
    try:
        number = pn.parse(text, region)
        return (Phone(raw, number, pn.is_valid_number(number) and not _vanity(text)),)
    except pn.NumberParseException:
        pass
    found = tuple(Phone(raw, m.number, pn.is_valid_number(m.number))
                  for m in pn.PhoneNumberMatcher(text, region))
    return found or (Phone(raw, None, False),)


def _pattern(number: pn.PhoneNumber, pattern: str) -> str | None:
    digits = pn.national_significant_number(number)
    if pattern.count("X") != len(digits):
        return None
    it = iter(digits)
    return "".join(next(it) if ch == "X" else ch for ch in pattern)


def render(number: pn.PhoneNumber, fmt: str) -> str:
    """`number` in the configured format (a named one or an X pattern); a number
    the pattern cannot hold (another country's length) falls back to INTERNATIONAL."""
    plain = pn.PhoneNumber(country_code=number.country_code, national_number=number.national_number,
                           italian_leading_zero=number.italian_leading_zero)
    named = _NAMED.get(fmt.lower())
    if named is not None:
        out = pn.format_number(plain, named)
    else:
        out = _pattern(plain, fmt) if pn.region_code_for_number(plain) == "RU" else None
        out = out or pn.format_number(plain, pn.PhoneNumberFormat.INTERNATIONAL)
    if number.extension:
        out += f" доб. {number.extension}"
    return out
